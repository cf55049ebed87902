/**
 * `sortBy` of 5 M random numbers (issue 3) against
 * `Float64Array.prototype.sort` (copying the array into the typed array is
 * part of its time) in the same process; also `Array.prototype.sort` with a
 * numeric comparator, for scale. Target: within 2x of the typed-array sort.
 * `sortBy(x => x)` keeps one column (each key is its element) and reads the
 * sorted numbers back from the radix sort's patterns; a second sparkling row
 * sorts by a key that is not the element, the general path. Then pysparkling
 * and PySpark `local[2]`, when installed, sort the same numbers (read from a
 * binary file written once in `bench/data/`), each timing itself with its
 * interpreter/JVM start-up left out (given in the note).
 *
 *   npx tsx bench/sort.ts [--n 5000000] [--no-python] [--repeat n] [--no-memory]
 */
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';
import { ensureNumbersFile, randomNumbers } from './generate.js';
import { type Check, pythonSystems, runCases } from './harness.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '5000000' },
    'no-python': { type: 'boolean', default: false },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const n = Number(values.n);

/** Checks the order and summarises the contents. */
function summary(sorted: ArrayLike<number>): Check {
  let sum = 0;
  for (let i = 0; i < sorted.length; i++) {
    const x = sorted[i] as number;
    if (i > 0 && x < (sorted[i - 1] as number)) return `not sorted at ${i}`;
    sum += x * (i % 7);
  }
  return `${sorted.length} sorted, checksum ${sum}`;
}

await runCases(import.meta.url, [
  {
    id: 'sort',
    title: 'sortBy of 5 M random numbers',
    params: `${n.toLocaleString('en')} numbers uniform in [0, 1) in an array; \`sortBy(x => x).collect()\` with Context defaults (${new Context().defaultParallelism} partitions).`,
    baseline: 'Float64Array sort',
    units: [{ amount: n / 1e6, unit: 'M numbers/s' }],
    targets: [{ system: 'sparkling', time: 2 }],
    setup: () => {
      const numbers = randomNumbers(n);
      const sc = new Context();
      return [
        { name: 'Float64Array sort', run: () => summary(Float64Array.from(numbers).sort()) },
        { name: 'Array sort((a, b) => a - b)', run: () => summary(numbers.slice().sort((a, b) => a - b)) },
        {
          name: 'sparkling',
          run: async () =>
            summary(
              await sc
                .parallelize(numbers)
                .sortBy((x) => x)
                .collect(),
            ),
        },
        {
          // A key that is not the element: keys and values travel as two columns and the values are gathered.
          name: 'sparkling, sortBy(x => -x, false)',
          run: async () =>
            summary(
              await sc
                .parallelize(numbers)
                .sortBy((x) => -x, false)
                .collect(),
            ),
        },
        ...pythonSystems(values['no-python'], 'shuffles.py', (system) => [
          'sort',
          system,
          ensureNumbersFile(n),
        ]),
      ];
    },
  },
]);
