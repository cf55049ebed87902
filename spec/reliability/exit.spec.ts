/** Early stop leaves no work running: the process exits on its own once the actions are done. */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';

test('take(1) on range(0, 1e12) and on a big .gz, then a cancelled job: the process exits by itself', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-exit-'));
  const gz = join(dir, 'big.txt.gz');
  const text = Array.from({ length: 300_000 }, (_, i) => `line ${i} ${'z'.repeat(60)}`).join('\n');
  writeFileSync(gz, gzipSync(text));
  const script = join(import.meta.dirname, '..', 'fixtures', 'reliability', 'early-stop.ts');
  const started = Date.now();
  const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) => {
    // No process.exit in the script: if anything were left running, the timeout would kill it.
    execFile(process.execPath, ['--import=tsx', script, gz], { timeout: 60_000 }, (error, out) =>
      error ? reject(error) : resolve({ stdout: out }),
    );
  });
  const lines = stdout.trim().split('\n');
  t.is(lines[0], '[0]');
  t.is(lines[1], JSON.stringify([`line 0 ${'z'.repeat(60)}`]));
  t.is(lines[2], String(`line 0 ${'z'.repeat(60)}`.length));
  t.is(lines[3], 'TimeoutError');
  // The process ends soon after its last action: nothing (a stall timer, a running task) kept it alive.
  const ran = Number(lines[4]?.replace('elapsed ', ''));
  const total = Date.now() - started;
  t.true(total - ran < 15_000, `ran ${ran} ms, exited after ${total} ms`);
  t.log(`actions took ${ran} ms; the process exited after ${total} ms (start-up included)`);
});
