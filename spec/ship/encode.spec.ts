/**
 * Stages written down as plain data (lib/ship/encode.ts) and run from that
 * alone (lib/ship/run.ts): what travels, what does not and why, and a
 * stage's tasks giving the driver's results.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import test from 'ava';
import { Accumulator } from '../../lib/accumulator.js';
import { Broadcast } from '../../lib/broadcast.js';
import { Context } from '../../lib/index.js';
import type { PlanNode } from '../../lib/plan/nodes.js';
import { type EncodedStage, STAGE_FORMAT, StageEncoder, Unshippable } from '../../lib/ship/encode.js';
import { runEncodedStage } from '../../lib/ship/run.js';
import { range } from '../helpers.js';

const sc = new Context({ defaultParallelism: 2, workers: 0 });

/** The stage of `node` over the inputs `inputs` (all resolved to `n` partitions), written down. */
function stageOf(node: PlanNode, inputs: readonly PlanNode[], n: number): EncodedStage {
  const encoder = new StageEncoder();
  const nodes = [];
  const seen = new Set<PlanNode>(inputs);
  for (const i of inputs) nodes.push(encoder.input(i, n));
  const order: PlanNode[] = [];
  const visit = (x: PlanNode): void => {
    if (seen.has(x)) return;
    seen.add(x);
    for (const p of x.parents) visit(p);
    order.push(x);
  };
  visit(node);
  for (const x of order) nodes.push(encoder.node(x, n));
  return {
    format: STAGE_FORMAT,
    nodes,
    output: node.id,
    functions: encoder.functions,
    broadcasts: encoder.encodedBroadcasts(true),
    accumulators: encoder.accumulatorSpecs,
    listings: [],
    prepared: [],
    io: {},
  };
}

const reason = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (e instanceof Unshippable) return e.message;
    throw e;
  }
};

test('encode: captured values, helpers, built-ins, broadcasts and accumulators travel; a class instance does not', (t) => {
  const encoder = new StageEncoder();
  const threshold = 5;
  const table = new Map([[1, 'one']]);
  const limits = { low: 1, high: [2, 3] };
  const when = new Date(0);
  const bytes = new Uint8Array([1, 2]);
  const big = 10n;
  const helper = (x: number) => x * threshold;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const bc = new Broadcast([1, 2]);
  const acc = new Accumulator(0);
  const url = new URL('http://example.com/');
  const node = (f: Function) => sc.parallelize([1]).map(f as (x: unknown) => unknown)._node;
  t.is(
    reason(() =>
      encoder.node(
        node((x: number) => x > threshold),
        1,
      ),
    ),
    'ok',
  );
  t.is(
    reason(() =>
      encoder.node(
        node((x: number) => [table.get(x), limits.high, when, bytes, big, x]),
        1,
      ),
    ),
    'ok',
  );
  t.is(
    reason(() =>
      encoder.node(
        node((x: number) => helper(x) + fact(x)),
        1,
      ),
    ),
    'ok',
  );
  t.is(
    reason(() =>
      encoder.node(
        node((x: string) => createHash('md5').update(x).digest('hex')),
        1,
      ),
    ),
    'ok',
  );
  t.is(
    reason(() =>
      encoder.node(
        node((x: string) => path.join(x, 'a')),
        1,
      ),
    ),
    'ok',
  );
  const shared = encoder.node(
    node((x: number) => {
      acc.add(x);
      return bc.value.includes(x);
    }),
    1,
  );
  t.deepEqual(
    encoder.functions[shared.fns.f as number]?.captures.map((c) => c.kind),
    ['accumulator', 'broadcast'],
  );
  const bad = node((x: string) => new URL(x, url).href);
  t.is(
    reason(() => encoder.node(bad, 1)),
    `map[${bad.id}] captures 'url' holding a URL, which structured clone would not keep`,
  );
  const viaHelper = (x: string) => new URL(x, url).href;
  const indirect = node((x: string) => viaHelper(x));
  t.is(
    reason(() => encoder.node(indirect, 1)),
    `map[${indirect.id}] captures 'viaHelper', a function that captures 'url' holding a URL, which structured clone would not keep`,
  );
  let n = 0;
  const assigns = node(() => n++);
  t.is(
    reason(() => encoder.node(assigns, 1)),
    `map[${assigns.id}] assigns to captured 'n'`,
  );
  t.is(n, 0);
});

test('encode: a stage is plain data: it survives structured clone and JSON of its functions and nodes', (t) => {
  const k = 3;
  const rdd = sc
    .parallelize(range(10), 2)
    .map((x) => x * k)
    .filter((x) => x % 2 === 0);
  const parallel = rdd._node.parents[0]?.parents[0] as PlanNode;
  const stage = stageOf(rdd._node, [parallel], 2);
  t.deepEqual(structuredClone(stage), stage);
  const json = JSON.parse(JSON.stringify(stage)) as EncodedStage;
  t.deepEqual(json.functions, stage.functions);
  t.deepEqual(json.nodes, stage.nodes);
  t.deepEqual(
    stage.nodes.map((n) => [n.op, n.parents, n.input === true]),
    [
      ['parallelize', [], true],
      ['map', [parallel.id], false],
      ['filter', [rdd._node.parents[0]?.id], false],
    ],
  );
});

test('runEncodedStage: records, folds and a map task equal the driver, from the stage and the input alone', async (t) => {
  const k = 3;
  const seen = sc.accumulator(0);
  const words = sc.parallelize(['a b', 'b c c'], 1);
  const pairs = words
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => {
      seen.add(1);
      return [w, k];
    });
  const counts = pairs.reduceByKey((a, b) => a + b, 2);
  const input = async function* (node: PlanNode, partition: number) {
    t.is(node.id, words.id());
    t.is(partition, 0);
    yield ['a b', 'b c c'];
  };
  // The map side of the word count: combined per key, routed into 2 buckets by the portable hash.
  const mapStage = stageOf(counts._node, [words._node], 1);
  const mapped = await runEncodedStage(
    JSON.parse(JSON.stringify(mapStage)),
    0,
    { kind: 'map', parentIndex: 0, numPartitions: 2 },
    input,
  );
  // Only the reduce partitions that get records: partitions[i] gets buckets[i].
  const output = mapped.result as { partitions: number[]; buckets: [string, number][][] };
  const buckets: [string, number][][] = [[], []];
  output.partitions.forEach((p, i) => {
    buckets[p] = output.buckets[i] ?? [];
  });
  t.deepEqual(buckets.flat().sort(), [
    ['a', 3],
    ['b', 6],
    ['c', 6],
  ]);
  const expected = await counts.glom().collect();
  t.deepEqual(
    buckets.map((b) => b.map(([w]) => w).sort()),
    expected.map((p) => p.map(([w]) => w).sort()),
  );
  t.deepEqual(mapped.accumulators, [[seen._id, 5]]);
  const records = await runEncodedStage(
    stageOf(pairs._node, [words._node], 1),
    0,
    { kind: 'records' },
    input,
  );
  t.deepEqual(records.result, await pairs.collect());
  const encoder = new StageEncoder();
  const stage = stageOf(pairs.values()._node, [words._node], 1);
  const fold = encoder.fold('sum', []);
  t.is((await runEncodedStage(stage, 0, { kind: 'fold', fold }, input)).result, 15);
  // The reduce side: the stage merges the buckets the map tasks routed to each partition, then goes on.
  const scaled = counts.mapValues((n) => n * 10);
  const reduceStage = stageOf(scaled._node, [pairs._node], 2);
  const reduced = await Promise.all(
    [0, 1].map(
      async (p) =>
        (
          await runEncodedStage(reduceStage, p, { kind: 'records' }, undefined, {
            shuffleRead: async (node, parentIndex, partition) => {
              t.is(node.id, counts.id());
              t.is(parentIndex, 0);
              // Two map tasks' outputs for this partition: each combined already.
              return [...(buckets[partition] ?? []), ...(buckets[partition] ?? [])];
            },
          })
        ).result as [string, number][],
    ),
  );
  const driver = await scaled
    .union(scaled)
    .reduceByKey((a, b) => a + b, 2)
    .glom()
    .collect();
  t.deepEqual(
    reduced.map((part) => [...part].sort()),
    driver.map((part) => [...part].sort()),
  );
});

test('unseeded randomSplit with workers: 2 gives disjoint splits that cover the input', async (t) => {
  const wsc = new Context({ defaultParallelism: 2, workers: 2 });
  const rdd = wsc.parallelize(range(10_000), 4);
  const [a, b] = rdd.randomSplit([0.7, 0.3]);
  const xs = (await a?.collect()) ?? [];
  const ys = (await b?.collect()) ?? [];
  t.is(xs.length + ys.length, 10_000);
  const both = new Set(xs);
  t.is(ys.filter((y) => both.has(y)).length, 0);
  t.deepEqual(
    [...xs, ...ys].sort((p, q) => p - q),
    range(10_000),
  );
  // The same RDD samples alike in every action.
  const s = rdd.sample(false, 0.3);
  t.is(await s.count(), await s.count());
  wsc.stop();
});

test('explain shows partition counts once known: after getNumPartitions() or an action', async (t) => {
  const dir = path.join(import.meta.dirname, '..', '..', 'examples', 'data', 'spark-notes.txt');
  const lines = sc.textFile(dir, 2).map((l) => l.length);
  t.regex(lines.explain(), /^\(\?\) map\[\d+\]/);
  const n = await lines.getNumPartitions();
  t.regex(lines.explain(), new RegExp(`^\\(${n}\\) map\\[\\d+\\]`));
  t.regex(lines.explain(), /\| {2}textFile\[\d+\]/);
  const later = sc
    .textFile(dir, 2)
    .map((l): [number, number] => [l.length % 3, 1])
    .reduceByKey((a, b) => a + b);
  t.regex(later.explain(), /^\(\?\) reduceByKey\[\d+\] numPartitions=\? partitioner=hash/);
  await later.count();
  t.regex(
    later.explain(),
    new RegExp(`^\\(${n}\\) reduceByKey\\[\\d+\\] numPartitions=${n} partitioner=hash`),
  );
});
