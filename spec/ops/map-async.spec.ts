/**
 * rdd.mapAsync: an async function per element, `concurrency` at once per
 * partition, results in input order, failing elements retried on their own.
 * Every function here captures nothing but accumulators, so with
 * SPARKLING_WORKERS set it runs on worker threads; per-element state lives
 * on `globalThis` of the thread that runs the task, keyed by elements made
 * unique per test.
 */
import { randomUUID } from 'node:crypto';
import test from 'ava';
import { ArgumentError, TaskError } from '../../lib/index.js';
import { context, PARTITIONS, range } from '../helpers.js';

const ON_WORKERS = Number(process.env.SPARKLING_WORKERS ?? 0) > 0;

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});
test.after('no rejection went unhandled', (t) => {
  t.deepEqual(unhandled, []);
});

for (const n of PARTITIONS)
  test(`mapAsync equals map over the array, in input order, at ${n} partitions`, async (t) => {
    const sc = context();
    const xs = range(500);
    // Later elements finish first: the order comes from the input, not from completion.
    const rdd = sc.parallelize(xs, n).mapAsync(
      async (x) => {
        await new Promise((resolve) => setTimeout(resolve, (x * 7) % 5));
        return [x, x * x] as [number, number];
      },
      { concurrency: 16 },
    );
    const reference = xs.map((x) => [x, x * x]);
    t.deepEqual(await rdd.collect(), reference);
    t.is(await rdd.count(), 500);
    t.deepEqual(await rdd.take(3), reference.slice(0, 3));
    t.deepEqual(
      await rdd.values().sum(),
      xs.reduce((a, x) => a + x * x, 0),
    );
    t.deepEqual(
      (await rdd.glom().collect()).map((p) => p.length),
      (await sc.parallelize(xs, n).glom().collect()).map((p) => p.length),
    );
    // A synchronous function and a function returning a value or a Promise are fine too.
    t.deepEqual(
      await sc
        .parallelize(xs, n)
        .mapAsync((x) => (x % 2 === 0 ? x : Promise.resolve(-x)))
        .collect(),
      xs.map((x) => (x % 2 === 0 ? x : -x)),
    );
  });

test('mapAsync runs on worker threads when its function can be shipped', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([1, 2, 3, 4], 2).mapAsync(async () => {
    const { isMainThread } = await import('node:worker_threads');
    return !isMainThread;
  });
  t.deepEqual(await rdd.collect(), [ON_WORKERS, ON_WORKERS, ON_WORKERS, ON_WORKERS]);
  t.regex(rdd.explain(), /^\(2\) mapAsync\[\d+\] concurrency=8/);
});

test('mapAsync awaits at most `concurrency` elements of a partition at once', async (t) => {
  const sc = context();
  const tag = randomUUID();
  const elements = range(4).flatMap((p) => range(60).map((i) => `${tag}:${p}:${i}`));
  const peaks = await sc
    .parallelize(elements, 4)
    .mapAsync(
      async (e) => {
        const g = globalThis as unknown as { inFlight?: Map<string, { now: number; peak: number }> };
        g.inFlight ??= new Map();
        const partition = e.slice(0, e.lastIndexOf(':'));
        const c = g.inFlight.get(partition) ?? { now: 0, peak: 0 };
        g.inFlight.set(partition, c);
        c.now++;
        c.peak = Math.max(c.peak, c.now);
        await new Promise((resolve) => setTimeout(resolve, 2));
        c.now--;
        return c.peak;
      },
      { concurrency: 5 },
    )
    .glom()
    .map((p) => Math.max(...p))
    .collect();
  t.deepEqual(peaks, [5, 5, 5, 5]);
});

test('mapAsync retries a failing element on its own: one call per element plus one per failure', async (t) => {
  const sc = context();
  const requests = sc.accumulator(0);
  const failures = sc.accumulator(0);
  const tag = randomUUID();
  const urls = range(200).map((i) => `https://example.invalid/${tag}/${i}`);
  // Element i fails i % 3 times before it succeeds (fewer than `retries`): a flaky fetch.
  const fetched = await sc
    .parallelize(urls, 4)
    .mapAsync(
      async (url) => {
        requests.add(1);
        const g = globalThis as unknown as { tries?: Map<string, number> };
        g.tries ??= new Map();
        const tries = (g.tries.get(url) ?? 0) + 1;
        g.tries.set(url, tries);
        await new Promise((resolve) => setTimeout(resolve, 1));
        if (tries <= Number(url.slice(url.lastIndexOf('/') + 1)) % 3) {
          failures.add(1);
          throw new Error(`503 from ${url}`);
        }
        return url.length;
      },
      { concurrency: 8, retries: 5 },
    )
    .collect();
  t.deepEqual(
    fetched,
    urls.map((u) => u.length),
  );
  const expectedFailures = range(200).reduce((a, i) => a + (i % 3), 0);
  t.is(failures.value, expectedFailures);
  t.is(requests.value, 200 + expectedFailures);
});

test("mapAsync: an element failing past its retries fails the task with f's last error as cause, after retryWaitMs pauses", async (t) => {
  const sc = context();
  const calls = sc.accumulator(0);
  const started = Date.now();
  const rdd = sc.parallelize(range(10), 2).mapAsync(
    async (x) => {
      calls.add(1);
      if (x === 7) throw new RangeError(`attempt at ${Date.now()}`);
      return x;
    },
    { retries: 3, retryWaitMs: 40 },
  );
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: TaskError });
  t.true(Date.now() - started >= 3 * 40);
  t.is(e?.operator, 'mapAsync');
  t.is(e?.rddId, rdd.id());
  t.is(e?.partition, 1);
  t.is(e?.attempts, 4);
  t.true(e?.cause instanceof RangeError);
  t.regex(
    e?.message ?? '',
    /^mapAsync\[\d+\] failed in partition 1 after 4 attempts: RangeError: attempt at \d+$/,
  );
  // Without retries: the first error, one attempt.
  const once = await t.throwsAsync(
    () =>
      sc
        .parallelize([1], 1)
        .mapAsync(() => {
          throw new TypeError('sync throw');
        })
        .collect(),
    { instanceOf: TaskError },
  );
  t.is(once?.attempts, 1);
  t.is((once?.cause as Error).message, 'sync throw');
  t.is(
    await sc
      .parallelize([1, 2], 2)
      .mapAsync(async (x) => x)
      .sum(),
    3,
  );
});

test('mapAsync reads its input lazily: take(3) calls f for a few elements, not the partition', async (t) => {
  const sc = context();
  const calls = sc.accumulator(0);
  const out = await sc
    .parallelize(range(100_000), 1)
    .mapAsync(
      async (x) => {
        calls.add(1);
        return x + 1;
      },
      { concurrency: 4 },
    )
    .take(3);
  t.deepEqual(out, [1, 2, 3]);
  // What was started before take had enough: at most the read-ahead of 4 × concurrency, and a batch at most.
  t.true(calls.value <= 4096, `${calls.value} calls`);
});

/** What a promise rejects with (an AbortError is a DOMException, which ava's throwsAsync does not take). */
const rejection = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

// Serial: the time it takes is measured without the file's other tests keeping the workers busy.
test.serial(
  'mapAsync: cancelling the job rejects at once, whatever f awaits, and f is told through its signal',
  async (t) => {
    const sc = context();
    // Worker threads started first: a cancellation while they start waits for them (not mapAsync's doing).
    t.is(
      await sc
        .parallelize([1, 2], 2)
        .mapAsync(async (x) => x)
        .sum(),
      3,
    );
    const aborted = sc.accumulator(0);
    const controller = new AbortController();
    let abortedAt = 0;
    setTimeout(() => {
      abortedAt = Date.now();
      controller.abort();
    }, 100);
    const reason = await rejection(
      sc
        .parallelize(range(10), 2)
        .mapAsync(
          (_x, { signal }) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                aborted.add(1);
                reject(new Error('told'));
              });
            }),
          { concurrency: 2 },
        )
        .collect({ signal: controller.signal }),
    );
    t.is((reason as Error).name, 'AbortError');
    t.true(Date.now() - abortedAt < 1000, `${Date.now() - abortedAt} ms after the abort`);
    // A promise that never settles is abandoned.
    const again = new AbortController();
    setTimeout(() => again.abort(), 50);
    const never = await rejection(
      sc
        .parallelize([1], 1)
        .mapAsync(() => new Promise(() => {}))
        .collect({ signal: again.signal }),
    );
    t.is((never as Error).name, 'AbortError');
    t.is(
      await sc
        .parallelize([1, 2, 3])
        .mapAsync(async (x) => x)
        .sum(),
      6,
    );
    if (!ON_WORKERS) t.true(aborted.value >= 1);
  },
);

test('mapAsync refuses bad arguments with an ArgumentError naming them', (t) => {
  const sc = context();
  const rdd = sc.parallelize([1]);
  t.throws(() => rdd.mapAsync(3 as unknown as () => number), {
    instanceOf: ArgumentError,
    message: /f must be a function/,
  });
  for (const [options, message] of [
    [{ concurrency: 0 }, /concurrency must be a positive integer, got 0/],
    [{ concurrency: 1.5 }, /concurrency must be a positive integer/],
    [{ retries: -1 }, /retries must be a non-negative integer, got -1/],
    [{ retryWaitMs: -5 }, /retryWaitMs must be a non-negative number, got -5/],
    [{ concurency: 4 }, /unknown mapAsync option concurency \(known: concurrency, retries, retryWaitMs\)/],
    ['fast', /options must be an object/],
  ] as const)
    t.throws(() => rdd.mapAsync(async (x) => x, options as never), { instanceOf: ArgumentError, message });
});
