/**
 * A real HDFS for the specs: the Java launcher in `launcher/` (Apache
 * Hadoop's MiniDFSCluster: one NameNode, one DataNode, WebHDFS, 127.0.0.1
 * only), built with Maven on first use and run with `java`. Not a spec file.
 *
 * `startHdfs()` never throws for a machine that cannot run it (no Java, no
 * Maven, a launcher that does not come up): it answers `{ skip: reason }` so
 * the spec registers its tests as skipped, with the reason. With
 * `SPARKLING_REQUIRE_HDFS=1` in the environment (CI) it throws instead, so
 * the specs cannot be skipped silently.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../io/helpers.js';

const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'launcher');
const POM = path.join(LAUNCHER, 'pom.xml');
const CLASSES = path.join(LAUNCHER, 'target', 'classes');
const CLASSPATH_FILE = path.join(LAUNCHER, 'target', 'classpath.txt');
/** Inputs of the build: a change to any of them rebuilds. */
const SOURCES = [
  POM,
  path.join(LAUNCHER, 'src/main/java/sparkling/hdfs/Main.java'),
  path.join(LAUNCHER, 'src/main/resources/log4j.properties'),
];

/** Hadoop 3.4 on Java 17: JAXB (WebHDFS's JSON/XML layer) defines classes through reflection. */
const JVM_FLAGS = [
  '--add-opens=java.base/java.lang=ALL-UNNAMED',
  '--add-opens=java.base/java.nio=ALL-UNNAMED',
  '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '--add-opens=java.base/java.util=ALL-UNNAMED',
  '-Xmx768m',
  '-XX:+UseSerialGC',
  '-XX:TieredStopAtLevel=1',
];

/**
 * The spec awaits the cluster while it loads, and ava gives up on a file that
 * reports nothing for 60 s: a build (the first one downloads ~140 MB of Hadoop
 * into ~/.m2) or a start slower than these is a skip with instructions instead.
 * CI builds the launcher before the tests, with BUILD_COMMAND.
 */
const BUILD_TIMEOUT_MS = 40_000;
// Generous: on a loaded 2-core machine the NameNode and DataNodes take well over 30 s to start.
const START_TIMEOUT_MS = 120_000;
const BUILD_COMMAND = 'mvn -B -q -f spec/hdfs/launcher/pom.xml compile';

/** `$JAVA_HOME/bin/java` when JAVA_HOME is set, else `java` from PATH. */
const JAVA = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

export interface HdfsCluster {
  /** The NameNode's HTTP (WebHDFS) port on 127.0.0.1. */
  readonly httpPort: number;
  /** Milliseconds from spawning `java` to the cluster being ready (build time not included). */
  readonly startMs: number;
  /** Milliseconds spent building the launcher first (0 when it was up to date). */
  readonly buildMs: number;
  /** Sends a launcher command (`stop-datanode`, `start-datanode`) and waits for its answer. */
  command(cmd: 'stop-datanode' | 'start-datanode'): Promise<void>;
  /** Shuts the cluster down (end of stdin) and waits for the process to exit. */
  stop(): Promise<void>;
}

export type HdfsStart = { cluster: HdfsCluster; skip?: undefined } | { cluster?: undefined; skip: string };

async function mtime(file: string): Promise<number | null> {
  try {
    return (await fsp.stat(file)).mtimeMs;
  } catch {
    return null;
  }
}

/** Whether target/ holds a build newer than every source (every build rewrites classpath.txt). */
async function upToDate(): Promise<boolean> {
  const [built, main] = await Promise.all([
    mtime(CLASSPATH_FILE),
    mtime(path.join(CLASSES, 'sparkling/hdfs/Main.class')),
  ]);
  if (built === null || main === null) return false;
  const sources = await Promise.all(SOURCES.map(mtime));
  return sources.every((t) => t !== null && t <= built);
}

const tail = (text: string, lines = 15): string => text.trim().split('\n').slice(-lines).join('\n');

function has(command: string, args: string[]): boolean {
  const r = spawnSync(command, args, { stdio: 'ignore', timeout: 30_000 });
  return r.error === undefined && r.status === 0;
}

/** Builds the launcher if needed; a reason to skip when it cannot be built. */
async function build(): Promise<{ ms: number } | { skip: string }> {
  if (await upToDate()) return { ms: 0 };
  if (!has('mvn', ['-v'])) return { skip: `Maven (mvn) not found on PATH, needed once: ${BUILD_COMMAND}` };
  const t0 = Date.now();
  const r = spawnSync('mvn', ['-B', '-q', '-f', POM, 'compile'], {
    encoding: 'utf8',
    timeout: BUILD_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error !== undefined || r.status !== 0) {
    const why =
      r.signal === 'SIGTERM'
        ? `not done after ${BUILD_TIMEOUT_MS} ms; the first build downloads Hadoop: run ${BUILD_COMMAND} once`
        : r.error
          ? r.error.message
          : `exit ${r.status}`;
    return { skip: `building the HDFS launcher failed (${why}):\n${tail(`${r.stdout}\n${r.stderr}`)}` };
  }
  return { ms: Date.now() - t0 };
}

async function launch(buildMs: number): Promise<HdfsStart> {
  const classpath = (await fsp.readFile(CLASSPATH_FILE, 'utf8')).trim();
  const storage = await tempDir('sparkling-hdfs-');
  const t0 = Date.now();
  const child: ChildProcess = spawn(
    JAVA,
    [...JVM_FLAGS, '-cp', `${CLASSES}${path.delimiter}${classpath}`, 'sparkling.hdfs.Main', storage],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  // If this process ends first, the launcher sees end of stdin and stops; SIGKILL covers a stuck JVM.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    stderr = (stderr + s).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => resolve(code));
    child.once('error', () => resolve(null));
  });
  const lines = createInterface({ input: child.stdout! });
  const waiting: ((line: string) => boolean)[] = [];
  let port: number | undefined;
  const ready = new Promise<void>((resolve) => {
    waiting.push((line) => {
      const m = /^HTTP_PORT (\d+)$/.exec(line);
      if (m) port = Number(m[1]);
      if (line === 'READY') {
        resolve();
        return true;
      }
      return false;
    });
  });
  lines.on('line', (line) => {
    const i = waiting.findIndex((w) => w(line));
    if (i !== -1) waiting.splice(i, 1);
  });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready.then(() => 'ready' as const),
    exited.then(() => 'exited' as const),
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), START_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  if (outcome !== 'ready' || port === undefined) {
    child.kill('SIGKILL');
    process.removeListener('exit', killOnExit);
    const why =
      outcome === 'timeout' ? `not ready after ${START_TIMEOUT_MS} ms` : 'exited before it was ready';
    return { skip: `the HDFS launcher ${why}:\n${tail(stderr)}` };
  }
  const startMs = Date.now() - t0;
  let queue = Promise.resolve();
  const cluster: HdfsCluster = {
    httpPort: port,
    startMs,
    buildMs,
    command(cmd) {
      const run = queue.then(
        () =>
          new Promise<void>((resolve, reject) => {
            waiting.push((line) => {
              if (line === `OK ${cmd}`) resolve();
              else if (line.startsWith(`ERR ${cmd}`)) reject(new Error(`launcher: ${line}`));
              else return false;
              return true;
            });
            child.stdin?.write(`${cmd}\n`);
          }),
      );
      queue = run.catch(() => undefined);
      return run;
    },
    async stop() {
      child.stdin?.end();
      let t: NodeJS.Timeout | undefined;
      const code = await Promise.race([
        exited,
        new Promise<'timeout'>((resolve) => {
          t = setTimeout(() => resolve('timeout'), 20_000);
        }),
      ]);
      clearTimeout(t);
      if (code === 'timeout') child.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
    },
  };
  return { cluster };
}

/** Builds (if needed) and starts the launcher; `{ skip }` with the reason when this machine cannot. */
export async function startHdfs(): Promise<HdfsStart> {
  const started = await startOrSkip();
  if (started.skip !== undefined && process.env.SPARKLING_REQUIRE_HDFS === '1') {
    throw new Error(`SPARKLING_REQUIRE_HDFS=1 but HDFS cannot run here: ${started.skip}`);
  }
  return started;
}

async function startOrSkip(): Promise<HdfsStart> {
  if (!has(JAVA, ['-version'])) {
    return { skip: `Java not found (${JAVA}; the HDFS launcher needs Java 17 or later)` };
  }
  const built = await build();
  if ('skip' in built) return { skip: built.skip };
  return launch(built.ms);
}
