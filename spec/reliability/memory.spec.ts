/**
 * Bounded memory (issue 5, item 10): the narrow pipeline
 * textFile(big).map().filter().saveAsTextFile() streams, so it completes in a
 * child process started with `--max-old-space-size=128`, whose peak RSS stays
 * under 200 MiB. The input is generated in a temporary directory: ~300 MiB by
 * default, so CI stays fast; `SPARKLING_BIG_MB=1024 npx ava
 * spec/reliability/memory.spec.ts` runs it on 1 GiB.
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';

const MB = Number(process.env.SPARKLING_BIG_MB ?? 300);
const HEAP_MB = 128;
/** Each worker thread (SPARKLING_WORKERS) is a V8 isolate of its own: about 45 MiB more, measured. */
const WORKERS = Number(process.env.SPARKLING_WORKERS ?? 0);
const RSS_LIMIT_MIB = 200 + 50 * WORKERS;
const script = fileURLToPath(new URL('../fixtures/reliability/narrow-pipeline.ts', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'sparkling-memory-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Writes about `mb` MiB of numbered lines; returns how many lines the
 * child's filter keeps (even numbers) and the bytes they take in the output.
 */
function generate(path: string, mb: number): { lines: number; kept: number; keptBytes: number } {
  const fd = openSync(path, 'w');
  let written = 0;
  let i = 0;
  let kept = 0;
  let keptBytes = 0;
  try {
    while (written < mb * 2 ** 20) {
      const chunk: string[] = [];
      for (let k = 0; k < 10_000; k++, i++) {
        const line = `${i} lorem ipsum dolor sit amet ${(i * 7919) % 1_000_003} consectetur adipiscing elit`;
        chunk.push(line);
        if (i % 2 === 0) {
          kept++;
          keptBytes += line.length + 1;
        }
      }
      chunk.push('');
      written += writeSync(fd, chunk.join('\n'));
    }
  } finally {
    closeSync(fd);
  }
  return { lines: i, kept, keptBytes };
}

test(`textFile(${MB} MiB).map().filter().saveAsTextFile() completes under --max-old-space-size=${HEAP_MB}`, async (t) => {
  const input = join(dir, 'big.txt');
  const output = join(dir, 'out');
  const expected = generate(input, MB);
  t.true(statSync(input).size >= MB * 2 ** 20);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [`--max-old-space-size=${HEAP_MB}`, '--import=tsx', script, input, output],
    { timeout: 240_000, maxBuffer: 1 << 20 },
  );
  const report = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    kept: number;
    ms: number;
    maxRSSKiB: number;
    heapLimitMiB: number;
  };
  const rssMiB = Math.round(report.maxRSSKiB / 1024);
  t.log(
    `${MB} MiB, ${expected.lines} lines: ${report.ms} ms, peak RSS ${rssMiB} MiB, heap limit ${report.heapLimitMiB} MiB`,
  );
  t.true(report.heapLimitMiB <= HEAP_MB + 64, `the child ran with a small heap (${report.heapLimitMiB} MiB)`);
  t.is(report.kept, expected.kept);
  t.true(rssMiB < RSS_LIMIT_MIB, `peak RSS ${rssMiB} MiB`);
  // The output is complete: every kept line, byte for byte in total, and the _SUCCESS marker.
  const names = readdirSync(output);
  t.true(names.includes('_SUCCESS'));
  const parts = names.filter((n) => n.startsWith('part-'));
  t.true(parts.length > 1, `${parts.length} parts`);
  t.is(
    parts.reduce((n, p) => n + statSync(join(output, p)).size, 0),
    expected.keptBytes,
  );
});
