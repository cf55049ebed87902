/**
 * Concurrency (issue 5, item 8): many actions at once on one Context over a
 * shared cached RDD give exact results and compute each cached partition
 * once; a job that fails or is cancelled does not make the other jobs reading
 * the same cached partition fail; actions on two Contexts at once do not
 * interfere; concurrent saveAsTextFile calls to different paths each write a
 * complete output.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Context, PathExistsError, type TaskError } from '../../lib/index.js';
import { ioCounters } from '../../lib/io/util.js';
import { range } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sparkling-concurrency-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const FILES = 6;
const PER_FILE = 1500;
/** The numbers 0 .. FILES·PER_FILE - 1, one per line, PER_FILE per file. */
const numbers = range(FILES * PER_FILE);
for (let f = 0; f < FILES; f++)
  writeFileSync(join(dir, `in-${f}.txt`), `${numbers.slice(f * PER_FILE, (f + 1) * PER_FILE).join('\n')}\n`);

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

test.serial(
  '50 concurrent actions over a shared cached RDD: exact results, each cached partition computed once',
  async (t) => {
    const sc = new Context({ defaultParallelism: 2 });
    let calls = 0;
    const perPartition = new Map<number, number>();
    const opened = ioCounters.opened;
    const cached = sc
      .textFile(join(dir, 'in-*.txt'))
      .mapPartitionsWithIndex((i, it) => {
        perPartition.set(i, (perPartition.get(i) ?? 0) + 1);
        return it;
      })
      .map((l) => {
        calls++;
        return Number(l);
      })
      .cache();
    const squares = numbers.map((x) => x * x);
    const byMod = range(7).map((k) => [k, numbers.filter((x) => x % 7 === k).length]);
    const actions: [string, () => Promise<unknown>, unknown][] = [
      ['count', () => cached.count(), numbers.length],
      ['sum', () => cached.sum(), sum(numbers)],
      ['collect', () => cached.collect(), numbers],
      ['take', () => cached.take(10), numbers.slice(0, 10)],
      ['first', () => cached.first(), 0],
      ['top', () => cached.top(3), numbers.slice(-3).reverse()],
      ['max', () => cached.max(), numbers.length - 1],
      ['reduce', () => cached.reduce((a, b) => a + b), sum(numbers)],
      ['map+sum', () => cached.map((x) => x * x).sum(), sum(squares)],
      ['filter+count', () => cached.filter((x) => x % 3 === 0).count(), Math.ceil(numbers.length / 3)],
      [
        'reduceByKey',
        () =>
          cached
            .map((x): [number, number] => [x % 7, 1])
            .reduceByKey((a, b) => a + b, 3)
            .sortByKey()
            .collect(),
        byMod,
      ],
      ['sortBy', () => cached.sortBy((x) => -x, true, 4).take(5), numbers.slice(-5).reverse()],
      [
        'distinct',
        () =>
          cached
            .map((x) => x % 100)
            .distinct()
            .count(),
        100,
      ],
      [
        'zipWithIndex',
        () =>
          cached
            .zipWithIndex()
            .filter(([x, i]) => x !== i)
            .count(),
        0,
      ],
      [
        'self-join',
        () =>
          cached
            .map((x): [number, number] => [x, x])
            .join(cached.map((x): [number, number] => [x, -x]))
            .count(),
        numbers.length,
      ],
    ];
    const runs = range(50).map((i) => actions[i % actions.length] as (typeof actions)[number]);
    const results = await Promise.all(runs.map(([, run]) => run()));
    runs.forEach(([name, , expected], i) => {
      t.deepEqual(results[i], expected, `${name} (#${i})`);
    });
    t.is(calls, numbers.length, 'each element of the cached RDD was computed once');
    t.deepEqual(
      [...perPartition.entries()].sort((a, b) => a[0] - b[0]),
      range(FILES).map((i) => [i, 1]),
      'each cached partition was computed once',
    );
    t.is(ioCounters.opened - opened, FILES, 'each file was read once');
    t.is(ioCounters.opened, ioCounters.closed);
  },
);

test('a job that fails or is cancelled while computing a shared cached partition does not fail the others', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const expected = 2000 * ((999 * 1000) / 2);
  // A cancelled job: it started first, so it computes partitions 0 and 1 while the others wait for
  // them; it is cancelled in the middle of partition 0, and the others compute them themselves.
  const controller = new AbortController();
  const reason = new Error('cancelled by the caller');
  const cached = sc
    .range(0, 2_000_000, 1, 4)
    .map((x) => {
      if (x === 300_000 && !controller.signal.aborted) controller.abort(reason);
      return x % 1000;
    })
    .cache();
  const cancelled = cached.sum({ signal: controller.signal });
  const others = [cached.sum(), cached.map((x) => x).sum(), cached.count()];
  const [c, ...rest] = await Promise.allSettled([cancelled, ...others]);
  t.is(c?.status, 'rejected');
  t.is((c as PromiseRejectedResult).reason, reason);
  t.deepEqual(
    rest.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [expected, expected, 2_000_000],
  );
  // A job that fails in partition 1 (its own function, downstream of the cache) while it computes
  // cached partition 0, which the other jobs wait for: they compute partition 0 themselves.
  const boom = new Error('boom');
  const gate = (): [Promise<void>, () => void] => {
    let open: () => void = () => {};
    const p = new Promise<void>((resolve) => {
      open = resolve;
    });
    return [p, open];
  };
  const [entered, enter] = gate();
  const [partition0, releasePartition0] = gate();
  const [othersWaiting, releaseFailure] = gate();
  const cached2 = sc
    .range(0, 2_000_000, 1, 4)
    .mapPartitionsWithIndex(async function* (i, it) {
      if (i === 0) {
        enter();
        await partition0;
      }
      yield* it;
    })
    .map((x) => x % 1000)
    .cache();
  const failing = cached2
    .mapPartitionsWithIndex(async function* (i, it) {
      if (i === 1) {
        await othersWaiting;
        throw boom;
      }
      yield* it;
    })
    .count();
  await entered; // the failing job computes cached partition 0
  const fine = [cached2.sum(), cached2.count()];
  await new Promise((resolve) => setImmediate(resolve)); // ... and the others wait for it
  releaseFailure();
  await new Promise((resolve) => setImmediate(resolve));
  releasePartition0();
  const [f, ...ok] = await Promise.allSettled([failing, ...fine]);
  t.is(((f as PromiseRejectedResult).reason as TaskError).cause, boom);
  t.deepEqual(
    ok.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
    [expected, 2_000_000],
  );
});

test('actions on two Contexts at once do not interfere (same RDD ids, caches, retry policies)', async (t) => {
  const a = new Context({ defaultParallelism: 3, maxRetries: 2 });
  const b = new Context({ defaultParallelism: 2 });
  // Both first RDDs have id 0, both cached: each Context keeps its own.
  const ca = a.parallelize(range(1000), 3).cache();
  const cb = b
    .parallelize(
      range(500).map((x) => -x),
      2,
    )
    .cache();
  t.is(ca.id(), cb.id());
  let flakyCalls = 0;
  const flaky = (x: number): number => {
    if (x === 500 && flakyCalls++ === 0) throw new Error('flaky once');
    return x;
  };
  const failB = new Error('b fails');
  const jobs = await Promise.allSettled([
    ca.map(flaky).sum(), // a retries its failed task
    cb.sum(),
    cb
      .map((x) => {
        if (x === -250) throw failB; // b has no retries
        return x;
      })
      .count(),
    ca.count(),
    cb.collect(),
    a
      .parallelize(range(100), 4)
      .map((x): [number, number] => [x % 5, x])
      .reduceByKey((p, q) => p + q)
      .count(),
  ]);
  t.deepEqual(jobs[0], { status: 'fulfilled', value: sum(range(1000)) });
  t.deepEqual(jobs[1], { status: 'fulfilled', value: -sum(range(500)) });
  t.is(jobs[2]?.status, 'rejected');
  t.is(((jobs[2] as PromiseRejectedResult).reason as TaskError).cause, failB);
  t.is(((jobs[2] as PromiseRejectedResult).reason as TaskError).attempts, 1);
  t.deepEqual(jobs[3], { status: 'fulfilled', value: 1000 });
  t.deepEqual(jobs[4], { status: 'fulfilled', value: range(500).map((x) => -x) });
  t.deepEqual(jobs[5], { status: 'fulfilled', value: 5 });
  t.is(flakyCalls, 2);
  // Stopping one Context leaves the other's cache and jobs alone.
  const running = cb.map((x) => x * 2).sum();
  a.stop();
  t.is(await running, -2 * sum(range(500)));
  t.is(await cb.count(), 500);
  t.throws(() => a.parallelize([1]), { message: 'this Context was stopped' });
});

test('concurrent saveAsTextFile calls to different paths each write a complete output', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const out = mkdtempSync(join(dir, 'out-'));
  const codecs = [undefined, 'gzip', undefined, 'gzip', undefined, 'gzip', undefined, 'gzip'] as const;
  const data = (i: number): string[] => range(3000).map((x) => `${i}:${x}`);
  await Promise.all(
    codecs.map((codec, i) => sc.parallelize(data(i), 3 + (i % 3)).saveAsTextFile(join(out, `o${i}`), codec)),
  );
  t.deepEqual(readdirSync(out).sort(), codecs.map((_, i) => `o${i}`).sort(), 'no temporary directory left');
  for (const [i, codec] of codecs.entries()) {
    const suffix = codec === 'gzip' ? '.gz' : '';
    t.deepEqual(readdirSync(join(out, `o${i}`)).sort(), [
      '_SUCCESS',
      ...range(3 + (i % 3)).map((p) => `part-0000${p}${suffix}`),
    ]);
    t.deepEqual(await sc.textFile(join(out, `o${i}`)).collect(), data(i));
  }
  // Two writers racing for one path: exactly one wins, whole; the other gets PathExistsError.
  const target = join(out, 'contested');
  const racers = await Promise.allSettled([
    sc.parallelize(data(100), 4).saveAsTextFile(target),
    sc.parallelize(data(200), 4).saveAsTextFile(target),
  ]);
  const won = racers.findIndex((r) => r.status === 'fulfilled');
  t.not(won, -1);
  const lost = racers[1 - won] as PromiseRejectedResult;
  t.true(lost.reason instanceof PathExistsError, String(lost.reason));
  t.deepEqual(await sc.textFile(target).collect(), data(won === 0 ? 100 : 200));
  t.deepEqual(
    readdirSync(out).filter((n) => n.startsWith('.')),
    [],
  );
});
