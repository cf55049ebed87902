/** Task retries: a failed partition is run again from its source; results are as if it had succeeded at once. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { Context, IOError, TaskError } from '../../lib/index.js';
import { range } from '../helpers.js';

/** A map function that throws the first `failures` times it sees `bad`. */
function flaky(bad: number, failures: number): { f: (x: number) => number; calls: () => number } {
  let seen = 0;
  return {
    f: (x) => {
      if (x === bad && seen++ < failures) throw new Error(`flaky on ${x}`);
      return x;
    },
    calls: () => seen,
  };
}

test('retries: a flaky partition is re-run and the result is exact', async (t) => {
  const sc = new Context({ defaultParallelism: 2, maxRetries: 2 });
  const { f } = flaky(42, 2);
  t.deepEqual(await sc.parallelize(range(100), 7).map(f).collect(), range(100));
  const g = flaky(42, 1);
  t.is(await sc.parallelize(range(100), 7).map(g.f).count(), 100);
  const h = flaky(42, 1);
  t.is(await sc.parallelize(range(100), 7).map(h.f).sum(), 4950);
});

test('retries: a deterministic failure ends after the last attempt, with the attempt count', async (t) => {
  const sc = new Context({ defaultParallelism: 2, maxRetries: 3 });
  let calls = 0;
  const rdd = sc.parallelize(range(10), 2).map((x) => {
    if (x === 7) {
      calls++;
      throw new Error('always');
    }
    return x;
  });
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: TaskError });
  t.is(e?.attempts, 4);
  t.is(calls, 4);
  t.regex(e?.message ?? '', /failed in partition 1 after 4 attempts: Error: always/);
  t.is((e?.cause as Error).message, 'always');
});

test('retries: none by default for user code', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const { f, calls } = flaky(3, 1);
  const e = await t.throwsAsync(() => sc.parallelize(range(10), 2).map(f).collect(), {
    instanceOf: TaskError,
  });
  t.is(e?.attempts, 1);
  t.is(calls(), 1);
});

test('retries: take() and first() never repeat what an earlier attempt delivered', async (t) => {
  const sc = new Context({ defaultParallelism: 2, maxRetries: 1 });
  let attempts = 0;
  const rdd = sc.parallelize([0], 1).mapPartitions(async function* () {
    attempts++;
    for (let i = 0; i < 10_000; i++) {
      if (attempts === 1 && i === 5000) throw new Error('mid-partition');
      yield i;
    }
  });
  t.deepEqual(await rdd.take(6000), range(6000));
  t.is(attempts, 2);
  attempts = 0;
  const fromIterator: number[] = [];
  for await (const x of rdd.toLocalIterator()) fromIterator.push(x);
  t.deepEqual(fromIterator, range(10_000));
});

test('retries: retryWaitMs pauses before each new attempt', async (t) => {
  const sc = new Context({ defaultParallelism: 2, maxRetries: 2, retryWaitMs: 50 });
  const { f } = flaky(1, 2);
  const start = Date.now();
  t.deepEqual(await sc.parallelize([1], 1).map(f).collect(), [1]);
  t.true(Date.now() - start >= 95, `took ${Date.now() - start} ms`);
});

test('retries: transient I/O failures (an HTTP 500) are retried by default, then reported', async (t) => {
  let failFirst = 2;
  const server = createServer((req, res) => {
    if (req.method === 'GET' && failFirst-- > 0) {
      res.writeHead(500).end();
      return;
    }
    res
      .writeHead(200, { 'content-type': 'text/plain', 'content-length': '4' })
      .end(req.method === 'HEAD' ? undefined : 'a\nb\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/f.txt`;
  try {
    const sc = new Context({ defaultParallelism: 2 });
    t.deepEqual(await sc.textFile(url).collect(), ['a', 'b']);
    failFirst = 100;
    const e = await t.throwsAsync(() => sc.textFile(url).collect(), { instanceOf: IOError });
    t.true(e?.transient);
    t.regex(e?.message ?? '', /HTTP 500/);
    t.true(e?.message.includes(url));
    const none = new Context({ defaultParallelism: 2, ioRetries: 0 });
    failFirst = 1;
    await t.throwsAsync(() => none.textFile(url).collect(), { instanceOf: IOError });
  } finally {
    server.close();
  }
});
