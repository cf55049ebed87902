/**
 * The stage executor as one plain JavaScript file that `node` runs on
 * Spark's executors (they have neither this package nor a TypeScript
 * loader): the build's `sparkling-executor.mjs` next to this module, or,
 * run from the sources, bundled once per process with esbuild (a
 * development dependency) into a temporary directory removed at exit.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SparkBridgeError } from './errors.js';

/** The file name the executor has on the executors (in their SparkFiles directory). */
export const EXECUTOR_FILE = 'sparkling-executor.mjs';

/** Lets the bundle's CommonJS dependencies `require` Node's modules. */
export const BUNDLE_BANNER =
  "import { createRequire as __sparklingRequire } from 'node:module'; const require = __sparklingRequire(import.meta.url);";

let bundled: Promise<string> | undefined;

/** The path of the executor bundle on this machine. */
export function executorScript(): Promise<string> {
  bundled ??= locate();
  bundled.catch(() => {
    bundled = undefined;
  });
  return bundled;
}

async function locate(): Promise<string> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.join(here, EXECUTOR_FILE);
  if (existsSync(built)) return built;
  const entry = ['executor-main.ts', 'executor-main.js'].map((f) => path.join(here, f)).find(existsSync);
  if (entry === undefined)
    throw new SparkBridgeError(`no ${EXECUTOR_FILE} and no executor-main next to ${here}`);
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (e) {
    throw new SparkBridgeError(
      `${built} is missing (run \`npm run build\`), and esbuild, which would bundle it, is not installed`,
      '',
      { cause: e },
    );
  }
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkling-executor-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const outfile = path.join(dir, EXECUTOR_FILE);
  await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    banner: { js: BUNDLE_BANNER },
    // Executors are fed their input by Spark: the cloud filesystems' SDKs are never loaded there.
    external: ['@aws-sdk/*'],
    logLevel: 'error',
  });
  return outfile;
}
