/**
 * `npm run build` (and `npm run prepare`): builds dist/ from lib/.
 *
 * - `tsc -p tsconfig.build.json`: ES modules (without comments), `.d.ts`
 *   (with them), source maps with their sources inlined (`inlineSources`),
 *   so a stack trace or a debugger shows the TypeScript of the installed
 *   version. The maps are then cut down to line granularity.
 * - A `.d.cts` twin of every `.d.ts`, with relative imports renamed to
 *   `.cjs`: the types `exports["."].require` serves. `require('sparkling-rdd')`
 *   loads the ES module (Node >= 20.19), but TypeScript before 5.8 (and any
 *   version under `module: node16`) refuses to let a CommonJS file import
 *   an ES module's types; a CommonJS declaration tree is what it accepts.
 *
 * With `--prepare` (npm's `prepare`, run after `npm install`/`npm ci` in a
 * clone, before `npm pack`, and in the package's directory when a user
 * installs it from a git URL or a local path): `npm install ../sparkling`
 * links the directory and installs nothing in it, neither the build tools
 * nor the runtime dependencies. So when the TypeScript compiler is missing,
 * the locked dependencies are installed first (`npm ci --ignore-scripts`).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

function run(command, args, what) {
  const env = { ...process.env };
  // Settings of the npm command that runs this script (a global install,
  // --omit=dev, --save ...) are not meant for the install of the build tools.
  for (const name of Object.keys(env)) {
    if (
      /^npm_config_(global|location|prefix|omit|include|production|only|dry_run|save.*|package_lock.*)$/i.test(
        name,
      )
    )
      delete env[name];
  }
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`sparkling-rdd: ${what} failed (${r.error?.message ?? `exit status ${r.status}`}).`);
    process.exit(r.status || 1);
  }
}

function* files(dir, suffix) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p, suffix);
    else if (e.name.endsWith(suffix)) yield p;
  }
}

if (process.argv.includes('--prepare') && !existsSync(tsc)) {
  console.error(
    'sparkling-rdd: TypeScript is not installed here; installing the locked dependencies to build dist/',
  );
  const npm = process.env.npm_execpath;
  const ci = ['ci', '--ignore-scripts', '--no-audit', '--no-fund'];
  if (npm?.endsWith('.js')) run(process.execPath, [npm, ...ci], 'npm ci');
  else run(process.platform === 'win32' ? 'npm.cmd' : 'npm', ci, 'npm ci');
}

rmSync(dist, { recursive: true, force: true });
const project = ['-p', join(root, 'tsconfig.build.json')];
// JavaScript without comments (the source maps carry the sources, comments included), then the
// declarations with their doc comments (what editors show): 0.2 MB less to install.
run(process.execPath, [tsc, ...project, '--removeComments', '--declaration', 'false'], 'tsc (JavaScript)');
run(process.execPath, [tsc, ...project, '--emitDeclarationOnly'], 'tsc (declarations)');
// Source maps by line: each generated line keeps the segments where its original line changes
// (a stack trace or a breakpoint lands on the right line of the TypeScript; columns are those of
// the line's first token). tsc's token-by-token mappings were 40% of the installed package.
// Imported here: `--prepare` may have just installed it.
const { decode, encode } = await import('@jridgewell/sourcemap-codec');
for (const file of files(dist, '.js.map')) {
  const map = JSON.parse(readFileSync(file, 'utf8'));
  const lines = decode(map.mappings).map((segments) => {
    const kept = [];
    for (const seg of segments) {
      const last = kept[kept.length - 1];
      if (seg.length >= 4 && (last === undefined || last[1] !== seg[1] || last[2] !== seg[2])) kept.push(seg);
    }
    return kept;
  });
  map.mappings = encode(lines);
  writeFileSync(file, JSON.stringify(map));
}
// './x.js' in `from '...'`, `import '...'`, `import('...')` and `declare module '...'`: relative specifiers only.
const relative = /((?:from|import\(?|declare module)\s*['"])(\.{1,2}\/[^'"]*?)\.js(['"])/g;
// Only the declarations the public types reach are shipped (`exports` serves '.' alone, so no
// other module can be imported): the internal modules' are half of them.
const reached = new Set();
for (const pending = [join(dist, 'index.d.ts')]; pending.length > 0; ) {
  const file = pending.pop();
  if (reached.has(file) || !existsSync(file)) continue;
  reached.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(relative))
    pending.push(join(dirname(file), `${m[2]}.d.ts`));
}
for (const file of files(dist, '.d.ts')) {
  if (!reached.has(file)) {
    rmSync(file);
    continue;
  }
  const source = readFileSync(file, 'utf8');
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), source.replace(relative, '$1$2.cjs$3'));
}
// The stage executor Spark's executors run: one bundled file (spark/bundle-executor.mjs).
run(process.execPath, [join(root, 'spark', 'bundle-executor.mjs')], 'the Spark executor bundle');
