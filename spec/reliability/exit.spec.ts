/** Early stop leaves no work running: the process exits on its own once the actions are done. */
import { spawn } from 'node:child_process';
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
  // When the script printed its last line (its actions done), and when it exited: the process must end soon
  // after its last action, whatever its start-up took on a busy machine.
  let lastLine = 0;
  const { stdout, exited } = await new Promise<{ stdout: string; exited: number }>((resolve, reject) => {
    // No process.exit in the script: if anything were left running, the timeout would kill it.
    const child = spawn(process.execPath, ['--import=tsx', script, gz], { timeout: 120_000 });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('elapsed ')) lastLine ||= Date.now();
    });
    child.on('error', reject);
    child.on('close', (code, signal) =>
      code === 0 ? resolve({ stdout: out, exited: Date.now() }) : reject(new Error(`exit ${code} ${signal}`)),
    );
  });
  const lines = stdout.trim().split('\n');
  t.is(lines[0], '[0]');
  t.is(lines[1], JSON.stringify([`line 0 ${'z'.repeat(60)}`]));
  t.is(lines[2], String(`line 0 ${'z'.repeat(60)}`.length));
  t.is(lines[3], 'TimeoutError');
  // The process ends soon after its last action: nothing (a stall timer, a running task) kept it alive.
  const ran = Number(lines[4]?.replace('elapsed ', ''));
  const lingered = exited - lastLine;
  t.true(lingered < 10_000, `ran ${ran} ms, then exited ${lingered} ms after its last action`);
  t.log(`actions took ${ran} ms; the process exited ${lingered} ms after its last action`);
});
