/**
 * The package as a user gets it: `npm pack`, then installed into throwaway
 * projects (CommonJS with `require()`, ES modules, TypeScript compiled to
 * CommonJS and to ES modules, by TypeScript 7 and 5.9, with no @types/node),
 * each running a job. Also `npm install <directory>` and a git URL of a
 * fresh clone, where `prepare` must build with nothing installed.
 */
import { type ExecFileOptions, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const tsc7 = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tsc5 = join(root, 'tools', 'docs', 'node_modules', 'typescript', 'bin', 'tsc');
const npmCli = process.env.npm_execpath?.endsWith('.js') ? process.env.npm_execpath : undefined;
const MINUTES = 60_000;
/** The second pass of `npm test` (SPARKLING_WORKERS=2) runs the jobs again; packing and type checks do not depend on it. */
const workersPass = (process.env.SPARKLING_WORKERS ?? '') !== '';

/** Runs a command; its output when it fails is in the thrown error's message. */
async function sh(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<{ stdout: string; stderr: string }> {
  const options: ExecFileOptions = {
    cwd,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  };
  try {
    const r = await exec(command, args, options);
    return { stdout: String(r.stdout), stderr: String(r.stderr) };
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} in ${cwd} failed: ${err.message}\n${err.stdout}\n${err.stderr}`,
    );
  }
}

const npm = (args: string[], cwd: string) =>
  npmCli === undefined ? sh('npm', args, cwd) : sh(process.execPath, [npmCli, ...args], cwd);
const node = (args: string[], cwd: string) => sh(process.execPath, args, cwd);
const quiet = ['--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'];

let work: string;
let tarball: string;

/** A new project directory with this package.json, the packed tarball installed. */
async function project(name: string, pkg: object): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', private: true, ...pkg }),
  );
  await npm(['install', tarball, ...quiet], dir);
  return dir;
}

/** Bytes of every file below `dir` (what `du --apparent-size` counts). */
async function bytesBelow(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

const WORD_COUNT = `
const sc = new Context({ defaultParallelism: 2 });
const counts = sc
  .parallelize(['a b', 'b c c'], 2)
  .flatMap((line) => line.split(' ').map((w) => [w, 1]))
  .reduceByKey((a, b) => a + b)
  .sortByKey();
`;
const EXPECTED = '[["a",1],["b",2],["c",2]]';

test.before(async (t) => {
  t.timeout(4 * MINUTES);
  work = await mkdtemp(join(tmpdir(), 'sparkling-package-'));
  await npm(['pack', '--pack-destination', work, '--loglevel=error'], root);
  const packed = (await readdir(work)).filter((f) => f.endsWith('.tgz'));
  t.is(packed.length, 1);
  tarball = join(work, packed[0] as string);
});

test.after.always(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

test.serial('the tarball holds dist/ with sources in its maps, and no build tooling', async (t) => {
  t.timeout(3 * MINUTES);
  if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
  const { stdout } = await sh('tar', ['-tzf', tarball], work);
  const files = stdout.trim().split('\n');
  t.true(files.includes('package/dist/index.js'));
  t.true(files.includes('package/dist/index.d.ts'));
  t.true(files.includes('package/dist/index.d.cts'));
  t.true(files.includes('package/dist/workers/worker.js'));
  t.false(files.some((f) => f.startsWith('package/lib/') || f.startsWith('package/spec/')));
  await sh('tar', ['-xzf', tarball, 'package/dist/rdd.js.map'], work);
  const map = JSON.parse(await readFile(join(work, 'package', 'dist', 'rdd.js.map'), 'utf8'));
  t.deepEqual(map.sources, ['../lib/rdd.ts']);
  t.regex(map.sourcesContent[0], /export class RDD<T>/);
});

test.serial('CommonJS: require() runs a job; s3:// without the AWS SDK says how to install it', async (t) => {
  t.timeout(3 * MINUTES);
  const dir = await project('cjs-app', {});
  await writeFile(
    join(dir, 'index.js'),
    `const { Context, UnsupportedSchemeError } = require('sparkling-rdd');
${WORD_COUNT}
counts.collect().then(async (r) => {
  console.log(JSON.stringify(r));
  try { await sc.textFile('s3://bucket/key').count(); } catch (e) {
    console.log(e instanceof UnsupportedSchemeError, e.message);
  }
  sc.stop();
});
`,
  );
  const { stdout, stderr } = await node(['index.js'], dir);
  const [result, s3] = stdout.trim().split('\n');
  t.is(result, EXPECTED);
  t.regex(s3 as string, /^true .*npm install @aws-sdk\/client-s3/);
  t.is(stderr, '', 'no warning from require() of the ES module');
  // The default install: the library and its runtime dependencies, no AWS SDK.
  const modules = join(dir, 'node_modules');
  t.false((await readdir(modules)).includes('@aws-sdk'));
  const bytes = await bytesBelow(modules);
  t.log(`installed: ${(bytes / 1e6).toFixed(2)} MB in node_modules`);
  t.true(bytes < 5e6, `${bytes} bytes`);
});

test.serial(
  'ES modules: import runs a job, and stack traces point into the TypeScript sources',
  async (t) => {
    t.timeout(3 * MINUTES);
    const dir = await project('esm-app', { type: 'module' });
    await writeFile(
      join(dir, 'index.js'),
      `import { Context } from 'sparkling-rdd';
${WORD_COUNT}
console.log(JSON.stringify(await counts.collect()));
try { sc.parallelize([1]).map(42); } catch (e) { console.log(e.stack.split('\\n').find((l) => l.includes('sparkling-rdd'))); }
sc.stop();
`,
    );
    const { stdout } = await node(['--enable-source-maps', 'index.js'], dir);
    const [result, frame] = stdout.trim().split('\n');
    t.is(result, EXPECTED);
    t.regex(frame as string, /node_modules\/sparkling-rdd\/lib\/[\w/-]+\.ts:\d+:\d+/);
  },
);

// TypeScript 5.9 (JavaScript) compiles slowly: it checks the module setting where the two formats differ most.
for (const [label, tsc, cjsModes, esmModes] of [
  ['TypeScript 7', tsc7, ['commonjs', 'node16', 'nodenext'], ['node16', 'nodenext']],
  ['TypeScript 5.9', tsc5, ['nodenext'], ['nodenext']],
] as const) {
  test.serial(
    `${label}: CommonJS (module ${cjsModes.join(', ')}) and ES module projects get the types, without @types/node`,
    async (t) => {
      t.timeout(4 * MINUTES);
      if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
      if (tsc === tsc5) await node([join(root, 'tools', 'docs', 'build.mjs'), '--install-only'], root);
      const source = `import { Context, type RDD } from 'sparkling-rdd';
${WORD_COUNT}
const typed: RDD<[string, number]> = counts;
typed.collect().then((r) => {
  console.log(JSON.stringify(r));
  sc.stop();
});
`;
      for (const [name, type, modes] of [
        ['ts-cjs', undefined, cjsModes],
        ['ts-esm', 'module', esmModes],
      ] as const) {
        const dir = await project(`${name}-${tsc === tsc5 ? 5 : 7}`, type === undefined ? {} : { type });
        await writeFile(join(dir, 'index.ts'), source);
        for (const mode of modes) {
          // No "lib": TypeScript's default, with the DOM; no @types/node is installed here.
          const config = {
            compilerOptions: {
              target: 'ES2022',
              module: mode,
              strict: true,
              skipLibCheck: false,
              outDir: 'out',
            },
            files: ['index.ts'],
          };
          await writeFile(join(dir, 'tsconfig.json'), JSON.stringify(config));
          await rm(join(dir, 'out'), { recursive: true, force: true });
          await node([tsc, '-p', '.'], dir);
          const { stdout } = await node([join('out', 'index.js')], dir);
          t.is(stdout.trim(), EXPECTED, `${name} with module ${mode}`);
        }
      }
    },
  );
}

test.serial(
  'npm install <directory> and <git URL> of a fresh clone: prepare installs the build tools and builds',
  async (t) => {
    t.timeout(6 * MINUTES);
    if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
    const clone = join(work, 'sparkling');
    await sh('git', ['clone', '--quiet', root, clone], work);
    const script = `const { Context } = require('sparkling-rdd');
${WORD_COUNT}
counts.collect().then((r) => { console.log(JSON.stringify(r)); sc.stop(); });
`;
    for (const [name, spec] of [
      ['from-directory', '../sparkling'],
      ['from-git', `git+file://${clone}`],
    ] as const) {
      const dir = join(work, name);
      await mkdir(dir);
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '1.0.0', private: true }));
      await npm(['install', spec, ...quiet], dir);
      await writeFile(join(dir, 'index.js'), script);
      const { stdout } = await node(['index.js'], dir);
      t.is(stdout.trim(), EXPECTED, name);
    }
  },
);
