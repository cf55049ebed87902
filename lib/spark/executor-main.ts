/**
 * sparkling's stage executor: the program Spark's `pipe` starts (plain
 * `node`, bundled into one file, shipped with the application) for one
 * partition of one stage. It reads the encoded stage from its header
 * (`stage-task.ts`), feeds the stage the partition's lines, runs the task
 * with the same operator code as the driver (lib/ship/run.ts) and writes
 * the output lines; the trailer carries what its functions added to
 * accumulators. A failure of any kind exits non-zero (executor-io.ts), so
 * Spark retries the task.
 */
import { existsSync } from 'node:fs';
import { InternalError } from '../errors.js';
import type { PlanNode } from '../plan/nodes.js';
import type { EncodedStage } from '../ship/encode.js';
import { StageRunner } from '../ship/run.js';
import { fromJSON, toJSON } from '../values/json.js';
import { readShipped } from './broadcasts.js';
import { runTask, type TaskInput, type TaskOutput } from './executor-io.js';
import { Gathered } from './gathered.js';
import { BATCH, type ExecutorData } from './stage-task.js';

/** The JSON batches of `lines`, decoded. */
async function* decoded(lines: AsyncIterable<string[]>): AsyncGenerator<unknown[]> {
  for await (const ls of lines) for (const l of ls) yield fromJSON(l) as unknown[];
}

/** Lines of text for `String(x)` (a line break inside one makes more lines, as it does in a local file). */
function textLines(batch: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const x of batch) {
    const s = typeof x === 'string' ? x : String(x);
    if (s.includes('\n') || s.includes('\r')) for (const part of s.split(/\r\n|\r|\n/)) out.push(part);
    else out.push(s);
  }
  return out;
}

async function run(input: TaskInput, output: TaskOutput): Promise<unknown> {
  const data = input.header.data as ExecutorData;
  const stage = fromJSON(data.stage) as EncodedStage;
  // Relative paths of a listing are the driver's: read from its directory when this machine has it.
  if (data.cwd !== undefined && existsSync(data.cwd)) process.chdir(data.cwd);
  const partition = input.header.partition;
  // The task's one input partition: it may be asked for more than once, but read only once;
  // or, gathered, each input partition it reads (gathered.ts).
  let reading = false;
  const gathered = data.gathered === true ? new Gathered(input.batches) : undefined;
  const lines = (node: PlanNode, p: number): AsyncIterable<string[]> =>
    gathered !== undefined
      ? gathered.open(node.id, p)
      : {
          [Symbol.asyncIterator]: () => {
            if (reading) throw new InternalError('the task input was read twice');
            reading = true;
            return input.batches[Symbol.asyncIterator]();
          },
        };
  const feeds = data.feeds;
  // A shuffle of several RDDs' reduce partitions, split by side, until every side is taken.
  const sides = new Map<string, { split: Promise<[unknown, unknown][][]>; left: number }>();
  const shipped = data.broadcasts ?? {};
  const runner = new StageRunner(stage, {
    broadcast: (id) => readShipped(process.env.SPARKLING_SPARK_FILES, shipped, id),
    input: (node, p) => (feeds[node.id] === 'lines' ? lines(node, p) : decoded(lines(node, p))),
    shuffleRead: async (node, parentIndex, p) => {
      if (node.parents.length === 1) {
        const all: [unknown, unknown][] = [];
        for await (const b of decoded(lines(node, p))) for (const x of b) all.push(x as [unknown, unknown]);
        return all;
      }
      // Several RDDs shuffled together: the lines are tagged with their side; read once, split by side.
      const key = `${node.id}:${p}`;
      let entry = sides.get(key);
      if (entry === undefined) {
        entry = { split: split(node, p), left: node.deps.filter((d) => d === 'shuffle').length };
        sides.set(key, entry);
      }
      if (--entry.left <= 0) sides.delete(key);
      return (await entry.split)[parentIndex] ?? [];
    },
  });
  async function split(node: PlanNode, p: number): Promise<[unknown, unknown][][]> {
    const out: [unknown, unknown][][] = node.parents.map(() => []);
    for await (const ls of lines(node, p))
      for (const l of ls) {
        const tab = l.indexOf('\t');
        const side = out[Number(l.slice(0, tab))];
        if (tab <= 0 || side === undefined)
          throw new InternalError(`a shuffle line of ${node.op}[${node.id}] has no side tag`);
        const b = fromJSON(l.slice(tab + 1)) as [unknown, unknown][];
        for (let i = 0; i < b.length; i++) side.push(b[i] as [unknown, unknown]);
      }
    return out;
  }
  try {
    const task = data.task;
    switch (task.kind) {
      case 'records': {
        let n = 0;
        for await (const b of runner.open(partition)) {
          if (b.length === 0) continue;
          for (let i = 0; i < b.length; i += BATCH) await output.write([toJSON(b.slice(i, i + BATCH))]);
          n += b.length;
          if (task.limit !== undefined && n >= task.limit) break;
        }
        break;
      }
      case 'fold':
        await output.write([toJSON(await runner.fold(partition, task.fold))]);
        break;
      case 'map': {
        const tag = task.tagged === true ? `${task.parentIndex}\t` : '';
        const { partitions, buckets } = await runner.map(partition, task.parentIndex, task.numPartitions);
        for (let i = 0; i < partitions.length; i++) {
          const bucket = buckets[i] as [unknown, unknown][];
          const out: string[] = [];
          for (let j = 0; j < bucket.length; j += BATCH)
            out.push(`${partitions[i]}\t${tag}${toJSON(bucket.slice(j, j + BATCH))}`);
          await output.write(out);
        }
        break;
      }
      case 'sample':
        await output.write([toJSON(await runner.sample(partition, task.stride))]);
        break;
      case 'text':
        for await (const b of runner.open(partition)) await output.write(textLines(b));
        break;
    }
    const updates = runner.accumulators.take();
    return updates.length === 0 ? undefined : toJSON(updates);
  } finally {
    runner.end();
  }
}

runTask(run);
