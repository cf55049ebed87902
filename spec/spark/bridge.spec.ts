/**
 * The Spark bridge (spark/bridge + lib/spark/bridge.ts) on a real standalone
 * cluster of one master and two 1-core workers (spec/spark/cluster.sh), with
 * the stand-in executor (stand-in-executor.ts) in the pipes. One bridge (one
 * Spark application) serves every test; the tests run serially, in order.
 * Without Java or Spark every test is reported as skipped with the reason;
 * SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { PathExistsError, PathNotFoundError, TaskError } from '../../lib/index.js';
import { SparkBridge } from '../../lib/spark/bridge.js';
import { SparkBridgeError, SparkJobError } from '../../lib/spark/errors.js';
import type { JobResult, RddSpec } from '../../lib/spark/protocol.js';
import {
  alive,
  buildBridge,
  bundleStandIn,
  type Cluster,
  eventually,
  getJson,
  machine,
  ROOT,
  useCluster,
} from './harness.js';
import { fnv1a, words } from './words.js';

const m = machine();
const skipReason = m.skip?.replace(/\s*\n\s*/g, ' | ').slice(0, 300);
if (m.skip !== undefined) console.warn(`Spark specs skipped: ${m.skip}`);

/** Serial tests when Spark can run here; skipped ones, the reason in the title, when it cannot. */
function sparkTest(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  if (m.home === undefined) {
    test.skip(`${title} [skipped: ${skipReason}]`, fn);
    return;
  }
  test.serial(title, async (t) => {
    t.timeout(180_000);
    if (setupError) throw setupError;
    await fn(t);
  });
}

let setupError: unknown;
let cluster: Cluster;
let bridge: SparkBridge;
let executor: string;
let work: string;
/** The stand-in executor as a pipe command. */
const stand = (...args: (string | number)[]): string[] => [process.execPath, executor, ...args.map(String)];

if (m.home !== undefined) {
  const home = m.home;
  test.before(async (t) => {
    t.timeout(600_000);
    try {
      work = await mkdtemp(path.join(os.tmpdir(), 'sparkling-spark-spec-'));
      process.once('exit', () => execFileSync('rm', ['-rf', work]));
      const buildMs = await buildBridge(home);
      if (buildMs > 0) t.log(`built the bridge jar in ${buildMs} ms`);
      executor = await bundleStandIn(work);
      cluster = await useCluster(home);
      bridge = await SparkBridge.start({
        master: cluster.master,
        home,
        appName: 'sparkling-bridge-spec',
        env: cluster.env,
        conf: {
          'spark.ui.port': 0,
          'spark.ui.showConsoleProgress': false,
          'spark.driver.memory': '512m',
          'spark.executor.memory': '512m',
          'spark.driver.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
          'spark.executor.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
        },
      });
      t.log(`bridge ready in ${bridge.startMs} ms: ${bridge.info.applicationId} on ${bridge.info.master}`);
    } catch (e) {
      setupError = e;
    }
  });
  test.after.always(async () => {
    await bridge?.stop();
  });
}

// --- Helpers ---

/** The lines of every partition of a job's collect, in partition order. */
async function collect(rdds: RddSpec[], rdd: string, extra: { partitions?: number[]; limit?: number } = {}) {
  return bridge.collect({ rdds, action: { kind: 'collect', rdd, ...extra } });
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** About `mb` MB of text: lines of 1 to 12 words from a skewed vocabulary of 20,000. */
function corpus(mb: number, seed: number): string {
  const rnd = seeded(seed);
  const vocab = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}${'xyz'[i % 3]}`);
  const lines: string[] = [];
  let size = 0;
  while (size < mb * 1e6) {
    const n = 1 + Math.floor(rnd() * 12);
    const ws: string[] = [];
    for (let i = 0; i < n; i++) ws.push(vocab[Math.floor(rnd() ** 3 * vocab.length)] as string);
    const line = ws.join(rnd() < 0.05 ? '  ' : ' ');
    lines.push(line);
    size += line.length + 1;
  }
  return `${lines.join('\n')}\n`;
}

function localWordCount(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) for (const w of words(line)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

const sortedPairs = (m: Map<string, number>): [string, number][] =>
  [...m].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

/** Word count as sparkling will run it: map stage → ordered shuffle → reduce stage. */
function wordCountPlan(input: string, reducers: number, mapArgs: (string | number)[] = []): RddSpec[] {
  return [
    { id: 'wc-map', kind: 'pipe', input, command: stand('wc-map', reducers, ...mapArgs) },
    { id: 'wc-shuffle', kind: 'shuffle', input: 'wc-map', partitions: reducers },
    { id: 'wc-reduce', kind: 'pipe', input: 'wc-shuffle', command: stand('wc-reduce') },
  ];
}

function merged(partitions: string[][]): Map<string, number> {
  const out = new Map<string, number>();
  for (const lines of partitions) {
    for (const line of lines) for (const [w, c] of JSON.parse(line) as [string, number][]) out.set(w, c);
  }
  return out;
}

async function rejects(t: ExecutionContext, p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  t.fail('expected a rejection');
  return undefined;
}

// --- The application ---

sparkTest('the bridge starts a Spark application on the cluster and describes it', async (t) => {
  const info = bridge.info;
  t.is(info.master, cluster.master);
  t.is(info.sparkVersion, '4.3.0');
  t.false(info.local);
  t.is(info.filesRoot, '.');
  t.regex(info.applicationId, /^app-/);
  t.truthy(info.uiUrl);
  const master = await getJson<{ activeapps: { id: string; name: string }[] }>(`${cluster.masterUi}/json/`);
  t.true(master.activeapps.some((a) => a.id === info.applicationId && a.name === 'sparkling-bridge-spec'));
});

// --- Sources ---

sparkTest('slices: partition i holds exactly the driver slice i, empty ones too', async (t) => {
  const slices = [['a', 'b', 'c'], [], ['d'], ['é ü 🎉', '\ttabbed\t', ''], []];
  const parts = await bridge.define([{ id: 'sl', kind: 'slices', slices }]);
  t.deepEqual(parts, { sl: 5 });
  const { partitions } = await collect([], 'sl');
  t.deepEqual(partitions, slices);
  const none = await collect([{ id: 'e', kind: 'slices', slices: [] }], 'e');
  t.deepEqual(none.partitions, []);
  await bridge.release(['sl']);
});

sparkTest('textFile: Hadoop splits (minPartitions), every line once, gzip read whole', async (t) => {
  const text = corpus(1, 1);
  const file = path.join(work, 'lines.txt');
  await writeFile(file, text);
  await writeFile(`${file}.gz`, zlib.gzipSync(text));
  const lines = text.slice(0, -1).split('\n');
  const parts = await bridge.define([
    { id: 'plain', kind: 'textFile', path: file, minPartitions: 7 },
    { id: 'gz', kind: 'textFile', path: `${file}.gz`, minPartitions: 7 },
  ]);
  t.true((parts.plain as number) >= 7);
  t.is(parts.gz, 1);
  const plain = await collect([], 'plain');
  t.is(plain.partitions.length, parts.plain as number);
  t.deepEqual(plain.partitions.flat(), lines);
  t.deepEqual((await collect([], 'gz')).partitions.flat(), lines);
  await bridge.release(['plain', 'gz']);
});

sparkTest('a missing input path is a PathNotFoundError naming it', async (t) => {
  const missing = path.join(work, 'no-such-file.txt');
  const e = await rejects(t, bridge.define([{ id: 'x', kind: 'textFile', path: missing }]));
  t.true(e instanceof PathNotFoundError, String(e));
  t.true((e as PathNotFoundError).path.endsWith(missing));
});

// --- Pipes ---

sparkTest('pipe: the executor reads a header (partition, attempt, data) and its env', async (t) => {
  const data = { stage: 'encoded', n: [1, 2] };
  const { partitions } = await collect(
    [
      { id: 's', kind: 'slices', slices: [['x'], ['y', 'z'], []] },
      { id: 'h', kind: 'pipe', input: 's', command: stand('header'), data },
      {
        id: 'e',
        kind: 'pipe',
        input: 's',
        command: stand('env', 'WHO'),
        env: { WHO: 'sparkling {{SPARK_FILES}}' },
      },
    ],
    'h',
  );
  t.is(partitions.length, 3);
  partitions.forEach((lines, i) => {
    const header = JSON.parse(lines[0] as string) as Record<string, unknown>;
    t.is(header.partition, i);
    t.is(header.attempt, 0);
    t.deepEqual(header.data, data);
    t.is(typeof header.token, 'string');
    t.is(lines[1], String([1, 2, 0][i]));
  });
  const env = await collect([], 'e').catch(() => undefined);
  t.is(env, undefined, 'job-local nodes are gone after their job');
  const again = await collect(
    [
      { id: 's', kind: 'slices', slices: [['x']] },
      {
        id: 'e',
        kind: 'pipe',
        input: 's',
        command: stand('env', 'WHO'),
        env: { WHO: 'sparkling {{SPARK_FILES}}' },
      },
    ],
    'e',
  );
  t.deepEqual(again.partitions, [['sparkling .']]);
});

sparkTest(
  'word count: pipe → ordered shuffle → pipe equals the local answer; partition i holds the words keyed i',
  async (t) => {
    const text = corpus(16, 2);
    const file = path.join(work, 'words.txt');
    await writeFile(file, text);
    const expected = localWordCount(text);
    const reducers = 3;
    const { partitions, result } = await collect(
      [{ id: 'text', kind: 'textFile', path: file, minPartitions: 6 }, ...wordCountPlan('text', reducers)],
      'wc-reduce',
    );
    t.is(partitions.length, reducers);
    t.deepEqual(sortedPairs(merged(partitions)), sortedPairs(expected));
    partitions.forEach((lines, p) => {
      for (const line of lines)
        for (const [w] of JSON.parse(line) as [string, number][]) t.is(fnv1a(w) % reducers, p);
    });
    t.is(result.metrics.stages.length, 2);
    t.log(`16 MB word count: ${result.metrics.ms} ms, ${result.metrics.tasks} tasks`);
  },
);
