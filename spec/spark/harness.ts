/**
 * What the Spark specs run on: Spark from the pinned PyPI wheel (SPARK_HOME,
 * or the one in this repository's .cache/venv), the bridge jar (built with
 * Maven when its sources are newer), a standalone cluster of one master and
 * two workers on 127.0.0.1 (the one `cluster.sh run` exported, as in CI, or
 * one started here and stopped when the process exits), and the stand-in
 * executor bundled into one plain .mjs file. Not a spec file.
 *
 * `machine()` decides at load time, synchronously, whether this machine can
 * run them at all (Java, Spark, the jar or Maven): the spec registers its
 * tests as skipped, with the reason, when it cannot. With
 * `SPARKLING_REQUIRE_SPARK=1` (CI) that is an error instead.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test, { type ExecutionContext } from 'ava';
import { build } from 'esbuild';
import { random } from '../../bench/spark-common.js';
import { Context } from '../../lib/index.js';
import { BRIDGE_BUILD_COMMAND, BRIDGE_JAR } from '../../lib/spark/bridge.js';
import type { SparkCluster } from '../../lib/spark/cluster.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
const BRIDGE_DIR = path.join(ROOT, 'spark', 'bridge');
const CLUSTER_SH = path.join(HERE, 'cluster.sh');
export const REQUIRE = process.env.SPARKLING_REQUIRE_SPARK === '1';

const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

function has(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

/** SPARK_HOME, else the pyspark wheel in .cache/venv. */
export function findSparkHome(): string | undefined {
  if (process.env.SPARK_HOME) return process.env.SPARK_HOME;
  const lib = path.join(ROOT, '.cache', 'venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const home = path.join(lib, py, 'site-packages', 'pyspark');
    if (existsSync(path.join(home, 'bin', 'spark-submit'))) return home;
  }
  return undefined;
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Whether the jar is newer than pom.xml and every source file. */
function jarUpToDate(): boolean {
  if (!existsSync(BRIDGE_JAR)) return false;
  const sources = Math.max(
    statSync(path.join(BRIDGE_DIR, 'pom.xml')).mtimeMs,
    newestSource(path.join(BRIDGE_DIR, 'src')),
  );
  return statSync(BRIDGE_JAR).mtimeMs >= sources;
}

export type Machine = { home: string; skip?: undefined } | { home?: undefined; skip: string };

/** Whether this machine can run the Spark specs; the reason when it cannot (or an error under SPARKLING_REQUIRE_SPARK=1). */
export function machine(): Machine {
  const m = check();
  if (m.skip !== undefined && REQUIRE)
    throw new Error(`SPARKLING_REQUIRE_SPARK=1 but Spark cannot run here: ${m.skip}`);
  return m;
}

function check(): Machine {
  if (!has(JAVA, ['-version'])) return { skip: `Java not found (${JAVA}; Spark 4 needs Java 17 or later)` };
  const home = findSparkHome();
  if (home === undefined) {
    return {
      skip: 'Spark not found: set SPARK_HOME, or python3 -m venv .cache/venv && .cache/venv/bin/pip install -r requirements-dev.txt',
    };
  }
  if (!jarUpToDate() && !has('mvn', ['-v'])) {
    return {
      skip: `the bridge jar is missing or stale and Maven (mvn) is not on PATH: ${BRIDGE_BUILD_COMMAND}`,
    };
  }
  return { home };
}

/** Runs a command; its output when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(new Error(`${command} ${args.join(' ')}: ${signal ?? `exit ${code}`}\n${out.slice(-4000)}`));
    });
  });
}

/** Builds the bridge jar when its sources changed. */
export async function buildBridge(home: string): Promise<number> {
  if (jarUpToDate()) return 0;
  const t0 = Date.now();
  await run(
    'mvn',
    ['-B', '-q', '-f', path.join(BRIDGE_DIR, 'pom.xml'), 'package'],
    { ...process.env, SPARK_HOME: home },
    280_000,
  );
  return Date.now() - t0;
}

export interface Cluster {
  readonly master: string;
  /** The master's web UI (its /json/ lists workers and applications). */
  readonly masterUi: string;
  /** cluster.sh's directory: pids/, ui/, logs/. */
  readonly dir: string;
  /** The environment Spark processes of the specs run with (SPARK_LOCAL_IP, SPARK_LOCAL_DIRS …). */
  readonly env: Readonly<Record<string, string>>;
  /** Starts one more worker (cluster.sh add-worker); its name and PID. */
  addWorker(): Promise<{ name: string; pid: number }>;
}

function readEnv(file: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) env[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return env;
}

/** The cluster `cluster.sh run` exported, or a new one stopped when this process exits. */
export async function useCluster(home: string): Promise<Cluster> {
  let dir = process.env.SPARKLING_SPARK_CLUSTER;
  if (!dir || !process.env.SPARKLING_SPARK_MASTER) {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sparkling-spark-'));
    const started = dir;
    process.once('exit', () => {
      spawnSync('bash', [CLUSTER_SH, 'stop', started], { stdio: 'ignore', timeout: 60_000 });
      spawnSync('rm', ['-rf', started]);
    });
    await run('bash', [CLUSTER_SH, 'start', dir], { ...process.env, SPARK_HOME: home }, 200_000);
  }
  const vars = readEnv(path.join(dir, 'env'));
  const clusterDir = dir;
  return {
    master: vars.SPARKLING_SPARK_MASTER as string,
    masterUi: vars.SPARKLING_SPARK_MASTER_UI as string,
    dir: clusterDir,
    env: {
      SPARK_HOME: home,
      SPARK_LOCAL_IP: '127.0.0.1',
      SPARK_LOCAL_DIRS: vars.SPARK_LOCAL_DIRS as string,
      SPARK_CONF_DIR: path.join(clusterDir, 'conf'),
    },
    async addWorker() {
      const out = await run(
        'bash',
        [CLUSTER_SH, 'add-worker', clusterDir],
        { ...process.env, SPARK_HOME: home },
        200_000,
      );
      const m = /^(worker-\d+) (\d+)$/m.exec(out);
      if (!m) throw new Error(`cluster.sh add-worker said: ${out}`);
      return { name: m[1] as string, pid: Number(m[2]) };
    },
  };
}

/** Bundles the stand-in executor into one .mjs file that plain `node` runs. */
export async function bundleStandIn(dir: string): Promise<string> {
  const outfile = path.join(dir, 'stand-in-executor.mjs');
  await build({
    entryPoints: [path.join(HERE, 'stand-in-executor.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile,
    logLevel: 'error',
  });
  return outfile;
}

/** GET a JSON document (Spark's web UIs and REST API). */
export async function getJson<T>(url: string): Promise<T> {
  const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return (await r.json()) as T;
}

/** Polls `probe` until it answers something other than undefined (every 250 ms, up to `ms`). */
export async function eventually<T>(
  what: string,
  ms: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not after ${ms} ms${last ? ` (${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Whether a process is alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Holds the cluster for this spec process until it exits: Spark's standalone
 * master gives an application every free core, so two spec files with an
 * application each would starve one another. A directory in the cluster's
 * own directory is the lock (a holder that died is detected by its PID).
 */
export async function holdCluster(cluster: Cluster, deadlineMs = 1_500_000): Promise<number> {
  const lock = path.join(cluster.dir, 'spec-lock');
  const t0 = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      process.once('exit', () => dropLock(lock));
      return Date.now() - t0;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = Number.NaN;
    try {
      holder = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
    } catch {}
    // A holder that died without releasing (or one still writing its PID: give it a moment).
    if (Number.isInteger(holder) && holder > 0 && !alive(holder))
      rmSync(lock, { recursive: true, force: true });
    if (Date.now() - t0 > deadlineMs)
      throw new Error(`the Spark test cluster stayed busy for ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Removes the lock when this process holds it: once released, the next spec file may already
 * hold it again, and this process's exit must not take it from that file.
 */
function dropLock(lock: string): void {
  let holder: string | undefined;
  try {
    holder = readFileSync(path.join(lock, 'pid'), 'utf8');
  } catch {}
  if (holder === String(process.pid)) rmSync(lock, { recursive: true, force: true });
}

/** Releases `holdCluster`'s lock before the process exits (once the spec's application has stopped). */
export function releaseCluster(cluster: Cluster): void {
  dropLock(path.join(cluster.dir, 'spec-lock'));
}

/** Spark's settings for the specs: small JVMs, the driver's UI (REST API) on a free port. */
export const SPARK_SPEC_CONF: Readonly<Record<string, string | number | boolean>> = {
  'spark.ui.port': 0,
  'spark.driver.memory': '512m',
  'spark.executor.memory': '512m',
  'spark.driver.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
  'spark.executor.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
};

/** Deterministic pseudo-random numbers in [0, 1): the Spark benchmarks' generator (mulberry32). */
export const seeded: (seed: number) => () => number = random;

export type SparkTestFn = (t: ExecutionContext) => Promise<void>;

/** A spec file's Spark tests: whether they can run here, and the set-up error that fails them. */
export interface SparkTests {
  /** SPARK_HOME when this machine can run the Spark specs (`machine()`), else undefined. */
  readonly home: string | undefined;
  /**
   * A serial test (with its timeout) when Spark can run here, failing with the set-up's error
   * when set-up failed; a skipped one, the reason in its title, when Spark cannot run here.
   */
  sparkTest(title: string, fn: SparkTestFn): void;
  /** Records the set-up's error: every Spark test of the file then fails with it. */
  setupFailed(e: unknown): void;
  /** The set-up's error, if any. */
  readonly setupError: unknown;
}

/**
 * Decides (at load time, `machine()`) whether this file's Spark tests run; without Spark they are
 * registered as skipped with the reason (SPARKLING_REQUIRE_SPARK=1 makes that an error).
 */
export function sparkTests(timeoutMs: number): SparkTests {
  const m = machine();
  const skipReason = m.skip?.replace(/\s*\n\s*/g, ' | ').slice(0, 300);
  if (m.skip !== undefined) console.warn(`Spark specs skipped: ${m.skip}`);
  let setupError: unknown;
  return {
    home: m.home,
    sparkTest(title, fn) {
      if (m.home === undefined) {
        test.skip(`${title} [skipped: ${skipReason}]`, fn);
        return;
      }
      test.serial(title, async (t) => {
        t.timeout(timeoutMs);
        if (setupError) throw setupError;
        await fn(t);
      });
    },
    setupFailed(e) {
      setupError = e;
    },
    get setupError() {
      return setupError;
    },
  };
}

export interface SparkSuiteOptions {
  /** Names the work directory (sparkling-spark-<name>-…). */
  readonly name: string;
  /** Settings on top of SPARK_SPEC_CONF. */
  readonly conf?: Readonly<Record<string, string | number | boolean>>;
  /** Each test's timeout (default 600 s). */
  readonly timeoutMs?: number;
  /** Runs first in set-up, before the bridge is built and the cluster taken (e.g. writes data files to `work`). */
  readonly prepare?: (work: string) => Promise<void>;
  /** Runs in the after hook once the Spark Context has stopped (e.g. stops a local Context). */
  readonly cleanup?: () => void | Promise<void>;
}

export interface SparkSuite {
  /** See SparkTests.sparkTest. */
  sparkTest(title: string, fn: SparkTestFn): void;
  /** The file's one Spark Context (one Spark application), on the test cluster. */
  readonly sc: Context;
  readonly cluster: Cluster;
  /** A temporary directory of the file's own, removed when the process exits. */
  readonly work: string;
}

/**
 * The set-up every Context-level Spark spec file shares: before its tests, a work directory,
 * the bridge jar built, the test cluster taken (waiting for another file's application to end),
 * its environment exported, one Spark Context made and a first job run; after them, the Context
 * stopped, its bridge JVM gone and the cluster released for the next file.
 */
export function sparkSuite(options: SparkSuiteOptions): SparkSuite {
  const tests = sparkTests(options.timeoutMs ?? 600_000);
  let sc: Context | undefined;
  let cluster: Cluster | undefined;
  let work: string | undefined;
  const home = tests.home;
  if (home !== undefined) {
    test.before(async (t) => {
      t.timeout(1_800_000);
      try {
        const dir = await mkdtemp(path.join(os.tmpdir(), `sparkling-spark-${options.name}-`));
        work = dir;
        process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
        await options.prepare?.(dir);
        await buildBridge(home);
        const c = await useCluster(home);
        cluster = c;
        const waited = await holdCluster(c);
        if (waited > 1000) t.log(`waited ${waited} ms for the cluster (another spec file's application)`);
        for (const [k, v] of Object.entries(c.env)) process.env[k] = v;
        const conf = { ...SPARK_SPEC_CONF, ...options.conf };
        sc = new Context({ master: c.master, defaultParallelism: 2, spark: { home, conf } });
        const t0 = Date.now();
        await sc.parallelize([1], 1).count();
        t.log(`Spark application up and a first job run in ${Date.now() - t0} ms`);
      } catch (e) {
        tests.setupFailed(e);
      }
    });
    test.after.always(async () => {
      // The bridge to wait for, when set-up started it (asking for it otherwise would start one).
      const bridge =
        sc === undefined || tests.setupError !== undefined
          ? undefined
          : await (sc._runtime.cluster as SparkCluster).bridge().catch(() => undefined);
      sc?.stop();
      await options.cleanup?.();
      const pid = bridge?.pid;
      if (pid !== undefined)
        await eventually('the bridge JVM gone', 90_000, async () => (alive(pid) ? undefined : true)).catch(
          () => {},
        );
      if (cluster) releaseCluster(cluster);
    });
  }
  const set = <T>(what: string, v: T | undefined): T => {
    if (v === undefined) throw new Error(`the Spark spec's ${what} is not set up`);
    return v;
  };
  return {
    sparkTest: tests.sparkTest,
    get sc() {
      return set('Context', sc);
    },
    get cluster() {
      return set('cluster', cluster);
    },
    get work() {
      return set('work directory', work);
    },
  };
}

/** What `p` rejects with; a failed assertion when it resolves. */
export async function rejects(t: ExecutionContext, p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  t.fail('expected a rejection');
  return undefined;
}
