import test from 'ava';
import { Context } from '../../lib/index.js';
import { layout } from '../helpers.js';

test('explain: a fused narrow chain is one rail under its partition count', (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const rdd = sc
    .parallelize([1, 2, 3], 3)
    .map((x) => x + 1)
    .filter((x) => x > 1)
    .flatMap((x) => [x]);
  t.is(
    layout(rdd.explain()),
    ['(3) flatMap[3]', ' |  filter[2]', ' |  map[1]', ' |  parallelize[0]'].join('\n'),
  );
  t.is(rdd.toDebugString(), rdd.explain());
});

test('explain: a shuffle is a +- boundary with its partition count and partitioner', (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const counts = sc
    .parallelize(['a b', 'b'], 2)
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b, 4);
  t.is(
    layout(counts.explain()),
    [
      '(4) reduceByKey[3] numPartitions=4 partitioner=hash',
      ' +-(2) map[2]',
      '    |  flatMap[1]',
      '    |  parallelize[0]',
    ].join('\n'),
  );
});

test('explain: two shuffles nest, and a join shows both parents', (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const a = sc.parallelize([['a', 1]], 2);
  const b = sc.parallelize([['a', 2]], 3);
  const j = a.join(b).sortByKey(true, 2);
  t.is(
    layout(j.explain()),
    [
      '(2) sortByKey[3] numPartitions=2 partitioner=range ascending=true',
      ' +-(5) join[2] numPartitions=5 partitioner=hash',
      '    +-(2) parallelize[0]',
      '    +-(3) parallelize[1]',
    ].join('\n'),
  );
});

test('explain: a reduceByKey over an RDD partitioned the same way does not shuffle again', (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const parted = sc.parallelize([['a', 1]], 2).partitionBy(3);
  const reduced = parted.mapValues((v) => v * 2).reduceByKey((a, b) => a + b);
  t.is(
    layout(reduced.explain()),
    [
      '(3) reduceByKey[3] numPartitions=3 partitioner=hash',
      ' |  mapValues[2]',
      ' |  partitionBy[1] numPartitions=3 partitioner=hash',
      ' +-(2) parallelize[0]',
    ].join('\n'),
  );
});

test('explain: cached RDDs are marked and a union lists its parents on one rail', (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const a = sc.parallelize([1], 1).cache();
  const u = a.union(sc.range(0, 10, 1, 2));
  t.is(
    layout(u.explain()),
    ['(3) union[2]', ' |  parallelize[0] cached', ' |  range[1] range=0..10'].join('\n'),
  );
});
