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
import { existsSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Context } from '../lib/index.js';
import {
  best,
  contexts,
  lastJobId,
  loadAverage,
  random,
  root,
  runHeader,
  seconds,
  sparkHomeOrSkip,
  sparkMaster,
  stageTable,
  timed,
} from './spark-common.js';

const { values } = parseArgs({
  options: {
    master: { type: 'string' },
    mb: { type: 'string', default: '200' },
    repeat: { type: 'string', default: '2' },
  },
});
const mb = Number(values.mb);
const repeat = Number(values.repeat);
const master = sparkMaster(values.master);
const home = sparkHomeOrSkip('spark wordcount');

/** About `size` MB of text: lines of 1 to 12 words from a skewed vocabulary of 20,000 (made once). */
async function corpus(size: number): Promise<string> {
  const file = path.join(root, 'bench', 'data', `spark-words-${size}mb.txt`);
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const rnd = random(42);
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

const file = await corpus(mb);
const bytes = statSync(file).size;
const loadBefore = loadAverage();
const { local, spark } = contexts(master, home);
try {
  const [startMs] = await timed(() => spark.parallelize([1], 1).count());
  const localMs: number[] = [];
  const sparkMs: number[] = [];
  let words = 0;
  let sparkWords = 0;
  let before = -1;
  for (let i = 0; i < repeat; i++) {
    const [l, n] = await timed(() => wordCount(local, file));
    before = await lastJobId(spark);
    const [s, m] = await timed(() => wordCount(spark, file));
    localMs.push(l);
    sparkMs.push(s);
    words = n;
    sparkWords = m;
  }
  if (words !== sparkWords) throw new Error(`different answers: ${words} locally, ${sparkWords} on Spark`);
  const stages = await stageTable(spark, before);
  const loadAfter = loadAverage();
  console.log(`## spark wordcount, ${mb} MB\n`);
  console.log(
    `${await runHeader(spark, master)}, ${(bytes / 1e6).toFixed(0)} MB, ${words} distinct words.\n`,
  );
  console.log(`| run | seconds (best of ${repeat}) | all runs | MB/s |`);
  console.log('|---|---:|---|---:|');
  const row = (name: string, ms: number[]) =>
    console.log(
      `| ${name} | ${seconds(best(ms))} | ${ms.map(seconds).join(', ')} | ${(bytes / 1e6 / (best(ms) / 1000)).toFixed(1)} |`,
    );
  row('local mode, `workers: 2`', localMs);
  row(`Spark, ${master}`, sparkMs);
  console.log(
    `\nSpark application start and a first trivial job: ${seconds(startMs)} s (not in the rows).\n`,
  );
  console.log('Where the last Spark run spent its time (Spark REST API, per stage):\n');
  console.log(stages);
  console.log(`\n_bench/spark-wordcount.ts; load average before and after: ${loadBefore} / ${loadAfter}._`);
} finally {
  local.stop();
  spark.stop();
}
