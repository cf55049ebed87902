/**
 * Temporary output of a writer that was killed mid-saveAsTextFile (`kill -9`,
 * Ctrl-C with no handler) is removed by a later save into the same parent
 * directory, whatever its target; a live writer's is never touched.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';
import { Context } from '../../lib/index.js';

const script = fileURLToPath(new URL('../fixtures/reliability/slow-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'sparkling-stale-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Starts a writer into `output`; resolves once its staging directory exists. */
async function writer(output: string, release?: string): Promise<{ child: ChildProcess; lines: string[] }> {
  const child = spawn(process.execPath, ['--import=tsx', script, output, ...(release ? [release] : [])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (d: string) => lines.push(...d.trim().split('\n')));
  while (!lines.includes('staged')) {
    if (child.exitCode !== null) throw new Error(`the writer exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return { child, lines };
}

const staging = (parent: string, name: string): string[] =>
  readdirSync(parent).filter((n) => n.startsWith(`.${name}.sparkling-tmp-`));

for (const signal of ['SIGKILL', 'SIGINT'] as const) {
  test(`a writer killed by ${signal}: the next save into the same parent removes its temporary output`, async (t) => {
    t.timeout(120_000);
    const parent = mkdtempSync(join(dir, 'parent-'));
    const { child } = await writer(join(parent, 'killed'));
    t.is(staging(parent, 'killed').length, 1);
    child.kill(signal);
    await once(child, 'exit');
    t.is(staging(parent, 'killed').length, 1, 'the killed writer left its staging directory');
    const sc = new Context({ defaultParallelism: 2 });
    await sc.parallelize(['x', 'y'], 2).saveAsTextFile(join(parent, 'next'));
    t.deepEqual(staging(parent, 'killed'), []);
    t.false(existsSync(join(parent, 'killed')));
    t.deepEqual(readdirSync(parent).sort(), ['next']);
    t.deepEqual((await sc.textFile(join(parent, 'next')).collect()).sort(), ['x', 'y']);
  });
}

test("a live writer's temporary output is never touched: it finishes its save", async (t) => {
  t.timeout(120_000);
  const parent = mkdtempSync(join(dir, 'parent-'));
  const release = join(dir, `release-${Date.now()}`);
  const { child, lines } = await writer(join(parent, 'live'), release);
  const sc = new Context({ defaultParallelism: 2 });
  await sc.parallelize(['x'], 1).saveAsTextFile(join(parent, 'other'));
  t.is(staging(parent, 'live').length, 1);
  writeFileSync(release, '');
  const [code] = await once(child, 'exit');
  t.is(code, 0);
  t.true(lines.includes('saved'));
  t.deepEqual(staging(parent, 'live'), []);
  t.deepEqual(readdirSync(join(parent, 'live')).sort(), ['_SUCCESS', 'part-00000', 'part-00001']);
  t.is(
    readFileSync(join(parent, 'live', 'part-00000'), 'utf8') +
      readFileSync(join(parent, 'live', 'part-00001'), 'utf8'),
    'a\nb\nc\nd\n',
  );
});
