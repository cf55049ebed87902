/**
 * The Spark bridge (spark/bridge and lib/spark): what a Spark application
 * costs to start, what a trivial job costs once it runs, and what a record
 * costs to cross from one executor process to the next through the JVM (the
 * pipe protocol of lib/spark/executor-io.ts), one JSON line per record against
 * JSON arrays of 1,000 records per line.
 *
 * The pipe figures come from the job `slices (one count per partition) →
 * pipe(gen) → pipe(consume) → collect`: `gen` makes the records
 * `[i, "k" + i % 1000]` and writes them, the bridge's pipe reads them and
 * feeds `consume`, which parses them. Its `none` row makes the records without
 * writing them (the cost of making them and of the processes); a record's cost
 * is the row's time less that one's, over the number of records. The
 * hand-written baseline does the same JSON.stringify and JSON.parse in one
 * process, with no pipe. Every executor reports the CPU time it used in its
 * trailer: the Node side's CPU per record, which the machine's other load
 * moves less than wall time.
 *
 *   npx tsx bench/spark.ts [--master M] [--records n (4,000,000)] [--jobs n (20)] [--repeat n (3)]
 *
 * Master: --master, else SPARKLING_SPARK_MASTER (`bash spec/spark/cluster.sh run npx tsx
 * bench/spark.ts` runs it on the 2-worker test cluster), else local[2]. Spark: SPARK_HOME or the
 * pyspark wheel in .cache/venv; the bridge jar must be built (`mvn -B -q -f spark/bridge/pom.xml
 * package`). Without them the benchmark says so and exits 0.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { SparkBridge } from '../lib/spark/bridge.js';
import type { RddSpec } from '../lib/spark/protocol.js';
import { sparkHomeOrSkip, sparkMaster } from './spark-common.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    master: { type: 'string' },
    records: { type: 'string', default: '4000000' },
    jobs: { type: 'string', default: '20' },
    repeat: { type: 'string', default: '3' },
  },
});
const records = Number(values.records);
const jobs = Number(values.jobs);
const repeat = Number(values.repeat);
const master = sparkMaster(values.master);

const home = sparkHomeOrSkip('spark');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};
const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))] as number;
};

const work = await mkdtemp(path.join(os.tmpdir(), 'sparkling-bench-spark-'));
const executor = path.join(work, 'executor.mjs');
await build({
  entryPoints: [path.join(here, 'spark-executor.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: executor,
  logLevel: 'error',
});
const exec = (...args: string[]): string[] => [process.execPath, executor, ...args];

const loadBefore = os
  .loadavg()
  .map((x) => x.toFixed(1))
  .join(' ');
const t0 = Date.now();
const bridge = await SparkBridge.start({
  master,
  home,
  appName: 'sparkling-bench',
  conf: { 'spark.ui.showConsoleProgress': false, 'spark.ui.port': 0 },
  env: { SPARK_LOCAL_IP: process.env.SPARK_LOCAL_IP ?? '127.0.0.1' },
});
const startMs = Date.now() - t0;
try {
  const parts = bridge.info.defaultParallelism;
  const trivial = {
    id: 't',
    kind: 'slices' as const,
    slices: Array.from({ length: parts }, (_, i) => [String(i)]),
  };
  const timed = async (f: () => Promise<unknown>): Promise<number> => {
    const s = process.hrtime.bigint();
    await f();
    return Number(process.hrtime.bigint() - s) / 1e6;
  };
  const count = () => bridge.run({ rdds: [trivial], action: { kind: 'count', rdd: 't' } });
  const piped = () =>
    bridge.collect({
      rdds: [trivial, { id: 'p', kind: 'pipe', input: 't', command: exec('count') }],
      action: { kind: 'collect', rdd: 'p' },
    });
  const firstMs = await timed(count);
  const firstPipeMs = await timed(piped);
  const countMs: number[] = [];
  const pipeMs: number[] = [];
  for (let i = 0; i < jobs; i++) {
    countMs.push(await timed(count));
    pipeMs.push(await timed(piped));
  }

  // The pipe protocol, per record.
  const per = Math.ceil(records / parts);
  const n = per * parts;
  const source = {
    id: 'n',
    kind: 'slices' as const,
    slices: Array.from({ length: parts }, () => [String(per)]),
  };
  const plan = (mode: 'none' | 'lines' | 'batch'): RddSpec[] => [
    source,
    { id: 'gen', kind: 'pipe', input: 'n', command: exec('gen', mode) },
    {
      id: 'out',
      kind: 'pipe',
      input: 'gen',
      command: mode === 'none' ? exec('count') : exec('consume', mode),
    },
  ];
  const modes = ['none', 'lines', 'batch'] as const;
  const best: Record<(typeof modes)[number], number> = { none: Infinity, lines: Infinity, batch: Infinity };
  /** Node CPU (ms) of all executor processes of the job, in the fastest round. */
  const nodeCpu: Record<(typeof modes)[number], number> = { none: 0, lines: 0, batch: 0 };
  for (const mode of modes)
    await bridge.collect({ rdds: plan(mode), action: { kind: 'collect', rdd: 'out' } });
  for (let r = 0; r < repeat; r++) {
    for (const mode of modes) {
      let cpuMs = 0;
      const ms = await timed(async () => {
        const { partitions, result } = await bridge.collect({
          rdds: plan(mode),
          action: { kind: 'collect', rdd: 'out' },
        });
        for (const r of result.reports) cpuMs += (JSON.parse(r.report) as { cpuUs: number }).cpuUs / 1000;
        if (mode !== 'none') {
          const got = partitions.reduce((s, p) => s + Number((p[0] ?? '0').split(' ')[0]), 0);
          if (got !== n) throw new Error(`${mode}: ${got} records arrived, ${n} sent`);
        }
      });
      if (ms < best[mode]) {
        best[mode] = ms;
        nodeCpu[mode] = cpuMs;
      }
    }
  }
  // Hand-written baseline: the same JSON in one process, no pipe.
  const local = (mode: 'lines' | 'batch'): number => {
    const s = process.hrtime.bigint();
    let check = 0;
    let batch: unknown[] = [];
    for (let i = 0; i < n; i++) {
      const record = [i, `k${i % 1000}`];
      if (mode === 'lines') check += (JSON.parse(JSON.stringify(record)) as [number])[0];
      else {
        batch.push(record);
        if (batch.length === 1000 || i === n - 1) {
          for (const x of JSON.parse(JSON.stringify(batch)) as [number][]) check += x[0];
          batch = [];
        }
      }
    }
    if (check < 0) throw new Error('unreachable');
    return Number(process.hrtime.bigint() - s) / 1e6;
  };
  const localLines = Math.min(...Array.from({ length: repeat }, () => local('lines')));
  const localBatch = Math.min(...Array.from({ length: repeat }, () => local('batch')));
  const ns = (ms: number): string => ((ms * 1e6) / n).toFixed(0);
  const over = (ms: number): string => (((ms - best.none) * 1e6) / n).toFixed(0);

  console.log(`## spark

### The bridge on ${bridge.info.master} (Spark ${bridge.info.sparkVersion}, ${parts} partitions)

| what | ms |
|---|---:|
| bridge start: spawn spark-submit → application ready | ${startMs} |
| first job (count over ${parts} driver slices; executors start on a cluster) | ${firstMs.toFixed(0)} |
| first job with a pipe (a Node executor per partition) | ${firstPipeMs.toFixed(0)} |
| trivial job, count over ${parts} driver slices: median (p90) of ${jobs} | ${median(countMs).toFixed(0)} (${pct(countMs, 0.9).toFixed(0)}) |
| trivial job with a pipe: median (p90) of ${jobs} | ${median(pipeMs).toFixed(0)} (${pct(pipeMs, 0.9).toFixed(0)}) |

### The pipe protocol: ${n.toLocaleString('en-US')} records from one Node executor to the next through the JVM

| records cross as | seconds | ns/record (wall) | ns/record over \`none\` | Node CPU ns/record (both processes) | over \`none\` | hand-written, one process (ns/record) |
|---|---:|---:|---:|---:|---:|---:|
| none (made and counted, not written) | ${(best.none / 1000).toFixed(2)} | ${ns(best.none)} | | ${ns(nodeCpu.none)} | | |
| one JSON line per record | ${(best.lines / 1000).toFixed(2)} | ${ns(best.lines)} | ${over(best.lines)} | ${ns(nodeCpu.lines)} | ${(((nodeCpu.lines - nodeCpu.none) * 1e6) / n).toFixed(0)} | ${ns(localLines)} |
| JSON arrays of 1,000 records per line | ${(best.batch / 1000).toFixed(2)} | ${ns(best.batch)} | ${over(best.batch)} | ${ns(nodeCpu.batch)} | ${(((nodeCpu.batch - nodeCpu.none) * 1e6) / n).toFixed(0)} | ${ns(localBatch)} |

_bench/spark.ts: fastest of ${repeat} interleaved rounds after a warm-up; ${parts} partitions run at once, so wall time per record is about half the CPU time spent on it; Node CPU is the executors' own (process.cpuUsage, in their trailers), the JVM's not included. Load average before and after: ${loadBefore} / ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}._
`);
} finally {
  await bridge.stop();
  await rm(work, { recursive: true, force: true });
}
