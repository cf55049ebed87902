/** After stop(), nothing a StreamingContext opened keeps the process alive. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

const run = promisify(execFile);
const script = join(import.meta.dirname, 'fixtures', 'stops.ts');

for (const mode of ['now', 'graceful']) {
  test(`a process whose StreamingContext stopped (${mode}) exits by itself`, async (t) => {
    const began = Date.now();
    const { stdout } = await run(process.execPath, ['--import=tsx', script, mode], { timeout: 60_000 });
    t.regex(stdout, /stopped after \d+ batches/);
    t.log(`ran and exited in ${Date.now() - began} ms`);
  });
}
