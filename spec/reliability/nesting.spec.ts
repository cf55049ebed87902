/** Misuse: an action called from inside a task fails with SPARK-5063's explanation, never a hang or a Promise in the data. */
import test from 'ava';
import { Context, SparklingError } from '../../lib/index.js';
import { ACTIONS } from '../../lib/rdd/guard.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (e) => unhandled.push(e));

test('an action inside map, reduceByKey, foreach or a sortBy key fails with SPARK-5063', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const other = sc.parallelize([1, 2, 3]);
  const cases: [string, () => Promise<unknown>][] = [
    [
      'count',
      () =>
        sc
          .parallelize([1, 2])
          .map((x) => (other.count() as unknown as number) + x)
          .collect(),
    ],
    [
      'collect',
      () =>
        sc
          .parallelize([
            [1, 1],
            [1, 2],
          ])
          .reduceByKey((a) => {
            void other.collect();
            return a;
          })
          .collect(),
    ],
    ['first', () => sc.parallelize([1]).foreach(() => other.first())],
    [
      'sum',
      () =>
        sc
          .parallelize([3, 1])
          .sortBy((x) => {
            void other.sum();
            return x;
          })
          .collect(),
    ],
  ];
  for (const [action, run] of cases) {
    const e = await t.throwsAsync(run, { instanceOf: SparklingError });
    t.regex(e?.message ?? '', new RegExp(`^${action}\\(\\) was called from inside a task: .*SPARK-5063`));
  }
  await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(unhandled, []);
  t.deepEqual(await other.map((x) => x * 2).collect(), [2, 4, 6]);
});

test('every action is guarded, and a guarded action still works from the driver', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const rdd = sc.parallelize([3, 1, 2]);
  for (const name of ACTIONS)
    t.is(typeof (rdd as unknown as Record<string, unknown>)[name], 'function', name);
  t.is(await rdd.count(), 3);
  t.deepEqual(await rdd.top(2), [3, 2]);
});
