/**
 * `groupByKey` and `join` of two pair RDDs of 1 M records each (issue 3),
 * against a hand-written `Map`-based group and hash join in the same process.
 * Keys are drawn uniformly from 500 k integers, so a key has about 2 values
 * per side and the join gives about 2 M records. Every system materialises
 * its full result (`collect()`, an array for the baselines; pysparkling and
 * PySpark turn each group into a list). pysparkling and PySpark `local[2]`,
 * when installed, run on the same records (their keys read from binary files
 * written once in `bench/data/`), each timing itself with its
 * interpreter/JVM start-up left out (given in the note).
 *
 *   npx tsx bench/group-join.ts [--n 1000000] [--keys 500000] [--no-python] [--repeat n] [--no-memory]
 */
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';
import { ensureJoinFiles, joinInputs } from './generate.js';
import { type Check, pythonSystems, runCases } from './harness.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '500000' },
    'no-python': { type: 'boolean', default: false },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const n = Number(values.n);
const k = Number(values.keys);
const params = `two inputs of ${n.toLocaleString('en')} \`[int key, number]\` records in arrays, keys uniform over ${k.toLocaleString('en')} integers; Context defaults (${new Context().defaultParallelism} partitions).`;

function groupSummary(groups: Iterable<readonly [number, readonly number[]]>): Check {
  let keys = 0;
  let values = 0;
  let sum = 0;
  for (const [key, vs] of groups) {
    keys++;
    values += vs.length;
    for (const v of vs) sum += (key % 1000) * v;
  }
  return `${keys} groups, ${values} values, checksum ${sum}`;
}

function joinSummary(rows: Iterable<readonly [number, readonly [number, number]]>): Check {
  let count = 0;
  let sum = 0;
  for (const [key, [l, r]] of rows) {
    count++;
    sum += (key % 1000) * l + r;
  }
  return `${count} joined records, checksum ${sum}`;
}

function handGroup(pairs: readonly [number, number][]): [number, number[]][] {
  const groups = new Map<number, number[]>();
  for (const [key, v] of pairs) {
    const g = groups.get(key);
    if (g === undefined) groups.set(key, [v]);
    else g.push(v);
  }
  return [...groups];
}

function handJoin(left: readonly [number, number][], right: readonly [number, number][]) {
  const index = new Map<number, number[]>();
  for (const [key, w] of right) {
    const g = index.get(key);
    if (g === undefined) index.set(key, [w]);
    else g.push(w);
  }
  const out: [number, [number, number]][] = [];
  for (const [key, v] of left) {
    const ws = index.get(key);
    if (ws !== undefined) for (const w of ws) out.push([key, [v, w]]);
  }
  return out;
}

await runCases(import.meta.url, [
  {
    id: 'group',
    title: 'groupByKey of 1 M records',
    params,
    baseline: 'hand-written Map group',
    units: [{ amount: n / 1e6, unit: 'M records/s' }],
    setup: () => {
      const [left] = joinInputs(n, k);
      const sc = new Context();
      return [
        { name: 'hand-written Map group', run: () => groupSummary(handGroup(left)) },
        {
          name: 'sparkling',
          run: async () => groupSummary(await sc.parallelize(left).groupByKey().collect()),
        },
        ...pythonSystems(values['no-python'], 'shuffles.py', (system) => [
          'group',
          system,
          ensureJoinFiles(n, k).left,
        ]),
      ];
    },
  },
  {
    id: 'join',
    title: 'join of two 1 M-record RDDs',
    params,
    baseline: 'hand-written hash join',
    units: [{ amount: (2 * n) / 1e6, unit: 'M input records/s' }],
    setup: () => {
      const [left, right] = joinInputs(n, k);
      const sc = new Context();
      return [
        { name: 'hand-written hash join', run: () => joinSummary(handJoin(left, right)) },
        {
          name: 'sparkling',
          run: async () => joinSummary(await sc.parallelize(left).join(sc.parallelize(right)).collect()),
        },
        ...pythonSystems(values['no-python'], 'shuffles.py', (system) => {
          const { left, right } = ensureJoinFiles(n, k);
          return ['join', system, left, right];
        }),
      ];
    },
  },
]);
