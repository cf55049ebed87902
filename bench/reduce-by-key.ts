/**
 * `reduceByKey` over `[int key, 1]` pairs (issue 3): 10 M pairs with 100 k
 * distinct keys by default, held in an array, against a hand-written `Map`
 * loop in the same process; also pysparkling and PySpark `local[2]`, when
 * installed, on the same pairs (their keys read from a binary file written
 * once in `bench/data/`), each timing itself with its interpreter/JVM
 * start-up left out (given in the note).
 *
 *   npx tsx bench/reduce-by-key.ts [--n 10000000] [--keys 100000] [--no-python] [--repeat n] [--no-memory]
 */
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';
import { ensureKeyOneFile, keyOnePairs } from './generate.js';
import { type Check, pythonSystems, runCases } from './harness.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000000' },
    keys: { type: 'string', default: '100000' },
    'no-python': { type: 'boolean', default: false },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const n = Number(values.n);
const k = Number(values.keys);

function summary(counts: Iterable<readonly [number, number]>): Check {
  let distinct = 0;
  let total = 0;
  let weighted = 0;
  for (const [key, c] of counts) {
    distinct++;
    total += c;
    weighted += key * c;
  }
  return `${distinct} keys, ${total} records, Σkey·count ${weighted}`;
}

await runCases(import.meta.url, [
  {
    id: 'rbk',
    title: 'reduceByKey over [int key, 1] pairs',
    params: `${n.toLocaleString('en')} pairs in an array, ${k.toLocaleString('en')} distinct keys drawn uniformly; Context defaults (${new Context().defaultParallelism} partitions); \`.collect()\` of the counts.`,
    baseline: 'hand-written Map loop',
    units: [{ amount: n / 1e6, unit: 'M pairs/s' }],
    setup: () => {
      const pairs = keyOnePairs(n, k);
      const sc = new Context();
      return [
        {
          name: 'hand-written Map loop',
          run: () => {
            const counts = new Map<number, number>();
            for (const [key, v] of pairs) counts.set(key, (counts.get(key) ?? 0) + v);
            return summary(counts);
          },
        },
        {
          name: 'sparkling',
          run: async () =>
            summary(
              await sc
                .parallelize(pairs)
                .reduceByKey((a, b) => a + b)
                .collect(),
            ),
        },
        ...pythonSystems(values['no-python'], 'shuffles.py', (system) => [
          'rbk',
          system,
          ensureKeyOneFile(n, k),
        ]),
      ];
    },
  },
]);
