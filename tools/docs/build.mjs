/**
 * `npm run docs`: builds the HTML API reference into site/ (or `--out DIR`)
 * with TypeDoc, from the doc comments of lib/ and the pages in docs/.
 *
 * TypeDoc 0.28 reads TypeScript 5.0 to 6.0 while the library builds with
 * TypeScript 7, so the tool and the TypeScript it needs are pinned here, in
 * tools/docs/package.json and its lock file, and installed on first use
 * (`npm ci` in this folder; again when the lock file changes).
 * `--install-only` installs and stops (the specs use this folder's
 * TypeScript 5.9 to check the published types with a TypeScript 5 compiler).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..', '..');
const modules = join(here, 'node_modules');
const stamp = join(modules, '.sparkling-lock-copy.json');
const lock = join(here, 'package-lock.json');

function run(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(
      `docs: ${[command, ...args].join(' ')} failed (${r.error?.message ?? `exit status ${r.status}`})`,
    );
    process.exit(r.status || 1);
  }
}

function npm(args, cwd) {
  const cli = process.env.npm_execpath;
  if (cli?.endsWith('.js')) run(process.execPath, [cli, ...args], cwd);
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, cwd);
}

/** Installs the pinned tool unless the installed copy matches the lock file; one installer at a time. */
function ensureInstalled() {
  const wanted = readFileSync(lock, 'utf8');
  const current = () => existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted;
  if (current()) return;
  const guard = join(here, '.installing');
  for (const start = Date.now(); ; ) {
    try {
      mkdirSync(guard);
      break;
    } catch {
      // Another process installs: wait for it (a guard older than 10 minutes is a crashed one's).
      if (Date.now() - statSync(guard, { throwIfNoEntry: false })?.mtimeMs > 600_000)
        rmSync(guard, { recursive: true, force: true });
      if (Date.now() - start > 900_000) throw new Error(`docs: ${guard} stays locked`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (current()) return;
    npm(['ci', '--no-audit', '--no-fund', '--ignore-scripts'], here);
    writeFileSync(stamp, wanted);
  } finally {
    rmSync(guard, { recursive: true, force: true });
  }
}

ensureInstalled();
if (process.argv.includes('--install-only')) process.exit(0);

const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? resolve(process.argv[outAt + 1]) : join(root, 'site');
run(
  process.execPath,
  [join(modules, 'typedoc', 'bin', 'typedoc'), '--options', join(here, 'typedoc.json'), '--out', out],
  root,
);
console.log(`docs: open ${join(out, 'index.html')}`);
