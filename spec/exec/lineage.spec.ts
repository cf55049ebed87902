/** Deep lineage: plan walks are iterative, so long chains of maps and unions run; localCheckpoint cuts them. */
import test from 'ava';
import { Context, SparklingError } from '../../lib/index.js';
import { layout, range } from '../helpers.js';

const context = () => new Context({ defaultParallelism: 2 });

test('10,000 chained maps run, count, print and report a failure deep in the chain', async (t) => {
  const sc = context();
  let rdd = sc.parallelize(range(100), 2);
  for (let i = 0; i < 10_000; i++) rdd = rdd.map((x) => x + 1);
  t.deepEqual(
    await rdd.collect(),
    range(100).map((x) => x + 10_000),
  );
  t.is(await rdd.count(), 100);
  t.is(await rdd.filter((x) => x % 2 === 0).count(), 50);
  t.is(await rdd.getNumPartitions(), 2);
  const plan = rdd.explain().split('\n');
  t.is(plan.length, 10_001);
  t.regex(plan[0] ?? '', /^\(2\) map\[10000\]/);
  // A failure in the middle of the chain names its operator.
  let failing = sc.parallelize(range(10), 2);
  for (let i = 0; i < 5_000; i++)
    failing = failing.map(
      i === 2_500
        ? (x) => {
            if (x === 7) throw new Error('deep');
            return x;
          }
        : (x) => x,
    );
  const e = await t.throwsAsync(() => failing.collect());
  t.regex(e?.message ?? '', /^map\[\d+\] failed in partition 1: Error: deep/);
  sc.stop();
});

test('5,000 chained unions run', async (t) => {
  const sc = context();
  let u = sc.parallelize([0], 1);
  for (let i = 1; i <= 5_000; i++) u = u.union(sc.parallelize([i], 1));
  t.is(await u.getNumPartitions(), 5_001);
  t.is(await u.count(), 5_001);
  t.deepEqual(await u.collect(), range(5_001));
  t.deepEqual(await u.take(3), [0, 1, 2]);
  t.is(await u.map((x) => x * 2).sum(), 5_000 * 5_001);
  // A union of unions of unions, and a coalesce over them, keep every element once, in order.
  let nested = sc.union([sc.parallelize([0, 1], 2), sc.parallelize([2], 1)]);
  for (let i = 0; i < 1_000; i++) nested = sc.union([nested, sc.parallelize([3 + i], 1)]);
  t.deepEqual(await nested.coalesce(7).collect(), range(1_003));
  sc.stop();
});

test('localCheckpoint keeps the computed partitions and cuts the lineage of what is made from it', async (t) => {
  const sc = context();
  const calls = sc.accumulator(0);
  let rdd = sc.parallelize(range(10), 2);
  // An iterative job: each step depends on the previous one; checkpointed, the plan stays short.
  for (let i = 0; i < 300; i++) {
    rdd = rdd
      .map((x) => {
        calls.add(1);
        return x + 1;
      })
      .localCheckpoint();
    await rdd.count();
  }
  t.is(calls.value, 300 * 10, 'each step computed once');
  t.true(rdd.isLocallyCheckpointed());
  t.true(rdd.isCached);
  const next = rdd.map((x) => x * 2);
  t.is(next.explain().split('\n').length, 2);
  t.regex(layout(next.explain()), /^\(2\) map\[\d+\]\n \| {2}localCheckpoint\[\d+\] of=map cached$/);
  t.deepEqual(
    await next.collect(),
    range(10).map((x) => (x + 300) * 2),
  );
  t.is(calls.value, 300 * 10, 'read from the kept partitions, not recomputed');
  // As in Spark, the data lives only in memory: unpersisting it loses it.
  rdd.unpersist();
  await t.throwsAsync(() => rdd.map((x) => x).collect(), {
    instanceOf: SparklingError,
    message: /locally checkpointed map RDD is no longer cached/,
  });
  sc.stop();
});

test('localCheckpoint before any action: the lineage stays until its partitions are all computed', async (t) => {
  const sc = context();
  const base = sc.parallelize(range(6), 3).map((x) => x * 10);
  const marked = base.localCheckpoint();
  t.is(marked, base);
  t.regex(marked.map((x) => x).explain(), /parallelize/);
  t.deepEqual(await marked.take(1), [0]);
  // One partition of three computed: still the full lineage.
  t.regex(marked.map((x) => x).explain(), /parallelize/);
  t.deepEqual(await marked.collect(), [0, 10, 20, 30, 40, 50]);
  t.notRegex(marked.map((x) => x).explain(), /parallelize/);
  sc.stop();
});
