/**
 * What the Spark benchmarks share: where Spark is, a Context on it and one in
 * local mode, wall-clock timing, the load average, a seeded random generator
 * for their data, and the per-stage table of Spark's REST API.
 */
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Context } from '../lib/index.js';
import { BRIDGE_JAR } from '../lib/spark/bridge.js';
import type { SparkCluster } from '../lib/spark/cluster.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** SPARK_HOME, else the pyspark wheel installed in .cache/venv, else undefined. */
export function sparkHome(): string | undefined {
  if (process.env.SPARK_HOME) return process.env.SPARK_HOME;
  const lib = path.join(root, '.cache', 'venv', 'lib');
  if (!existsSync(lib)) return undefined;
  for (const py of readdirSync(lib)) {
    const home = path.join(lib, py, 'site-packages', 'pyspark');
    if (existsSync(path.join(home, 'bin', 'spark-submit'))) return home;
  }
  return undefined;
}

/** Spark's home, or prints the benchmark's "skipped" section and exits 0 when Spark or the bridge jar is missing. */
export function sparkHomeOrSkip(title: string): string {
  const home = sparkHome();
  if (home === undefined || !existsSync(BRIDGE_JAR)) {
    console.log(
      `## ${title}\n\n_skipped: ${home === undefined ? 'no Spark (SPARK_HOME or .cache/venv)' : `no bridge jar at ${BRIDGE_JAR}`}._\n`,
    );
    process.exit(0);
  }
  return home;
}

/** --master, else SPARKLING_SPARK_MASTER (spec/spark/cluster.sh exports it), else local[2]. */
export const sparkMaster = (flag: string | undefined): string =>
  flag ?? process.env.SPARKLING_SPARK_MASTER ?? 'local[2]';

/** The two Contexts the benchmarks compare: local mode with two worker threads, and Spark. */
export function contexts(master: string, home: string): { local: Context; spark: Context } {
  const local = new Context({ workers: 2, defaultParallelism: 2 });
  const spark = new Context({
    master,
    defaultParallelism: 2,
    spark: {
      home,
      conf: { 'spark.ui.port': 0, 'spark.executor.memory': '512m', 'spark.driver.memory': '512m' },
    },
  });
  return { local, spark };
}

/** `f()`'s wall time in ms, and its result. */
export async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [Number(process.hrtime.bigint() - t0) / 1e6, r];
}

export const best = (ms: number[]): number => Math.min(...ms);
export const seconds = (ms: number): string => (ms / 1000).toFixed(1);

/** The 1, 5 and 15 minute load averages, e.g. "3.1 4.0 5.2". */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/** "Run on <date> UTC: <CPUs>, Node <version>, <master> (Spark <version>)" for a benchmark's header line. */
export async function runHeader(spark: Context, master: string): Promise<string> {
  const bridge = await (spark._runtime.cluster as SparkCluster).bridge();
  return `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${os.cpus().length} CPUs, Node ${process.version}, ${master} (Spark ${bridge.info.sparkVersion})`;
}

/** A seeded generator of uniform numbers in [0, 1) (mulberry32): the same data on every machine. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = s;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

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

/** The Spark application's last job id so far (-1 before any): stages of later jobs belong to what runs next. */
export async function lastJobId(spark: Context): Promise<number> {
  const jobs = (await (await fetch(`${await restApi(spark)}/jobs`)).json()) as { jobId: number }[];
  return jobs.reduce((a, j) => Math.max(a, j.jobId), -1);
}

async function restApi(spark: Context): Promise<string> {
  const bridge = await (spark._runtime.cluster as SparkCluster).bridge();
  return `${bridge.info.uiUrl}/api/v1/applications/${bridge.info.applicationId}`;
}

/**
 * A Markdown table of the completed stages of the jobs after job `after` up to job `through`, from
 * Spark's REST API:
 * tasks, their summed run time (the JVM side of a task waits for its Node executor, so this is the
 * Node processes' wall time), the executors' JVM CPU, input and shuffle bytes.
 */
export async function stageTable(
  spark: Context,
  after: number,
  through = Number.POSITIVE_INFINITY,
): Promise<string> {
  const api = await restApi(spark);
  const jobs = (await (await fetch(`${api}/jobs`)).json()) as { jobId: number; stageIds: number[] }[];
  const ids = new Set(jobs.filter((j) => j.jobId > after && j.jobId <= through).flatMap((j) => j.stageIds));
  const stages = ((await (await fetch(`${api}/stages`)).json()) as StageInfo[]).filter(
    (s) => ids.has(s.stageId) && s.status === 'COMPLETE',
  );
  const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
  const lines = [
    '| stage | tasks | task time, summed (s) | JVM CPU (s) | input MB | shuffle write MB | shuffle read MB |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const s of stages.sort((a, b) => a.stageId - b.stageId))
    lines.push(
      `| ${s.stageId} ${s.name.split(' ')[0]} | ${s.numTasks} | ${seconds(s.executorRunTime)} | ${(s.executorCpuTime / 1e9).toFixed(1)} | ${mb(s.inputBytes)} | ${mb(s.shuffleWriteBytes)} | ${mb(s.shuffleReadBytes)} |`,
    );
  return lines.join('\n');
}
