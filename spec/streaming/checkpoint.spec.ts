/**
 * Recovery from a checkpoint after a restart: StreamingContext.getOrCreate
 * calls setup again, then restores the state of updateStateByKey and
 * windows and the file sources' positions; the batches after the checkpoint
 * run first.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import {
  ArgumentError,
  Context,
  ManualClock,
  type RDD,
  SparklingError,
  StreamingContext,
} from '../../lib/index.js';

function tempDir(t: ExecutionContext, name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `sparkling-${name}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function write(path: string, content: string, mtime: number): void {
  writeFileSync(path, content);
  utimesSync(path, mtime / 1000, mtime / 1000);
}

const T0 = 1_700_000_000_000;

interface Run {
  readonly ssc: StreamingContext;
  readonly clock: ManualClock;
  readonly counts: Map<number, [string, number][]>;
  readonly windows: Map<number, [string, number][]>;
}

/** A word count over a directory: running totals (updateStateByKey) and the last 3 s (reduceByKeyAndWindow with an inverse). */
function wordCount(
  t: ExecutionContext,
  input: string,
  checkpoints: string,
  clockAt: number,
  calls: number[],
): Run {
  const counts = new Map<number, [string, number][]>();
  const windows = new Map<number, [string, number][]>();
  const clock = new ManualClock(clockAt);
  const sc = new Context({ defaultParallelism: 2 });
  t.teardown(() => sc.stop());
  const ssc = StreamingContext.getOrCreate(checkpoints, () => {
    calls.push(1);
    const s = new StreamingContext(sc, 1, { clock });
    const pairs = s
      .textFileStream(input)
      .flatMap((line) => line.split(' '))
      .map((w) => [w, 1] as [string, number]);
    pairs
      .updateStateByKey((vs: number[], total: number | undefined) => (total ?? 0) + vs.length)
      .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
        counts.set(time.getTime(), (await rdd.collect()).sort());
      });
    pairs
      .reduceByKeyAndWindow(
        (a, b) => a + b,
        (a, b) => a - b,
        3,
        1,
        undefined,
        (kv) => kv[1] > 0,
      )
      .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
        windows.set(time.getTime(), (await rdd.collect()).sort());
      });
    return s;
  });
  return { ssc, clock, counts, windows };
}

test('a restarted program resumes its running totals, windows and file positions from the checkpoint', async (t) => {
  const input = tempDir(t, 'cp-input');
  const checkpoints = tempDir(t, 'cp-dir');
  const calls: number[] = [];
  write(join(input, 'before.txt'), 'ignored at start\n', T0 - 1000);

  const first = wordCount(t, input, checkpoints, T0, calls);
  t.is(calls.length, 1);
  await first.ssc.start();
  write(join(input, '1.txt'), 'a b\n', T0 + 500);
  await first.clock.advance(1000); // T0+1000: a b
  write(join(input, '2.txt'), 'a c\n', T0 + 1500);
  await first.clock.advance(1000); // T0+2000: a c
  t.deepEqual(first.counts.get(T0 + 2000), [
    ['a', 2],
    ['b', 1],
    ['c', 1],
  ]);
  await first.ssc.stop(false);
  t.true(readdirSync(checkpoints).includes(`checkpoint-${T0 + 2000}`));

  // Down for a while: one file arrives meanwhile; the restarted clock is 2.5 batches later.
  write(join(input, '3.txt'), 'b b\n', T0 + 3200);
  const second = wordCount(t, input, checkpoints, T0 + 4500, calls);
  t.is(calls.length, 2, 'setup runs again: functions cannot be read back from disk');
  await second.ssc.start();
  await second.clock.advance(0); // the batches after the checkpoint (T0+3000, T0+4000) run back to back
  write(join(input, '4.txt'), 'c\n', T0 + 4800);
  await second.clock.advance(500); // T0+5000
  await second.ssc.stop(false);
  t.deepEqual([...second.counts.keys()], [T0 + 3000, T0 + 4000, T0 + 5000]);
  t.deepEqual(second.counts.get(T0 + 3000), [
    ['a', 2],
    ['b', 1],
    ['c', 1],
  ]);
  t.deepEqual(second.counts.get(T0 + 4000), [
    ['a', 2],
    ['b', 3],
    ['c', 1],
  ]);
  t.deepEqual(second.counts.get(T0 + 5000), [
    ['a', 2],
    ['b', 3],
    ['c', 2],
  ]);
  // The window of 3 s at T0+4000 holds the batches of T0+2000 (restored), T0+3000 and T0+4000.
  t.deepEqual(second.windows.get(T0 + 3000), [
    ['a', 2],
    ['b', 1],
    ['c', 1],
  ]);
  t.deepEqual(second.windows.get(T0 + 4000), [
    ['a', 1],
    ['b', 2],
    ['c', 1],
  ]);
  t.deepEqual(second.windows.get(T0 + 5000), [
    ['b', 2],
    ['c', 1],
  ]);
});

test('getOrCreate without a checkpoint calls setup and checkpoints to the directory', async (t) => {
  const checkpoints = join(tempDir(t, 'cp-new'), 'nested');
  const input = tempDir(t, 'cp-in');
  const calls: number[] = [];
  const run = wordCount(t, input, checkpoints, T0, calls);
  t.is(calls.length, 1);
  await run.ssc.start();
  await run.clock.advance(1000);
  await run.ssc.stop(false);
  t.true(existsSync(join(checkpoints, `checkpoint-${T0 + 1000}`)));
});

test('only the newest checkpoints are kept; a damaged newest one falls back to the one before', async (t) => {
  const input = tempDir(t, 'cp-in2');
  const checkpoints = tempDir(t, 'cp-keep');
  const calls: number[] = [];
  const run = wordCount(t, input, checkpoints, T0, calls);
  await run.ssc.start();
  write(join(input, '1.txt'), 'x\n', T0 + 100);
  await run.clock.advance(4000);
  await run.ssc.stop(false);
  t.deepEqual(readdirSync(checkpoints).sort(), [`checkpoint-${T0 + 3000}`, `checkpoint-${T0 + 4000}`]);
  writeFileSync(join(checkpoints, `checkpoint-${T0 + 4000}`), 'damaged');
  const again = wordCount(t, input, checkpoints, T0 + 4000, calls);
  await again.ssc.start();
  await again.clock.advance(0);
  await again.ssc.stop(false);
  t.deepEqual([...again.counts.keys()], [T0 + 4000]);
  t.deepEqual(again.counts.get(T0 + 4000), [['x', 1]]);
});

test('a queueStream cannot be checkpointed: start() throws, as Spark', (t) => {
  const sc = new Context();
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 1, { clock: new ManualClock() });
  ssc.checkpoint(tempDir(t, 'cp-queue'));
  ssc.queueStream([[1]]).pprint();
  t.throws(() => ssc.start(), { instanceOf: SparklingError, message: /queueStream cannot be checkpointed/ });
});

test('a restart must set up the same streams and batch duration', async (t) => {
  const input = tempDir(t, 'cp-in3');
  const checkpoints = tempDir(t, 'cp-graph');
  const run = wordCount(t, input, checkpoints, T0, []);
  await run.ssc.start();
  await run.clock.advance(1000);
  await run.ssc.stop(false);
  const sc = new Context();
  t.teardown(() => sc.stop());
  const clock = new ManualClock(T0);
  const other = StreamingContext.getOrCreate(checkpoints, () => {
    const s = new StreamingContext(sc, 1, { clock });
    s.textFileStream(input).pprint();
    return s;
  });
  t.throws(() => other.start(), { instanceOf: SparklingError, message: /are not those of the checkpoint/ });
  t.throws(() => StreamingContext.getOrCreate(checkpoints, () => new StreamingContext(sc, 2)), {
    instanceOf: ArgumentError,
    message: /batches of 1 s/,
  });
});

test('getOrCreate accepts an async setup', async (t) => {
  const sc = new Context();
  t.teardown(() => sc.stop());
  const dir = tempDir(t, 'cp-async');
  const ssc = await StreamingContext.getOrCreate(dir, async () => new StreamingContext(sc, 1));
  t.true(ssc instanceof StreamingContext);
  t.is(ssc._checkpointDir, dir);
});
