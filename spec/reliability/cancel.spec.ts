/** Cancellation and early stop: jobs end promptly, close their sources, and leave nothing running. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { Context } from '../../lib/index.js';
import { ioCounters } from '../../lib/io/util.js';

const sc = new Context({ defaultParallelism: 2 });

test.serial('take(3) on range(0, 1e12) returns at once', async (t) => {
  const start = Date.now();
  t.deepEqual(
    await sc
      .range(0, 1e12)
      .map((x) => x * 2)
      .take(3),
    [0, 2, 4],
  );
  t.true(Date.now() - start < 1000);
});

test('an AbortSignal cancels a CPU-bound job over range(0, 1e12) promptly', async (t) => {
  for (const action of [
    (signal: AbortSignal) => sc.range(0, 1e12).count({ signal }),
    (signal: AbortSignal) =>
      sc
        .range(0, 1e12)
        .map((x) => x + 1)
        .sum({ signal }),
    (signal: AbortSignal) => sc.range(0, 1e12).glom().count({ signal }),
    (signal: AbortSignal) => sc.range(0, 1e12).reduce((a, b) => a + b, { signal }),
  ]) {
    const start = Date.now();
    const error = await action(AbortSignal.timeout(100)).then(
      () => undefined,
      (e: unknown) => e,
    );
    t.is((error as { name?: string } | undefined)?.name, 'TimeoutError');
    t.true(Date.now() - start < 2000, `took ${Date.now() - start} ms`);
  }
});

test('cancelling closes the sources of running tasks (their finally runs)', async (t) => {
  let open = 0;
  const rdd = sc.parallelize([0, 1, 2, 3], 4).mapPartitions(async function* () {
    open++;
    try {
      for (let i = 0; ; i++) {
        yield i;
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      open--;
    }
  });
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error('stop')), 50);
  await t.throwsAsync(() => rdd.collect({ signal: controller.signal }), { message: 'stop' });
  t.is(open, 0);
});

test('a signal aborted before the action starts rejects without computing', async (t) => {
  let calls = 0;
  const rdd = sc.parallelize([1, 2, 3]).map((x) => {
    calls++;
    return x;
  });
  await t.throwsAsync(() => rdd.collect({ signal: AbortSignal.abort(new Error('early')) }), {
    message: 'early',
  });
  t.is(calls, 0);
});

test('first() on a big .gz reads one chunk and closes the file; cancelling a read closes it too', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-cancel-'));
  const big = join(dir, 'big.txt.gz');
  const text = Array.from({ length: 400_000 }, (_, i) => `line ${i} ${'y'.repeat(40)}`).join('\n');
  writeFileSync(big, gzipSync(text));
  const before = { ...ioCounters };
  t.is(await sc.textFile(big).first(), `line 0 ${'y'.repeat(40)}`);
  t.is(ioCounters.opened - before.opened, ioCounters.closed - before.closed);
  t.true(
    ioCounters.bytesRead - before.bytesRead < 1_000_000,
    `read ${ioCounters.bytesRead - before.bytesRead} bytes`,
  );
  const cancelled = await sc
    .textFile(big)
    .map((l) => l.length)
    .foreach(() => {}, { signal: AbortSignal.timeout(5) })
    .then(
      () => 'finished',
      (e: { name?: string }) => e.name,
    );
  t.is(cancelled, 'TimeoutError');
  t.is(ioCounters.opened, ioCounters.closed);
});
