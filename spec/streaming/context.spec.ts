/**
 * StreamingContext: lifecycle (start, stop, awaitTermination*), batch times,
 * pull-based scheduling (a slow batch delays the next, every interval gets
 * its batch, late ones run back to back), errors, outputs.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import {
  ArgumentError,
  Context,
  ManualClock,
  type RDD,
  SparklingError,
  StreamingContext,
  TaskError,
} from '../../lib/index.js';
import { collectBatches, harness, range } from './helpers.js';

test('batch times are multiples of the batch duration from the start, given as Dates', async (t) => {
  const h = harness(t, 0.25, 2, 1_000_030);
  const times: number[] = [];
  h.ssc.queueStream([[1]]).foreachRDD((time: Date, _rdd: RDD<number>) => {
    t.true(time instanceof Date);
    times.push(time.getTime());
  });
  await h.ssc.start();
  await h.clock.advance(1000);
  await h.ssc.stop(false);
  t.deepEqual(times, [1_000_250, 1_000_500, 1_000_750, 1_001_000]);
});

test('ManualClock: advancing by several batches runs each of them, in order, back to back', async (t) => {
  const h = harness(t, 1);
  const out: [number, number[]][] = [];
  h.ssc.queueStream([[1], [2], [3], [4]]).foreachRDD(async (time: Date, rdd: RDD<number>) => {
    out.push([time.getTime(), await rdd.collect()]);
  });
  await h.ssc.start();
  await h.clock.advance(3500);
  t.deepEqual(out, [
    [1000, [1]],
    [2000, [2]],
    [3000, [3]],
  ]);
  await h.clock.advance(500);
  t.deepEqual(out.at(-1), [4000, [4]]);
});

test('a slow batch delays the next; every interval still gets its batch and the late ones run back to back', async (t) => {
  const sc = new Context({ defaultParallelism: 1 });
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 0.05);
  const runs: { time: number; began: number; ended: number }[] = [];
  ssc.queueStream([], true, [1]).foreachRDD(async (time: Date, rdd: RDD<number>) => {
    const began = Date.now();
    await rdd.count();
    if (runs.length === 0) await new Promise((r) => setTimeout(r, 300));
    runs.push({ time: time.getTime(), began, ended: Date.now() });
    if (runs.length === 8) void ssc.stop(false);
  });
  await ssc.start();
  await ssc.awaitTermination();
  const times = runs.map((r) => r.time);
  t.deepEqual(
    times,
    times.map((_, i) => (times[0] as number) + 50 * i),
    'one batch per interval, none skipped',
  );
  for (let i = 1; i < runs.length; i++)
    t.true((runs[i] as { began: number }).began >= (runs[i - 1] as { ended: number }).ended);
  t.true(
    (runs[0] as { began: number }).began >= (runs[0] as { time: number }).time,
    'a batch never runs before its time',
  );
  // The batches due during the slow one ran late, one after another (spec: ManualClock's test shows they do not wait).
  const late = runs.slice(1, 4);
  for (const r of late) t.true(r.began - r.time > 50, `batch ${r.time} ran late, back to back`);
});

test('awaitTerminationOrTimeout resolves false on timeout, true once stopped; awaitTermination(timeout) resolves', async (t) => {
  const h = harness(t);
  h.ssc.queueStream([[1]]).pprint();
  await h.ssc.start();
  t.false(await h.ssc.awaitTerminationOrTimeout(0.05));
  await h.ssc.awaitTermination(0.05);
  t.is(h.ssc.getState(), 'active');
  const waiting = h.ssc.awaitTerminationOrTimeout(10);
  await h.ssc.stop(false);
  t.true(await waiting);
  await h.ssc.awaitTermination();
  t.is(h.ssc.getState(), 'stopped');
  t.false(h.sc.isStopped);
});

test('stop() stops the Context by default, as PySpark; stop(false) keeps it', async (t) => {
  const sc = new Context();
  const ssc = new StreamingContext(sc, 1, { clock: new ManualClock() });
  ssc.queueStream([[1]]).pprint();
  await ssc.start();
  await ssc.stop();
  t.true(sc.isStopped);
  const sc2 = new Context();
  t.teardown(() => sc2.stop());
  const ssc2 = new StreamingContext(sc2, 1);
  await ssc2.stop(false);
  t.false(sc2.isStopped);
  t.is(ssc2.getState(), 'stopped');
  await ssc2.awaitTermination();
});

test('start() checks: an output operation exists, not started twice, not restarted after stop', async (t) => {
  const h = harness(t);
  const s = h.ssc.queueStream([[1]]);
  t.throws(() => h.ssc.start(), { instanceOf: SparklingError, message: /no output operations registered/ });
  s.pprint();
  await h.ssc.start();
  t.throws(() => h.ssc.start(), { message: /already been started/ });
  t.throws(() => s.map((x) => x), { message: /after the StreamingContext started/ });
  t.throws(() => s.pprint(), { message: /after the StreamingContext started/ });
  t.throws(() => h.ssc.queueStream([[1]]), { message: /after the StreamingContext started/ });
  await h.ssc.stop(false);
  t.throws(() => h.ssc.start(), { message: /already been stopped/ });
  t.throws(() => s.map((x) => x), { message: /stopped StreamingContext/ });
});

test('bad arguments are ArgumentErrors naming them', (t) => {
  const sc = new Context();
  t.teardown(() => sc.stop());
  t.throws(() => new StreamingContext(sc, 0), { instanceOf: ArgumentError, message: /batchDuration/ });
  t.throws(() => new StreamingContext(sc, -1), { instanceOf: ArgumentError });
  t.throws(() => new StreamingContext(sc, Number.NaN), { instanceOf: ArgumentError });
  t.throws(() => new StreamingContext({} as Context, 1), {
    instanceOf: ArgumentError,
    message: /sparkContext/,
  });
  const ssc = new StreamingContext(sc, 1);
  const s = ssc.queueStream([[1]]);
  t.throws(() => s.map(3 as never), { instanceOf: ArgumentError, message: /f must be a function/ });
  t.throws(() => s.foreachRDD('x' as never), { instanceOf: ArgumentError });
  t.throws(() => s.pprint(-1), { instanceOf: ArgumentError, message: /num/ });
  t.throws(() => s.repartition(0), { instanceOf: ArgumentError, message: /numPartitions/ });
  t.throws(() => ssc.queueStream(5 as never), { instanceOf: ArgumentError, message: /rdds/ });
  t.throws(() => ssc.queueStream([5] as never), { instanceOf: ArgumentError, message: /rdds\[0\]/ });
  t.throws(() => ssc.remember(0), { instanceOf: ArgumentError });
  t.throws(() => s.slice(0, 1), { instanceOf: SparklingError, message: /started/ });
  t.throws(() => s.saveAsTextFiles(''), { instanceOf: ArgumentError, message: /prefix/ });
  t.throws(() => ssc.checkpoint('s3://bucket/x'), { instanceOf: ArgumentError, message: /local path/ });
  t.throws(() => ssc.union(), { instanceOf: ArgumentError });
  const other = new StreamingContext(sc, 2).queueStream([[1]]);
  t.throws(() => s.union(other as never), {
    instanceOf: ArgumentError,
    message: /different StreamingContexts/,
  });
  const slower = s.window(2, 2);
  t.throws(() => s.union(slower), { instanceOf: ArgumentError, message: /same slide duration/ });
  // A transform's result is checked when its batch runs (see below), not when it is set up.
  t.notThrows(() => s.transform(() => 5 as never).pprint());
});

test('a transform that returns something other than an RDD fails its batch with a TaskError', async (t) => {
  const h = harness(t);
  h.ssc
    .queueStream([[1]])
    .transform(() => [1, 2] as never)
    .foreachRDD(() => {});
  await h.ssc.start();
  await h.step();
  const e = await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: TaskError });
  t.regex(e.message, /foreachRDD failed in the batch of time 500 .*must return an RDD/);
  t.true(e.cause instanceof ArgumentError);
});

test('an async foreachRDD that rejects stops the context; outputs after it in the batch do not run', async (t) => {
  const h = harness(t);
  const s = h.ssc.queueStream([[1], [2]]);
  const after: number[] = [];
  const boom = new RangeError('nope');
  s.foreachRDD(async () => {
    await new Promise((r) => setTimeout(r, 5));
    throw boom;
  });
  s.foreachRDD(async (rdd) => {
    after.push(...(await rdd.collect()));
  });
  await h.ssc.start();
  await h.step();
  await h.step();
  const e = await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: TaskError });
  t.is(e.cause, boom);
  t.is(e.operator, 'foreachRDD');
  t.deepEqual(after, []);
  // Both awaitTermination and awaitTerminationOrTimeout reject with the same error, every time.
  t.is(await t.throwsAsync(h.ssc.awaitTerminationOrTimeout(1)), e);
});

test('stop() from inside foreachRDD stops after that batch', async (t) => {
  const h = harness(t);
  const seen: number[] = [];
  h.ssc.queueStream([[1], [2], [3]]).foreachRDD(async (rdd) => {
    seen.push(...(await rdd.collect()));
    if (seen.length === 2) await h.ssc.stop(false);
  });
  await h.ssc.start();
  for (let i = 0; i < 4; i++) await h.step();
  await h.ssc.awaitTermination();
  t.deepEqual(seen, [1, 2]);
});

test('stop() without grace skips the rest of the running batch; with grace the batch finishes', async (t) => {
  for (const graceful of [false, true]) {
    const h = harness(t);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const ran: string[] = [];
    const s = h.ssc.queueStream([[1], [2]]);
    s.foreachRDD(async () => {
      ran.push('first');
      await gate;
    });
    s.foreachRDD(() => {
      ran.push('second');
    });
    await h.ssc.start();
    const stepping = h.step();
    await new Promise((r) => setTimeout(r, 20));
    const stopping = h.ssc.stop(false, graceful);
    release();
    await stopping;
    await stepping;
    t.deepEqual(ran, graceful ? ['first', 'second'] : ['first'], `graceful: ${graceful}`);
  }
});

test('queueStream: oneAtATime false takes the whole queue in the first batch; default as RDD or array', async (t) => {
  const h = harness(t);
  const all = h.ssc.queueStream<number | string>(
    [[1], [2], h.sc.parallelize([3])],
    false,
    h.sc.parallelize<number | string>(['d']),
  );
  const out = await collectBatches(h, all as never, 3);
  t.deepEqual(out, [[1, 2, 3], ['d'], ['d']]);
});

test('queueStream copies the array: later pushes are not seen', async (t) => {
  const h = harness(t);
  const q = [[1]];
  const s = h.ssc.queueStream(q);
  q.push([2]);
  const out = await collectBatches(h, s, 2, 3);
  t.deepEqual(out, [[1]]);
});

test('count() gives one element per batch: 0 for an empty batch, with or without partitions', async (t) => {
  const h = harness(t);
  const out: number[][] = [];
  const s = h.ssc.queueStream([[], [1, 2]]);
  s.count().foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  const windows: number[][] = [];
  s.countByWindow(1).foreachRDD(async (rdd) => {
    windows.push(await rdd.collect());
  });
  await h.ssc.start();
  for (let i = 0; i < 4; i++) await h.step();
  t.deepEqual(out, [[0], [2], [0], [0]]);
  t.deepEqual(windows, [[0], [2], [2], [0]]);
});

test('cache(): a batch RDD used by two outputs is computed once', async (t) => {
  const h = harness(t);
  let calls = 0;
  const s = h.ssc
    .queueStream([range(10)])
    .map((x) => {
      calls++;
      return x;
    })
    .cache();
  s.foreachRDD((rdd) => rdd.count());
  s.foreachRDD((rdd) => rdd.count());
  await h.ssc.start();
  await h.step();
  t.is(calls, 10);
});

test('saveAsTextFiles writes prefix-<time>[.suffix] atomically for every batch, empty ones included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-stream-save-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const h = harness(t, 1);
  const s = h.ssc.queueStream<string | number>([
    ['a', 'b'],
    [1, 2],
  ]);
  s.saveAsTextFiles(join(dir, 'out'));
  s.saveAsTextFiles(join(dir, 'txt'), 'txt');
  await h.ssc.start();
  for (let i = 0; i < 3; i++) await h.step();
  await h.ssc.stop(false);
  const names = readdirSync(dir).sort();
  t.deepEqual(names, ['out-1000', 'out-2000', 'out-3000', 'txt-1000.txt', 'txt-2000.txt', 'txt-3000.txt']);
  for (const n of names) t.true(existsSync(join(dir, n, '_SUCCESS')), n);
  t.deepEqual(await h.sc.textFile(join(dir, 'out-1000')).collect(), ['a', 'b']);
  t.deepEqual(await h.sc.textFile(join(dir, 'txt-2000.txt')).collect(), ['1', '2']);
  t.deepEqual(
    readdirSync(join(dir, 'out-3000')).filter((n) => n !== '_SUCCESS' && !n.startsWith('part-')),
    [],
  );
  const parts = readdirSync(join(dir, 'out-3000')).filter((n) => n.startsWith('part-'));
  t.deepEqual(parts.map((p) => readFileSync(join(dir, 'out-3000', p), 'utf8')).join(''), '');
});

test.serial('getActive() is the started, not yet stopped context', async (t) => {
  const h = harness(t);
  h.ssc.queueStream([[1]]).pprint();
  t.not(StreamingContext.getActive(), h.ssc);
  await h.ssc.start();
  t.is(StreamingContext.getActive(), h.ssc);
  t.is(
    StreamingContext.getActiveOrCreate(undefined, () => t.fail() as never),
    h.ssc,
  );
  await h.ssc.stop(false);
  t.not(StreamingContext.getActive(), h.ssc);
});

test('a clock may be given as the third argument too; ManualClock.waitTillTime resolves once it is reached', async (t) => {
  const sc = new Context();
  t.teardown(() => sc.stop());
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(sc, 1, clock);
  const times: number[] = [];
  ssc.queueStream([[1]]).foreachRDD((time: Date, _rdd: RDD<number>) => {
    times.push(time.getTime());
  });
  await ssc.start();
  const reached = clock.waitTillTime(1500);
  await clock.advance(1000);
  t.deepEqual(times, [1000]);
  await clock.advance(1000);
  t.is(await reached, 2000);
  await ssc.stop(false);
});
