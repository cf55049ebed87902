/**
 * A sort run the way a Spark job runs it, without Spark: each map
 * partition's encoded stage samples its sort keys (`StageRunner.sample`),
 * the driver cuts the bounds (`boundsOfSample`, local mode's stride), the
 * map tasks route `[key, value]` pairs by the bounds sent in the stage's
 * `prepared`, and each reduce task sorts what the map tasks routed to it, in
 * map order. The partitions equal local mode's glom() at 1, 2 and 7.
 */
import test from 'ava';
import { boundsOfSample, sampleStride } from '../../lib/exec/sort-shuffle.js';
import { Context, type RDD } from '../../lib/index.js';
import type { PlanNode } from '../../lib/plan/nodes.js';
import { type EncodedStage, STAGE_FORMAT, StageEncoder } from '../../lib/ship/encode.js';
import { runEncodedStage, StageRunner } from '../../lib/ship/run.js';

const sc = new Context({ defaultParallelism: 2, workers: 0 });

/** `node`'s stage over the input `input` (its nodes resolved to `n` partitions), with `prepared` entries. */
function stageOf(
  node: PlanNode,
  input: PlanNode,
  n: number,
  prepared: [number, unknown][] = [],
): EncodedStage {
  const encoder = new StageEncoder();
  const nodes = [encoder.input(input, n)];
  const order: PlanNode[] = [];
  const visit = (x: PlanNode): void => {
    if (x === input || order.includes(x)) return;
    for (const p of x.parents) visit(p);
    order.push(x);
  };
  visit(node);
  for (const x of order) nodes.push(encoder.node(x, n));
  return JSON.parse(
    JSON.stringify({
      format: STAGE_FORMAT,
      nodes,
      output: node.id,
      functions: encoder.functions,
      broadcasts: encoder.encodedBroadcasts(true),
      accumulators: encoder.accumulatorSpecs,
      listings: [],
      prepared,
      io: {},
    }),
  ) as EncodedStage;
}

/** The sort `sorted` (over the parallelized `source`) computed task by task from encoded stages. */
async function asSpark<T>(source: RDD<T>, sorted: RDD<unknown>): Promise<unknown[][]> {
  const parts = await source.glom().collect();
  const m = parts.length;
  const n = await sorted.getNumPartitions();
  const input = async function* (_node: PlanNode, p: number) {
    yield parts[p] as unknown[];
  };
  const sort = sorted._node;
  const mapStage = (prepared?: [number, unknown][]) => stageOf(sort, source._node, m, prepared);
  // The sampling tasks, at local mode's stride.
  const total = parts.reduce((k, p) => k + p.length, 0);
  let bounds: unknown[] = [];
  if (n > 1 && total > 0) {
    const sample: unknown[] = [];
    for (let p = 0; p < m; p++) {
      const runner = new StageRunner(mapStage(), { input });
      try {
        sample.push(...(await runner.sample(p, sampleStride(total, n))));
      } finally {
        runner.end();
      }
    }
    bounds = boundsOfSample(sample, n);
  }
  // The map tasks, routing by the bounds sent with the stage.
  const routed: [unknown, unknown][][] = Array.from({ length: n }, () => []);
  for (let p = 0; p < m; p++) {
    const { result } = await runEncodedStage(
      mapStage([[sort.id, bounds]]),
      p,
      { kind: 'map', parentIndex: 0, numPartitions: n },
      input,
    );
    const out = result as { partitions: number[]; buckets: [unknown, unknown][][] };
    out.partitions.forEach((r, i) => {
      (routed[r] as [unknown, unknown][]).push(...(out.buckets[i] ?? []));
    });
  }
  // The reduce tasks, each fed its pairs in map order.
  const reduced: unknown[][] = [];
  for (let r = 0; r < n; r++) {
    const { result } = await runEncodedStage(
      stageOf(sort, source._node, n),
      r,
      { kind: 'records' },
      undefined,
      {
        shuffleRead: async () => routed[r] as [unknown, unknown][],
      },
    );
    reduced.push(result as unknown[]);
  }
  return reduced;
}

const numbers = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 613) - 200);

for (const n of [1, 2, 7])
  test(`sortBy and sortByKey from encoded stages equal local mode's glom, ${n} partitions`, async (t) => {
    const xs = sc.parallelize([...numbers, -0, 0, 0.5], 3);
    const words = sc.parallelize(
      numbers.map((x) => [`w${Math.abs(x) % 17}`, x] as [string, number]),
      4,
    );
    const tuples = xs.map((x) => [[x % 3, x], x] as [[number, number], number]);
    const programs: [string, RDD<unknown>, RDD<unknown>][] = [
      ['sortBy(x => x) up', xs, xs.sortBy((x) => x, true, n)],
      ['sortBy(x => x % 10) down', xs, xs.sortBy((x) => x % 10, false, n)],
      ['sortByKey up', words, words.sortByKey(true, n)],
      ['sortByKey down with keyfunc', words, words.sortByKey(false, n, (k) => k.length)],
      ['tuple keys', tuples, tuples.sortByKey(true, n)],
    ];
    for (const [name, source, sorted] of programs)
      t.deepEqual(await asSpark(source, sorted), await sorted.glom().collect(), name);
  });

test('an empty parent: no bounds, empty partitions', async (t) => {
  const empty = sc.parallelize([] as number[], 3);
  const sorted = empty.sortBy((x) => x, true, 3);
  t.deepEqual(await asSpark(empty, sorted), await sorted.glom().collect());
});
