/**
 * PySpark's less common methods (issue 17, point 3) beyond the conformance
 * table: job groups and cancellation, the approximate actions under a
 * timeout, stratified sampling's rates, HyperLogLog's accuracy and value
 * equality, binaryRecords' errors, sc.version.
 */
import { readFileSync } from 'node:fs';
import test, { type ExecutionContext } from 'ava';
import { ArgumentError, BoundedFloat, Context, TaskError } from '../lib/index.js';
import { context, range } from './helpers.js';
import { loopClock } from './reliability/timing.js';

const endless = (sc: Context) => sc.range(0, 1e13, 1, 4).map((x) => x + 1);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

/**
 * Starts two actions in group 'reports' and one in 'other', cancels
 * 'reports' after 100 ms: the ms until both of its actions rejected with an
 * AbortError, while 'other' still runs; then cancelAllJobs stops that one,
 * and later actions (in 'reports' too) run as usual.
 */
async function cancelGroup(t: ExecutionContext, sc: Context): Promise<number> {
  sc.setJobGroup('reports', 'nightly reports');
  t.is(sc.getJobGroup(), 'reports');
  const a = endless(sc).count();
  const b = endless(sc).sum();
  sc.setJobGroup('other', '');
  const c = endless(sc).count();
  let other = false;
  void c
    .catch(() => {})
    .finally(() => {
      other = true;
    });
  try {
    let clock: ReturnType<typeof loopClock> | undefined;
    setTimeout(() => {
      clock = loopClock();
      sc.cancelJobGroup('reports');
    }, 100);
    const [ea, eb] = await Promise.all([rejection(a), rejection(b)]);
    // Time this process could not run (a loaded machine) is not counted.
    const latency = clock?.ms() ?? Number.NaN;
    clock?.stop();
    t.is(ea.name, 'AbortError');
    t.is(eb.name, 'AbortError');
    t.regex(ea.message, /reports/);
    t.false(other, "the other group's action was cancelled too");
    sc.cancelAllJobs();
    t.is((await rejection(c)).name, 'AbortError');
    sc.setJobGroup('reports', 'again');
    t.is(await sc.range(0, 100, 1, 4).count(), 100);
    t.is(await sc.parallelize([1, 2, 3]).sum(), 6);
    return latency;
  } finally {
    sc.cancelAllJobs();
    await c.catch(() => {});
  }
}

test.serial(
  'cancelJobGroup rejects the group’s running actions within 1 s with an AbortError; others and later ones run',
  async (t) => {
    const latency = await cancelGroup(t, new Context({ defaultParallelism: 2, workers: 0 }));
    t.true(latency < 1000, `${latency} ms`);
  },
);

test.serial('cancelJobGroup with worker threads: the same, within 1 s too', async (t) => {
  const sc = new Context({ defaultParallelism: 2, workers: 2 });
  try {
    const latency = await cancelGroup(t, sc);
    // The actions reject at once; workers still stopping their tasks are left to finish (or terminated).
    t.true(latency < 1000, `${latency} ms`);
  } finally {
    sc.stop();
  }
});

test('cancelling a group that runs nothing, or an unknown one, changes nothing', async (t) => {
  const sc = context();
  sc.cancelJobGroup('nobody');
  sc.cancelAllJobs();
  sc.setJobGroup('g', 'd');
  sc.cancelJobGroup('g');
  t.is(await sc.range(0, 10).count(), 10);
  t.throws(() => sc.setJobGroup(3 as unknown as string, ''), { instanceOf: ArgumentError });
});

test('sumApprox and countApprox: a partial estimate when the timeout comes first', async (t) => {
  const sc = new Context({ defaultParallelism: 2, workers: 0, concurrency: 1 });
  // Partition 0 finishes at once; the others wait far longer than the timeout (and than a loaded
  // machine's scheduling delays: the bound below is about the timeout, not about speed).
  const slow = sc.range(0, 400, 1, 4).mapPartitionsWithIndex(async function* (i, it) {
    if (i > 0) await new Promise((r) => setTimeout(r, 60_000).unref());
    yield* it;
  });
  // Time this process could not run (a loaded machine, the file's other tests) is not counted.
  const clock = loopClock();
  const s = await slow.sumApprox(300, 0.9);
  const ms = clock.ms();
  clock.stop();
  t.true(ms < 3000, `${ms} ms`);
  t.true(s instanceof BoundedFloat);
  t.is(s.confidence, 0.9);
  t.true(s.low < +s && +s < s.high, `${s.low} ${+s} ${s.high}`);
  const n = await slow.countApprox(300);
  t.true(Number.isInteger(n) && n >= 100, String(n));
  const exact = await sc.range(0, 400, 1, 4).sumApprox(60000);
  t.deepEqual([+exact, exact.confidence, exact.low, exact.high], [79800, 1, 79800, 79800]);
  await t.throwsAsync(sc.range(0, 4).countApprox(-1), { instanceOf: ArgumentError });
  await t.throwsAsync(sc.range(0, 4).meanApprox(10, 1.5), { instanceOf: ArgumentError, message: /\[0,1\]/ });
});

test('sampleByKey keeps about each key’s fraction, the same for the same seed', async (t) => {
  const sc = context();
  const data = range(20000).map((i): [string, number] => [i % 2 === 0 ? 'even' : 'odd', i]);
  const r = sc.parallelize(data, 4);
  const fractions = new Map([
    ['even', 0.1],
    ['odd', 0.5],
  ]);
  const sample = await r.sampleByKey(false, fractions, 11).countByKey();
  t.true(Math.abs((sample.get('even') ?? 0) - 1000) < 150, String(sample.get('even')));
  t.true(Math.abs((sample.get('odd') ?? 0) - 5000) < 300, String(sample.get('odd')));
  t.deepEqual(
    await r.sampleByKey(false, fractions, 11).collect(),
    await r.sampleByKey(false, fractions, 11).collect(),
  );
  const twice = await r.sampleByKey(true, { even: 2, odd: 0 }, 5).countByKey();
  t.true(Math.abs((twice.get('even') ?? 0) - 20000) < 800, String(twice.get('even')));
  t.false(twice.has('odd'));
  const e = await t.throwsAsync(r.sampleByKey(false, { even: 1 }).count(), { instanceOf: TaskError });
  t.regex(e?.message ?? '', /sampleByKey.*KeyError: no fraction for key "odd"/);
  t.throws(() => r.sampleByKey(false, [] as unknown as Record<string, number>), {
    instanceOf: ArgumentError,
  });
});

test('countApproxDistinct: within 3 relativeSD; values equal by value count once', async (t) => {
  const sc = context();
  for (const [n, sd] of [
    [1000, 0.05],
    [50000, 0.05],
    [50000, 0.02],
    [5000, 0.2],
  ] as const) {
    const est = await sc.range(0, n, 1, 3).countApproxDistinct(sd);
    t.true(Math.abs(est - n) <= 3 * sd * n, `${est} for ${n} at ${sd}`);
  }
  const values = await sc
    .parallelize(
      range(3000).map((i) => [i % 100, { k: String(i % 100) }]),
      4,
    )
    .countApproxDistinct();
  t.true(Math.abs(values - 100) <= 15, String(values));
  t.is(
    await sc
      .parallelize([0, -0, Number.NaN, Number.NaN, 'a', 'a', [1], [1], true, 1], 2)
      .countApproxDistinct(),
    6,
  );
  await t.throwsAsync(sc.range(0, 3).countApproxDistinct(0.5), { instanceOf: ArgumentError });
});

test('binaryRecords: bad arguments are ArgumentErrors; a partial record names the file', async (t) => {
  const sc = context();
  t.throws(() => sc.binaryRecords('x', 0), { instanceOf: ArgumentError });
  t.throws(() => sc.binaryRecords('', 4), { instanceOf: ArgumentError });
  const e = await t.throwsAsync(
    sc.binaryRecords(new URL('../package.json', import.meta.url).pathname, 1e6).count(),
  );
  t.regex(e?.message ?? '', /package\.json.*not a multiple of recordLength 1000000/);
});

test('runJob: partitions checked, results in the order asked', async (t) => {
  const sc = context();
  const r = sc.parallelize([1, 2, 3, 4], 2);
  t.deepEqual(await sc.runJob(r, (it) => it, [1, 0]), [3, 4, 1, 2]);
  await t.throwsAsync(
    sc.runJob(r, (it) => it, [-1]),
    { instanceOf: ArgumentError },
  );
  await t.throwsAsync(
    sc.runJob(context().range(0, 2), (it) => it),
    { instanceOf: ArgumentError },
  );
});

test('sc.version is the package version; defaultMinPartitions is min(defaultParallelism, 2)', (t) => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  t.is(context().version, pkg.version);
  t.is(new Context({ defaultParallelism: 1 }).defaultMinPartitions, 1);
  t.is(new Context({ defaultParallelism: 5 }).defaultMinPartitions, 2);
});
