/**
 * The Spark bridge (spark/bridge + lib/spark/bridge.ts) on a real standalone
 * cluster of one master and two 1-core workers (spec/spark/cluster.sh), with
 * the stand-in executor (stand-in-executor.ts) in the pipes. One bridge (one
 * Spark application) serves every test; the tests run serially, in order.
 * Without Java or Spark every test is reported as skipped with the reason;
 * SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import { PathExistsError, PathNotFoundError, TaskError } from '../../lib/index.js';
import { SparkBridge } from '../../lib/spark/bridge.js';
import { SparkBridgeError, SparkJobError } from '../../lib/spark/errors.js';
import type { RddSpec } from '../../lib/spark/protocol.js';
import {
  alive,
  buildBridge,
  bundleStandIn,
  type Cluster,
  eventually,
  getJson,
  holdCluster,
  ROOT,
  rejects,
  SPARK_SPEC_CONF,
  seeded,
  sparkTests,
  useCluster,
} from './harness.js';
import { fnv1a, words } from './words.js';

/** Serial tests when Spark can run here; skipped ones, the reason in the title, when it cannot. */
const { home: sparkHome, sparkTest, setupFailed } = sparkTests(180_000);
let cluster: Cluster;
let bridge: SparkBridge;
let executor: string;
let work: string;
/** The stand-in executor as a pipe command. */
const stand = (...args: (string | number)[]): string[] => [process.execPath, executor, ...args.map(String)];

if (sparkHome !== undefined) {
  const home = sparkHome;
  test.before(async (t) => {
    t.timeout(1_800_000);
    try {
      work = await mkdtemp(path.join(os.tmpdir(), 'sparkling-spark-spec-'));
      process.once('exit', () => execFileSync('rm', ['-rf', work]));
      const buildMs = await buildBridge(home);
      if (buildMs > 0) t.log(`built the bridge jar in ${buildMs} ms`);
      executor = await bundleStandIn(work);
      cluster = await useCluster(home);
      const waited = await holdCluster(cluster);
      if (waited > 1000) t.log(`waited ${waited} ms for the cluster (another spec file's application)`);
      bridge = await SparkBridge.start({
        master: cluster.master,
        home,
        appName: 'sparkling-bridge-spec',
        env: cluster.env,
        conf: { ...SPARK_SPEC_CONF, 'spark.ui.showConsoleProgress': false },
      });
      t.log(`bridge ready in ${bridge.startMs} ms: ${bridge.info.applicationId} on ${bridge.info.master}`);
    } catch (e) {
      setupFailed(e);
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

/** A tgz holding the stand-in executor as executor.mjs (made once). */
let tools: string | undefined;
async function toolsArchive(): Promise<string> {
  if (tools === undefined) {
    const dir = path.join(work, 'tools');
    await mkdir(dir, { recursive: true });
    await copyFile(executor, path.join(dir, 'executor.mjs'));
    tools = path.join(work, 'tools.tgz');
    execFileSync('tar', ['czf', tools, '-C', dir, 'executor.mjs']);
  }
  return tools;
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
  // The executor's working directory, where shipped files are, as an absolute path.
  t.regex(again.partitions[0]?.[0] ?? '', /^sparkling \/.+\/app-[\d-]+\/\d+$/);
});

sparkTest('shipped files and archives reach every executor, where {{SPARK_FILES}} says', async (t) => {
  const ship = path.join(work, 'ship');
  await mkdir(path.join(ship, 'tools'), { recursive: true });
  await copyFile(executor, path.join(ship, 'shipped-executor.mjs'));
  await bridge.addFile(path.join(ship, 'shipped-executor.mjs'));
  await bridge.addFile(`${await toolsArchive()}#tools`, { archive: true });
  const { partitions } = await collect(
    [
      { id: 's', kind: 'slices', slices: [['a'], ['b']] },
      {
        id: 'f',
        kind: 'pipe',
        input: 's',
        command: [process.execPath, '{{SPARK_FILES}}/shipped-executor.mjs', 'upper'],
      },
      {
        id: 'a',
        kind: 'pipe',
        input: 'f',
        command: [process.execPath, '{{SPARK_FILES}}/tools/executor.mjs', 'tag', 'T'],
      },
    ],
    'a',
  );
  t.deepEqual(partitions, [['T|A'], ['T|B']]);
});

sparkTest("framing 'raw' is Spark's own pipe: the command's lines, nothing added", async (t) => {
  const { partitions } = await collect(
    [
      { id: 's', kind: 'slices', slices: [['b', 'a'], ['c'], []] },
      { id: 'r', kind: 'pipe', input: 's', command: ['sort'], framing: 'raw' },
    ],
    'r',
  );
  t.deepEqual(partitions, [['a', 'b'], ['c'], []]);
});

sparkTest(
  'word count: pipe → ordered shuffle → pipe equals the local answer; partition i holds the words keyed i',
  async (t) => {
    const text = corpus(8, 2);
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
    t.log(`8 MB word count: ${result.metrics.ms} ms, ${result.metrics.tasks} tasks`);
  },
);

sparkTest(
  'shuffle: reduce partition i gets exactly the lines keyed i, in map order (or any order with order none)',
  async (t) => {
    const rnd = seeded(3);
    const slices = Array.from({ length: 4 }, (_, s) =>
      Array.from({ length: 300 + s * 50 }, (_, i) => `${Math.floor(rnd() * 1000)}:${s}.${i}`),
    );
    const n = 5;
    const rdds: RddSpec[] = [
      { id: 'src', kind: 'slices', slices },
      { id: 'routed', kind: 'pipe', input: 'src', command: stand('route', n) },
      { id: 'ordered', kind: 'shuffle', input: 'routed', partitions: n },
      { id: 'unordered', kind: 'shuffle', input: 'routed', partitions: n, order: 'none' },
    ];
    await bridge.define(rdds);
    const expected = Array.from({ length: n }, (_, p) =>
      slices.flat().filter((l) => Number(l.split(':')[0]) % n === p),
    );
    t.deepEqual((await collect([], 'ordered')).partitions, expected);
    const unordered = (await collect([], 'unordered')).partitions;
    t.deepEqual(
      unordered.map((ls) => [...ls].sort()),
      expected.map((ls) => [...ls].sort()),
    );
    await bridge.release(rdds.map((r) => r.id));
  },
);

sparkTest('union: tagged inputs meet in one shuffle, partitions of the first input first', async (t) => {
  const rdds: RddSpec[] = [
    { id: 'l', kind: 'slices', slices: [['1:a', '2:b'], ['3:c']] },
    { id: 'r', kind: 'slices', slices: [['2:x'], ['4:y', '1:z']] },
    { id: 'lt', kind: 'pipe', input: 'l', command: stand('tag', 'L') },
    { id: 'rt', kind: 'pipe', input: 'r', command: stand('tag', 'R') },
    { id: 'u', kind: 'union', inputs: ['lt', 'rt'] },
  ];
  const all = await collect(rdds, 'u');
  t.deepEqual(all.partitions, [['L|1:a', 'L|2:b'], ['L|3:c'], ['R|2:x'], ['R|4:y', 'R|1:z']]);
});

sparkTest('first(): a job over partition 0 of a 20-split file runs one task (Spark REST API)', async (t) => {
  const file = path.join(work, 'twenty.txt');
  await writeFile(file, corpus(1, 4));
  const parts = await bridge.define([
    { id: 'twenty', kind: 'textFile', path: file, minPartitions: 20 },
    { id: 'twenty-up', kind: 'pipe', input: 'twenty', command: stand('upper') },
  ]);
  t.true((parts.twenty as number) >= 20);
  const { partitions, result } = await collect([], 'twenty-up', { partitions: [0], limit: 1 });
  t.is(partitions.length, 1);
  t.is(partitions[0]?.length, 1);
  t.is(result.metrics.tasks, 1);
  t.is(result.metrics.sparkJobs.length, 1);
  const api = `${bridge.info.uiUrl}/api/v1/applications/${bridge.info.applicationId}`;
  const jobId = result.metrics.sparkJobs[0] as number;
  const job = await eventually('the job in the REST API', 30_000, async () => {
    const j = await getJson<{ status: string; stageIds: number[]; numTasks: number }>(`${api}/jobs/${jobId}`);
    return j.status === 'SUCCEEDED' ? j : undefined;
  });
  t.is(job.numTasks, 1);
  const stages = await getJson<
    { stageId: number; numTasks: number; numCompleteTasks: number; status: string }[]
  >(`${api}/stages`);
  const ran = stages.filter((s) => job.stageIds.includes(s.stageId) && s.status !== 'SKIPPED');
  t.is(ran.length, 1);
  t.is(ran[0]?.numTasks, 1);
  t.is(ran[0]?.numCompleteTasks, 1);
  await bridge.release(['twenty', 'twenty-up']);
});

// --- Failures ---

sparkTest('a task that fails on its first attempt only is retried: the result is exact', async (t) => {
  const markers = path.join(work, 'fail-once');
  await mkdir(markers);
  const slices = Array.from({ length: 4 }, (_, s) => Array.from({ length: 2000 }, (_, i) => `${s}-${i}`));
  const { partitions, result } = await collect(
    [
      { id: 's', kind: 'slices', slices },
      { id: 'f', kind: 'pipe', input: 's', command: stand('fail-once', markers) },
    ],
    'f',
  );
  t.deepEqual(partitions, slices);
  t.is(result.failures.length, 4);
  t.is(result.metrics.failedTasks, 4);
  t.is(result.metrics.tasks, 8);
  for (const f of result.failures) {
    t.is(f.attempt, 0);
    t.is(f.class, 'sparkling.bridge.ExecutorFailure');
    t.regex(JSON.parse(f.message).message, /^injected failure in partition \d, attempt 0$/);
  }
});

sparkTest('trailer reports come back from the attempts Spark kept, never from a failed one', async (t) => {
  const markers = path.join(work, 'report-once');
  await mkdir(markers);
  const slices = [['a', 'b'], ['c'], []];
  const { partitions, result } = await collect(
    [
      { id: 's', kind: 'slices', slices },
      { id: 'r', kind: 'pipe', input: 's', command: stand('report-then-fail-once', markers) },
    ],
    'r',
  );
  t.deepEqual(partitions, slices);
  t.is(result.metrics.failedTasks, 3);
  const reports = result.reports.map((r) => JSON.parse(r.report)).sort((a, b) => a.partition - b.partition);
  t.deepEqual(reports, [
    { partition: 0, attempt: 1, lines: 2 },
    { partition: 1, attempt: 1, lines: 1 },
    { partition: 2, attempt: 1, lines: 0 },
  ]);
  t.deepEqual(
    result.reports.map((r) => r.attempt),
    [1, 1, 1],
  );
});

sparkTest(
  'a non-zero exit fails the task; once every attempt failed the job names the partition and attempts',
  async (t) => {
    const e = await rejects(
      t,
      collect(
        [
          { id: 's', kind: 'slices', slices: [['a'], ['b']] },
          { id: 'x', kind: 'pipe', input: 's', command: stand('exit', 3) },
        ],
        'x',
      ),
    );
    t.true(e instanceof SparkJobError, String(e));
    const err = e as SparkJobError;
    t.is(err.task?.attempts, 4);
    t.is(err.task?.class, 'sparkling.bridge.ExecutorExit');
    t.regex(err.task?.message ?? '', /^the executor exited with status 3 \(/);
    t.is(err.exceptionClass, 'org.apache.spark.SparkException');
    t.false(err.cancelled);
    t.regex(err.message, /^Spark job failed in partition \d of stage \d+ after 4 attempts/);
    t.true(err.failures.length >= 4);
  },
);

sparkTest(
  "an executor's error report comes back whole: a TaskError with the original name, message and stack",
  async (t) => {
    const e = await rejects(
      t,
      collect(
        [
          { id: 's', kind: 'slices', slices: [['a', 'b'], ['c']] },
          { id: 'x', kind: 'pipe', input: 's', command: stand('throw') },
        ],
        'x',
      ),
    );
    t.true(e instanceof SparkJobError, String(e));
    const err = e as SparkJobError;
    t.is(err.executorReport?.name, 'TypeError');
    t.regex(err.executorReport?.message ?? '', /^boom in partition \d$/);
    const task = err.toTaskError();
    t.true(task instanceof TaskError);
    t.is(task?.operator, 'map');
    t.is(task?.rddId, 7);
    t.is(task?.attempts, 4);
    t.is(task?.partition, err.task?.partition);
    const cause = task?.cause as Error;
    t.is(cause.name, 'TypeError');
    t.regex(cause.stack ?? '', /stand-in-executor/);
    t.regex(
      task?.message ?? '',
      /^map\[7\] failed in partition \d after 4 attempts: TypeError: boom in partition \d$/,
    );
  },
);

sparkTest(
  'an executor that exits 0 without its trailer fails the task (never a silent truncation)',
  async (t) => {
    const e = await rejects(
      t,
      collect(
        [
          { id: 's', kind: 'slices', slices: [['a', 'b', 'c']] },
          { id: 'x', kind: 'pipe', input: 's', command: stand('early-exit') },
        ],
        'x',
      ),
    );
    t.true(e instanceof SparkJobError, String(e));
    t.is((e as SparkJobError).task?.class, 'sparkling.bridge.ProtocolException');
    t.regex(
      (e as SparkJobError).task?.message ?? '',
      /ended after 1 lines without its end-of-output trailer/,
    );
  },
);

sparkTest(
  "an input that fails mid-partition fails the task with the input's own error; the executor saw no trailer",
  async (t) => {
    const good = zlib.gzipSync(corpus(1, 5));
    const file = path.join(work, 'truncated.txt.gz');
    await writeFile(file, good.subarray(0, Math.floor(good.length / 2)));
    const e = await rejects(
      t,
      collect(
        [
          { id: 'bad', kind: 'textFile', path: file },
          { id: 'up', kind: 'pipe', input: 'bad', command: stand('upper') },
        ],
        'up',
      ),
    );
    t.true(e instanceof SparkJobError, String(e));
    const err = e as SparkJobError;
    t.is(err.task?.class, 'java.io.EOFException');
    t.regex(err.task?.message ?? '', /Unexpected end of input stream/);
  },
);

sparkTest('the bridge keeps working after failed jobs', async (t) => {
  const { partitions } = await collect(
    [
      { id: 's', kind: 'slices', slices: [['still'], ['here']] },
      { id: 'u', kind: 'pipe', input: 's', command: stand('upper') },
    ],
    'u',
  );
  t.deepEqual(partitions, [['STILL'], ['HERE']]);
});

// --- Persist, save, cancel, one partition at a time ---

sparkTest(
  'persist: later jobs read the cached lines without running the executor; unpersist releases them',
  async (t) => {
    const runs = path.join(work, 'runs');
    await mkdir(runs);
    await bridge.define([
      { id: 'src', kind: 'slices', slices: [['a', 'b'], ['c'], ['d']] },
      { id: 'marked', kind: 'pipe', input: 'src', command: stand('mark', runs) },
    ]);
    await bridge.persist('marked');
    const first = await collect([], 'marked');
    t.is(readdirSync(runs).length, 3);
    const second = await collect([], 'marked');
    const count = await bridge.run({ action: { kind: 'count', rdd: 'marked' } });
    t.deepEqual(second.partitions, first.partitions);
    t.is(count.result.count, 4);
    t.is(readdirSync(runs).length, 3, 'read from the cache');
    await bridge.unpersist('marked', true);
    await collect([], 'marked');
    t.is(readdirSync(runs).length, 6, 'computed again');
    await bridge.release(['src', 'marked']);
  },
);

sparkTest(
  "saveAsTextFile: part files through Hadoop's committer, gzip and bzip2; an existing path is a PathExistsError",
  async (t) => {
    const slices = [['x1', 'x2'], [], ['y1']];
    await bridge.define([{ id: 'out-src', kind: 'slices', slices }]);
    for (const codec of [undefined, 'gzip', 'bzip2'] as const) {
      const out = path.join(work, `saved-${codec ?? 'plain'}`);
      const r = await bridge.run({
        action: { kind: 'save', rdd: 'out-src', path: out, ...(codec ? { codec } : {}) },
      });
      t.is(r.result.path, out);
      const suffix = codec === 'gzip' ? '.gz' : codec === 'bzip2' ? '.bz2' : '';
      const names = readdirSync(out).filter((n) => !n.startsWith('.'));
      t.deepEqual(names.sort(), [
        '_SUCCESS',
        `part-00000${suffix}`,
        `part-00001${suffix}`,
        `part-00002${suffix}`,
      ]);
      if (codec === 'gzip')
        t.is(zlib.gunzipSync(readFileSync(path.join(out, 'part-00000.gz'))).toString(), 'x1\nx2\n');
      if (codec === undefined) t.is(readFileSync(path.join(out, 'part-00002'), 'utf8'), 'y1\n');
      const back = await collect([{ id: 'back', kind: 'textFile', path: out }], 'back');
      t.deepEqual(back.partitions.flat().sort(), ['x1', 'x2', 'y1']);
    }
    const e = await rejects(
      t,
      bridge.run({ action: { kind: 'save', rdd: 'out-src', path: path.join(work, 'saved-plain') } }),
    );
    t.true(e instanceof PathExistsError, String(e));
    await bridge.release(['out-src']);
  },
);

sparkTest(
  'cancel: an aborted signal stops the job and its executor processes; the bridge keeps working',
  async (t) => {
    const pids = path.join(work, 'cancel-pids');
    await mkdir(pids);
    const controller = new AbortController();
    const reason = new Error('enough');
    const job = bridge.run(
      {
        rdds: [
          { id: 's', kind: 'slices', slices: [['a'], ['b']] },
          { id: 'slow', kind: 'pipe', input: 's', command: stand('sleep', 120_000, pids) },
        ],
        action: { kind: 'collect', rdd: 'slow' },
      },
      { signal: controller.signal },
    );
    job.catch(() => {});
    await eventually('executors running', 60_000, async () =>
      readdirSync(pids).length === 2 ? true : undefined,
    );
    controller.abort(reason);
    t.is(await rejects(t, job), reason);
    const started = readdirSync(pids).map((f) => Number(f.slice(4)));
    await eventually('executor processes gone', 60_000, async () =>
      started.every((p) => !alive(p)) ? true : undefined,
    );
    const { partitions } = await collect([{ id: 's', kind: 'slices', slices: [['ok']] }], 's');
    t.deepEqual(partitions, [['ok']]);
  },
);

sparkTest('toLocalIterator: partitions one at a time, one job (one task) each', async (t) => {
  const slices = [['a'], [], ['b', 'c'], ['d']];
  await bridge.define([{ id: 'it', kind: 'slices', slices }]);
  const seen: string[][] = [];
  for await (const lines of bridge.partitions('it', slices.length)) seen.push(lines);
  t.deepEqual(seen, slices);
  await bridge.release(['it']);
});

// --- A worker dies, the bridge stops, drivers that vanish ---

/** The worker (name, PID) whose web UI lists executor `id` of this application. */
async function workerOf(executorId: string): Promise<{ name: string; pid: number }> {
  const names = readdirSync(path.join(cluster.dir, 'ui'));
  for (const name of names) {
    const ui = readFileSync(path.join(cluster.dir, 'ui', name), 'utf8').trim();
    const pidFile = path.join(cluster.dir, 'pids', `${name}.pid`);
    if (!existsSync(pidFile)) continue;
    const w = await getJson<{ executors: { id: number; appid: string }[] }>(`${ui}/json/`).catch(
      () => undefined,
    );
    if (w?.executors.some((e) => String(e.id) === executorId && e.appid === bridge.info.applicationId)) {
      return { name, pid: Number(readFileSync(pidFile, 'utf8').trim()) };
    }
  }
  throw new Error(`no worker runs executor ${executorId}`);
}

async function activeExecutors(): Promise<number> {
  const api = `${bridge.info.uiUrl}/api/v1/applications/${bridge.info.applicationId}/executors`;
  const list = await getJson<{ id: string; isActive: boolean }[]>(api);
  return list.filter((e) => e.id !== 'driver' && e.isActive).length;
}

sparkTest(
  'a worker killed (SIGKILL) in the middle of a word count with a shuffle: the result is still exact',
  async (t) => {
    await eventually('two executors', 120_000, async () =>
      (await activeExecutors()) === 2 ? true : undefined,
    );
    const text = corpus(4, 6);
    const file = path.join(work, 'kill.txt');
    await writeFile(file, text);
    const expected = sortedPairs(localWordCount(text));
    let killed: { name: string; pid: number } | undefined;
    let killing: Promise<void> | undefined;
    const { partitions, result } = await bridge.collect(
      {
        rdds: [
          { id: 'text', kind: 'textFile', path: file, minPartitions: 8 },
          ...wordCountPlan('text', 3, [1000]),
        ],
        action: { kind: 'collect', rdd: 'wc-reduce' },
      },
      {
        onProgress: (p) => {
          if (killing) return;
          killing = (async () => {
            killed = await workerOf(p.executor);
            process.kill(killed.pid, 'SIGKILL');
            t.log(
              `killed ${killed.name} (pid ${killed.pid}) after stage ${p.stage} partition ${p.partition} ran on executor ${p.executor}`,
            );
          })();
        },
      },
    );
    await killing;
    t.truthy(killed);
    t.deepEqual(sortedPairs(merged(partitions)), expected);
    t.true(result.metrics.tasks > 8 + 3, `tasks run again: ${result.metrics.tasks}`);
    t.log(`failures: ${result.failures.map((f) => f.class).join(', ')}; tasks ${result.metrics.tasks}`);
    // The cluster gets its second worker back for the tests after the next one (and the next run).
    replacement = cluster.addWorker();
    replacement.catch(() => {});
  },
);

let replacement: Promise<{ name: string; pid: number }> | undefined;

async function appGone(app: string): Promise<true | undefined> {
  const master = await getJson<{ activeapps: { id: string }[]; completedapps: { id: string }[] }>(
    `${cluster.masterUi}/json/`,
  );
  if (master.activeapps.some((a) => a.id === app)) return undefined;
  for (const name of readdirSync(path.join(cluster.dir, 'ui'))) {
    const ui = readFileSync(path.join(cluster.dir, 'ui', name), 'utf8').trim();
    const w = await getJson<{ executors: { appid: string }[] }>(`${ui}/json/`).catch(() => undefined);
    if (w?.executors.some((e) => e.appid === app)) return undefined;
  }
  return true;
}

sparkTest(
  'stop() ends the Spark application: the JVM exits, the master lists it completed, no executor stays',
  async (t) => {
    const { pid } = bridge;
    const app = bridge.info.applicationId;
    await bridge.stop();
    t.false(alive(pid as number));
    t.false(bridge.running);
    await eventually('application finished', 60_000, () => appGone(app));
    const e = await rejects(t, bridge.run({ action: { kind: 'count', rdd: 'x' } }));
    t.true(e instanceof SparkBridgeError);
  },
);

/** Runs orphan-driver.ts; resolves with its first line (JSON) and the child. */
function orphan(mode: 'exit' | 'hang', master: string, pidDir: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(ROOT, 'spec/spark/orphan-driver.ts'),
      mode,
      master,
      sparkHome as string,
      executor,
      pidDir,
      tools as string,
    ],
    { env: { ...process.env, ...cluster.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const said = new Promise<{ pid: number; app: string; lines?: string[][] }>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    exited.then((code) => reject(new Error(`orphan-driver ${mode} exited (${code}) first:\n${err}`)));
  });
  return { child, said, exited };
}

sparkTest(
  'a driver that exits without stop() (local mode, an archive shipped) or is killed mid-job (on the cluster) leaves no bridge, application or executor behind',
  async (t) => {
    const pids = path.join(work, 'orphan-pids');
    await mkdir(pids);
    if (replacement) t.log(`${(await replacement).name} replaces the killed worker`);
    await toolsArchive();
    const quiet = orphan('exit', 'local[1]', path.join(work, 'unused'));
    const killed = orphan('hang', cluster.master, pids);
    const t0 = Date.now();
    const [a, b] = await Promise.all([quiet.said, killed.said]);
    t.log(`two drivers up and running after ${Date.now() - t0} ms`);
    // In local mode an archive is unpacked in the driver's SparkFiles directory, not the working one.
    t.deepEqual(a.lines, [['A'], ['B']]);
    // Without stop(), the idle bridge does not keep the program alive.
    t.is(await quiet.exited, 0);
    killed.child.kill('SIGKILL');
    await killed.exited;
    const executors = readdirSync(pids).map((f) => Number(f.slice(4)));
    t.true(executors.length > 0);
    const t1 = Date.now();
    await eventually('bridge JVMs gone', 90_000, async () =>
      !alive(a.pid) && !alive(b.pid) ? true : undefined,
    );
    t.log(`bridge JVMs gone after ${Date.now() - t1} ms`);
    await eventually('the application finished', 90_000, () => appGone(b.app));
    await eventually('executor processes gone', 60_000, async () =>
      executors.every((p) => !alive(p)) ? true : undefined,
    );
    t.log(`applications and executors gone after ${Date.now() - t1} ms`);
    t.pass();
  },
);
