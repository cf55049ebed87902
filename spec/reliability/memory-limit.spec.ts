/**
 * Memory (issue 13, point 4): a job that outgrows the heap rejects with a
 * MemoryError instead of V8's fatal abort, releases its buffers and leaves
 * the Context and the process working; a shuffle's memory grows with its
 * records, not with map × reduce partitions; `cartesian` streams its right
 * side. Each case runs spec/fixtures/reliability/memory-limit.ts in a child
 * process under a small `--max-old-space-size` (with SPARKLING_WORKERS
 * passed on, so the second pass runs them on worker threads too).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const script = fileURLToPath(new URL('../fixtures/reliability/memory-limit.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparkling-memory-limit-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a scenario under `--max-old-space-size=heapMb`; its JSON lines (a V8 abort fails the run). */
async function child(heapMb: number, ...args: string[]): Promise<Record<string, unknown>[]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-old-space-size=${heapMb}`, '--expose-gc', '--import=tsx', script, ...args],
    { timeout: 280_000, maxBuffer: 16 << 20 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test('shuffles, sorts, joins, collect, take, caches and countByValue past the heap: a MemoryError, buffers released, the Context goes on', async (t) => {
  t.timeout(300_000);
  const lines = await child(100, 'too-big', '3000000');
  const done = lines.pop() as { done: boolean; liveBeforeMiB: number; liveAfterMiB: number };
  const operators: Record<string, string> = {
    groupByKey: 'groupByKey',
    reduceByKey: 'reduceByKey',
    sortBy: 'sortBy',
    join: 'join',
    collect: 'collect',
    take: 'take',
    cache: 'map',
    countByValue: 'countByValue',
  };
  t.deepEqual(
    lines.map((l) => l.name),
    Object.keys(operators),
  );
  for (const l of lines) {
    const name = l.name as string;
    t.log(`${name}: ${l.wallMs} ms, live heap after ${l.liveMiB} MiB`);
    t.true(l.memoryError && l.sparklingError, `${name}: ${l.error}`);
    t.is(l.operator, operators[name], name);
    t.true(Number.isInteger(l.rddId) && Number.isInteger(l.partition) && (l.partition as number) >= 0, name);
    // The default budget: 75% of the old generation's limit (of a worker thread's, on workers).
    t.true((l.limitMb as number) >= 30 && (l.limitMb as number) <= 80, `${name}: budget ${l.limitMb} MiB`);
    t.regex(
      l.error as string,
      /in partition \d+ .*memory budget of \d+ MiB.*more partitions.*--max-old-space-size/,
    );
    t.true(l.smallJobAfter, `${name}: the next job`);
    // What the failed job buffered is garbage once it has rejected.
    t.true((l.liveMiB as number) < 30, `${name}: ${l.liveMiB} MiB live after it`);
  }
  t.true(done.done);
  t.true(
    done.liveAfterMiB <= done.liveBeforeMiB + 10,
    `live heap ${done.liveBeforeMiB} → ${done.liveAfterMiB} MiB`,
  );
});

test('memoryLimitMb sets the budget; one above V8 heap limit is an ArgumentError', async (t) => {
  t.timeout(120_000);
  const [r] = (await child(256, 'limit')) as [
    { roomy: number; tightLimitMb: number; tight: string; refused: string },
  ];
  t.is(r.roomy, 500_000);
  t.is(r.tightLimitMb, 16, r.tight);
  t.regex(
    r.refused,
    /^ArgumentError: memoryLimitMb \(100000\) is above V8's heap limit .*--max-old-space-size/,
  );
});

test('reduceByKey over 4,000 partitions of 2 keys each runs under --max-old-space-size=100 in under a second', async (t) => {
  t.timeout(120_000);
  const [r] = (await child(100, 'many-partitions', '4000')) as [
    { count: number; cpuMs: number; wallMs: number },
  ];
  t.log(`${r.cpuMs} ms of CPU, ${r.wallMs} ms of wall time`);
  t.is(r.count, 8000);
  // CPU time: the machine's load does not count (the issue's second, on an idle machine).
  t.true(r.cpuMs < 1000, `${r.cpuMs} ms of CPU`);
});

test('20,000 small files through reduceByKey run under --max-old-space-size=256', async (t) => {
  t.timeout(300_000);
  const [r] = (await child(256, 'many-files', '20000', join(dir, 'files'))) as [
    { counts: Record<string, number>; wallMs: number },
  ];
  t.log(`${r.wallMs} ms`);
  const expected: Record<string, number> = { all: 20_000 };
  for (let i = 0; i < 20_000; i++) expected[`w${i % 7}`] = (expected[`w${i % 7}`] ?? 0) + 1;
  t.deepEqual(r.counts, expected);
});

test('cartesian streams its right side: first() of 10 × 3e7 elements in under a second, peak RSS under 150 MB', async (t) => {
  t.timeout(120_000);
  const [r] = (await child(100, 'cartesian')) as [
    { first: unknown; cpuMs: number; wallMs: number; maxRSSMiB: number },
  ];
  t.log(`${r.cpuMs} ms of CPU, ${r.wallMs} ms of wall time, peak RSS ${r.maxRSSMiB} MiB`);
  t.deepEqual(r.first, [0, 0]);
  t.true(r.cpuMs < 1000, `${r.cpuMs} ms of CPU`);
  t.true(r.maxRSSMiB < 150, `peak RSS ${r.maxRSSMiB} MiB`);
});
