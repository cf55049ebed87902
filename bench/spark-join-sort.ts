/**
 * A join and a sortBy on Spark — the 2-worker test cluster — against the same
 * programs in local mode with `workers: 2`, in the same run, alternating.
 *
 * The data is one generated text file of sales (2,000,000 lines, about 80 MB
 * by default; made once under bench/data/): `ts<TAB>user<TAB>cents<TAB>item`,
 * `ts` a distinct number per line in shuffled order, `user` one of 200,000
 * drawn with a skew (the busiest user has about 0.2% of the lines).
 *
 * - join: `textFile(f, 2).map(→ [user, cents])` joined into 4 partitions with
 *   `range(0, 200000, 1, 2).filter(u % 10 ≠ 0).map(→ ['u' + u, u % 13])` (a
 *   user table; a tenth of the users have no row, so their sales drop out),
 *   then `aggregate` into [count, checksum] (sum of cents × (region + 1) +
 *   the key's length), equal between local mode and Spark.
 * - sortBy: `textFile(f, 2).sortBy(line → its ts, true, 4)`, then a summary
 *   per partition (`mapPartitionsWithIndex`: count, first and last line, an
 *   order-dependent checksum of the ts sequence, whether it is ascending),
 *   equal between local mode and Spark.
 *
 * For Spark, where the time goes, from Spark's REST API: each stage of the
 * last run's jobs (a sortBy runs a counting and a sampling job before the
 * sort itself, as in Spark).
 *
 *   bash spec/spark/cluster.sh run npx tsx bench/spark-join-sort.ts [--lines 2000000] [--repeat 2]
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
    lines: { type: 'string', default: '2000000' },
    repeat: { type: 'string', default: '2' },
  },
});
const lines = Number(values.lines);
const repeat = Number(values.repeat);
const master = sparkMaster(values.master);
const home = sparkHomeOrSkip('spark join and sortBy');
const USERS = 200_000;

/** The sales file of `n` lines (made once). */
async function sales(n: number): Promise<string> {
  const file = path.join(root, 'bench', 'data', `spark-sales-${n}.tsv`);
  if (existsSync(file)) return file;
  await mkdir(path.dirname(file), { recursive: true });
  const rnd = random(7);
  // i → i·step mod n is a permutation of 0..n-1 when step and n are coprime: distinct, shuffled ts.
  let step = 1_000_003;
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  while (gcd(step, n) !== 1) step += 2;
  const chunks: string[] = [];
  for (let i = 0; i < n; ) {
    const out: string[] = [];
    for (const end = Math.min(n, i + 10_000); i < end; i++) {
      const ts = 1_700_000_000 + ((i * step) % n) * 7;
      const user = Math.floor(rnd() ** 2 * USERS);
      const cents = Math.floor(rnd() * 100_000);
      const item = `item-${Math.floor(rnd() * 50_000).toString(36)}-${'abcdefgh'.slice(0, 1 + (i % 8))}`;
      out.push(`${ts}\tu${user}\t${cents}\t${item}`);
    }
    chunks.push(`${out.join('\n')}\n`);
  }
  await writeFile(file, chunks.join(''));
  return file;
}

const join = (sc: Context, file: string): Promise<[number, number]> =>
  sc
    .textFile(file, 2)
    .map((line): [string, number] => {
      const f = line.split('\t');
      return [f[1] as string, Number(f[2])];
    })
    .join(
      sc
        .range(0, USERS, 1, 2)
        .filter((u) => u % 10 !== 0)
        .map((u): [string, number] => [`u${u}`, u % 13]),
      4,
    )
    .aggregate(
      [0, 0] as [number, number],
      (acc, [k, [cents, region]]) => {
        acc[0] += 1;
        acc[1] += cents * (region + 1) + k.length;
        return acc;
      },
      (a, b) => [a[0] + b[0], a[1] + b[1]],
    );

type Summary = [
  index: number,
  count: number,
  first: string,
  last: string,
  checksum: number,
  ascending: boolean,
];

const sort = (sc: Context, file: string): Promise<Summary[]> =>
  sc
    .textFile(file, 2)
    .sortBy((line) => Number(line.slice(0, line.indexOf('\t'))), true, 4)
    .mapPartitionsWithIndex(async (index, it): Promise<Summary[]> => {
      let count = 0;
      let first = '';
      let last = '';
      let checksum = 0;
      let previous = Number.NEGATIVE_INFINITY;
      let ascending = true;
      for await (const line of it) {
        const ts = Number(line.slice(0, line.indexOf('\t')));
        if (count === 0) first = line;
        last = line;
        count++;
        if (ts < previous) ascending = false;
        previous = ts;
        checksum = (checksum * 31 + ts) % 2147483647;
      }
      return [[index, count, first, last, checksum, ascending]];
    })
    .collect();

const file = await sales(lines);
const bytes = statSync(file).size;
const loadBefore = loadAverage();
const { local, spark } = contexts(master, home);
try {
  const [startMs] = await timed(() => spark.parallelize([1], 1).count());
  const ms = {
    joinLocal: [] as number[],
    joinSpark: [] as number[],
    sortLocal: [] as number[],
    sortSpark: [] as number[],
  };
  let joined: [[number, number], [number, number]] | undefined;
  let sorted: [Summary[], Summary[]] | undefined;
  let beforeJoin = -1;
  let afterJoin = -1;
  let beforeSort = -1;
  for (let i = 0; i < repeat; i++) {
    const [jl, a] = await timed(() => join(local, file));
    beforeJoin = await lastJobId(spark);
    const [js, b] = await timed(() => join(spark, file));
    afterJoin = await lastJobId(spark);
    const [sl, c] = await timed(() => sort(local, file));
    beforeSort = await lastJobId(spark);
    const [ss, d] = await timed(() => sort(spark, file));
    ms.joinLocal.push(jl);
    ms.joinSpark.push(js);
    ms.sortLocal.push(sl);
    ms.sortSpark.push(ss);
    joined = [a, b];
    sorted = [c, d];
  }
  if (joined === undefined || sorted === undefined) throw new Error('--repeat must be at least 1');
  if (JSON.stringify(joined[0]) !== JSON.stringify(joined[1]))
    throw new Error(`join: different answers: ${JSON.stringify(joined)}`);
  if (JSON.stringify(sorted[0]) !== JSON.stringify(sorted[1]))
    throw new Error(`sortBy: different answers: ${JSON.stringify(sorted)}`);
  if (!sorted[0].every((s) => s[5])) throw new Error('sortBy: a partition is not ascending');
  const joinStages = await stageTable(spark, beforeJoin, afterJoin);
  const sortStages = await stageTable(spark, beforeSort);
  const loadAfter = loadAverage();
  const [count, checksum] = joined[0];
  const parts = sorted[0];
  console.log(`## spark join and sortBy, ${(bytes / 1e6).toFixed(0)} MB\n`);
  console.log(
    `${await runHeader(spark, master)}, ${lines.toLocaleString('en')} lines, ${(bytes / 1e6).toFixed(0)} MB. ` +
      `Join: ${count.toLocaleString('en')} records, checksum ${checksum}; sortBy: partitions of ${parts.map((p) => p[1].toLocaleString('en')).join(' / ')} lines, ` +
      `first ts ${parts[0]?.[2].split('\t')[0]}, last ts ${parts.at(-1)?.[3].split('\t')[0]}, ascending in each; equal in local mode and on Spark.\n`,
  );
  console.log(
    `| program | local mode, \`workers: 2\` (s) | Spark (s) | Spark / local | all runs, local; Spark (s) |`,
  );
  console.log('|---|---:|---:|---:|---|');
  const row = (name: string, l: number[], s: number[]) =>
    console.log(
      `| ${name} | ${seconds(best(l))} | ${seconds(best(s))} | ${(best(s) / best(l)).toFixed(2)} | ${l.map(seconds).join(', ')}; ${s.map(seconds).join(', ')} |`,
    );
  row('join → aggregate', ms.joinLocal, ms.joinSpark);
  row('sortBy → per-partition summary', ms.sortLocal, ms.sortSpark);
  console.log(
    `\nBest of ${repeat}. Spark application start and a first trivial job: ${seconds(startMs)} s (not in the rows).\n`,
  );
  console.log('Where the last Spark join spent its time (Spark REST API, per stage):\n');
  console.log(joinStages);
  console.log('\nWhere the last Spark sortBy spent its time (its counting, sampling and sorting jobs):\n');
  console.log(sortStages);
  console.log(`\n_bench/spark-join-sort.ts; load average before and after: ${loadBefore} / ${loadAfter}._`);
} finally {
  local.stop();
  spark.stop();
}
