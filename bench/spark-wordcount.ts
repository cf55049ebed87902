/**
 * Word count of a generated text file (200 MB by default) on Spark — the
 * 2-worker test cluster — against the same program in local mode with
 * `workers: 2`, in the same run: textFile → flatMap → filter → map →
 * reduceByKey(4) → count of distinct words (the shuffle's reduce side and
 * all). For the Spark run, where the time goes, from Spark's REST API: each
 * stage's tasks, their summed run time (the JVM side of a task waits for its
 * Node executor, so this is the Node processes' wall time), the executors'
 * JVM CPU, input and shuffle bytes.
 *
 *   bash spec/spark/cluster.sh run npx tsx bench/spark-wordcount.ts [--mb 200] [--repeat 2]
 *
 * Master: --master, else SPARKLING_SPARK_MASTER (cluster.sh exports it), else local[2].
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Context } from '../lib/index.js';
import { BRIDGE_JAR } from '../lib/spark/bridge.js';
import type { SparkCluster } from '../lib/spark/cluster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const { values } = parseArgs({
  options: {
    master: { type: 'string' },
    mb: { type: 'string', default: '200' },
    repeat: { type: 'string', default: '2' },
  },
});
const mb = Number(values.mb);
const repeat = Number(values.repeat);
const master = values.master ?? process.env.SPARKLING_SPARK_MASTER ?? 'local[2]';

function sparkHome(): string | undefined {
  if (process.env.SPARK_HOME) return process.env.SPARK_HOME;
  const lib = path.join(root, '.cache', 'venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const home = path.join(lib, py, 'site-packages', 'pyspark');
    if (existsSync(path.join(home, 'bin', 'spark-submit'))) return home;
  }
  return undefined;
}
const home = sparkHome();
if (home === undefined || !existsSync(BRIDGE_JAR)) {
  console.log(`## spark wordcount\n\n_skipped: no Spark or no bridge jar._\n`);
  process.exit(0);
}

/** About `size` MB of text: lines of 1 to 12 words from a skewed vocabulary of 20,000 (made once). */
async function corpus(size: number): Promise<string> {
  const file = path.join(root, 'bench', 'data', `spark-words-${size}mb.txt`);
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  let s = 42;
  const rnd = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const vocab = Array.from({ length: 20_000 }, (_, i) => `w${i.toString(36)}${'xyz'[i % 3]}`);
  const chunks: string[] = [];
  let total = 0;
  while (total < size * 1e6) {
    const lines: string[] = [];
    for (let l = 0; l < 10_000; l++) {
      const n = 1 + Math.floor(rnd() * 12);
      const ws: string[] = [];
      for (let i = 0; i < n; i++) ws.push(vocab[Math.floor(rnd() ** 3 * vocab.length)] as string);
      lines.push(ws.join(' '));
    }
    const chunk = `${lines.join('\n')}\n`;
    chunks.push(chunk);
    total += chunk.length;
  }
  await writeFile(file, chunks.join(''));
  return file;
}

const wordCount = (sc: Context, file: string) =>
  sc
    .textFile(file, 2)
    .flatMap((line) => line.split(' '))
    .filter((w) => w !== '')
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b, 4)
    .count();

const timed = async <T>(f: () => Promise<T>): Promise<[number, T]> => {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
};

interface StageInfo {
  stageId: number;
  name: string;
  numTasks: number;
  executorRunTime: number;
  executorCpuTime: number;
  inputBytes: number;
  shuffleWriteBytes: number;
  shuffleReadBytes: number;
  status: string;
}

const file = await corpus(mb);
const bytes = statSync(file).size;
const loadBefore = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const local = new Context({ workers: 2, defaultParallelism: 2 });
const spark = new Context({
  master,
  defaultParallelism: 2,
  spark: {
    home,
    conf: { 'spark.ui.port': 0, 'spark.executor.memory': '512m', 'spark.driver.memory': '512m' },
  },
});
try {
  const [startMs] = await timed(() => spark.parallelize([1], 1).count());
  const localMs: number[] = [];
  const sparkMs: number[] = [];
  let words = 0;
  let sparkWords = 0;
  for (let i = 0; i < repeat; i++) {
    const [l, n] = await timed(() => wordCount(local, file));
    const [s, m] = await timed(() => wordCount(spark, file));
    localMs.push(l);
    sparkMs.push(s);
    words = n;
    sparkWords = m;
  }
  if (words !== sparkWords) throw new Error(`different answers: ${words} locally, ${sparkWords} on Spark`);
  const bridge = await (spark._runtime.cluster as SparkCluster).bridge();
  const api = `${bridge.info.uiUrl}/api/v1/applications/${bridge.info.applicationId}`;
  const jobs = (await (await fetch(`${api}/jobs`)).json()) as { jobId: number; stageIds: number[] }[];
  const last = jobs.reduce((a, b) => (a.jobId > b.jobId ? a : b));
  const stages = ((await (await fetch(`${api}/stages`)).json()) as StageInfo[]).filter(
    (s) => last.stageIds.includes(s.stageId) && s.status === 'COMPLETE',
  );
  const best = (xs: number[]) => Math.min(...xs);
  const loadAfter = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');
  console.log(`## spark wordcount, ${mb} MB\n`);
  console.log(
    `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${os.cpus().length} CPUs, Node ${process.version}, ${master} (Spark ${bridge.info.sparkVersion}), ${(bytes / 1e6).toFixed(0)} MB, ${words} distinct words.\n`,
  );
  console.log('| run | seconds (best of ' + repeat + ') | all runs | MB/s |');
  console.log('|---|---:|---|---:|');
  const row = (name: string, ms: number[]) =>
    console.log(
      `| ${name} | ${(best(ms) / 1000).toFixed(1)} | ${ms.map((x) => (x / 1000).toFixed(1)).join(', ')} | ${(bytes / 1e6 / (best(ms) / 1000)).toFixed(1)} |`,
    );
  row('local mode, `workers: 2`', localMs);
  row(`Spark, ${master}`, sparkMs);
  console.log(
    `\nSpark application start and a first trivial job: ${(startMs / 1000).toFixed(1)} s (not in the rows).\n`,
  );
  console.log('Where the last Spark run spent its time (Spark REST API, per stage):\n');
  console.log(
    '| stage | tasks | task time, summed (s) | JVM CPU (s) | input MB | shuffle write MB | shuffle read MB |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const s of stages.sort((a, b) => a.stageId - b.stageId))
    console.log(
      `| ${s.stageId} ${s.name.split(' ')[0]} | ${s.numTasks} | ${(s.executorRunTime / 1000).toFixed(1)} | ${(s.executorCpuTime / 1e9).toFixed(1)} | ${(s.inputBytes / 1e6).toFixed(1)} | ${(s.shuffleWriteBytes / 1e6).toFixed(1)} | ${(s.shuffleReadBytes / 1e6).toFixed(1)} |`,
    );
  console.log(`\n_bench/spark-wordcount.ts; load average before and after: ${loadBefore} / ${loadAfter}._`);
} finally {
  local.stop();
  spark.stop();
}
