/**
 * `explain()` of a Spark Context (`new Context({ master })`): each stage's
 * line says `executor=spark` and the bridge RDDs it becomes (lib/spark/explain.ts).
 * explain() is pure, so no cluster is needed: the bridge starts at the first
 * action, and these tests run none.
 */
import test from 'ava';
import { Context } from '../../lib/index.js';
import { sparkStages } from '../../lib/spark/explain.js';

const spark = (): Context => new Context({ master: 'spark://127.0.0.1:1', defaultParallelism: 2 });
/** Node ids depend on what else the process built: left out. */
const plain = (text: string): string => text.replace(/\[\d+\]/g, '[]');

test('a word count: the map stage a pipe over the text splits, the reduce stage a pipe over the shuffle', (t) => {
  const sc = spark();
  try {
    const rdd = sc
      .textFile('/data/in.txt')
      .map((l): [string, number] => [l, 1])
      .reduceByKey((a, b) => a + b, 2);
    t.is(
      plain(rdd.explain()),
      [
        '(2) reduceByKey[] numPartitions=2 partitioner=hash executor=spark rdds=pipe(2)<-shuffle(2)',
        ' +-(?) map[] executor=spark rdds=pipe(?)<-textFile(?)',
        '    |  textFile[] paths=[/data/in.txt]',
      ].join('\n'),
    );
  } finally {
    sc.stop();
  }
});

test('a union reads the union of its inputs; a cached RDD is a pipe persisted in Spark; a join shuffles the union of its sides', (t) => {
  const sc = spark();
  try {
    const pairs = sc
      .parallelize<[number, number]>([[1, 2]], 2)
      .union(sc.range(0, 3, 1, 3).map((x): [number, number] => [x, x]));
    const cached = pairs.mapValues((x) => x + 1).cache();
    t.is(
      plain(cached.explain()),
      [
        '(5) mapValues[] cached executor=spark rdds=pipe(5).persist(MEMORY_ONLY)<-union(slices(2),slices(3))',
        ' |  union[]',
        ' |  parallelize[]',
        ' |  map[]',
        ' |  range[] range=0..3',
      ].join('\n'),
    );
    const joined = cached.join(sc.parallelize<[number, number]>([[1, 3]], 3));
    t.is(
      plain(joined.explain()),
      [
        '(8) join[] numPartitions=8 partitioner=hash executor=spark rdds=pipe(8)<-shuffle(8)<-union(pipe(5),pipe(3))',
        ' +-(5) mapValues[] cached executor=spark rdds=pipe(5)<-pipe(5).persist(MEMORY_ONLY)<-union(slices(2),slices(3))',
        ' |  |  union[]',
        ' |  |  parallelize[]',
        ' |  |  map[]',
        ' |  |  range[] range=0..3',
        ' +-(3) parallelize[] executor=spark rdds=pipe(3)<-slices(3)',
      ].join('\n'),
    );
    // A cached RDD read inside a stage (not across a shuffle) is a leaf of its pipe, and its own stage is shown too.
    const mapped = cached.mapValues((x) => x * 2);
    t.is(
      plain(mapped.explain()),
      [
        '(5) mapValues[] executor=spark rdds=pipe(5)<-cached(5)',
        ' |  mapValues[] cached executor=spark rdds=pipe(5).persist(MEMORY_ONLY)<-union(slices(2),slices(3))',
        ' |  union[]',
        ' |  parallelize[]',
        ' |  map[]',
        ' |  range[] range=0..3',
      ].join('\n'),
    );
  } finally {
    sc.stop();
  }
});

test('sides partitioned alike are read where they are, through one gather node; a sort is a shuffle', (t) => {
  const sc = spark();
  try {
    const p = sc.parallelize<[number, number]>([[1, 2]], 2).partitionBy(3);
    const text = plain(p.join(p.mapValues((x) => x)).explain());
    t.regex(
      text,
      /^\(3\) join\[\] .* executor=spark rdds=pipe\(3\)<-gather\(3\)<-\(shuffle\(3\),shuffle\(3\)\)\n/,
    );
    t.is(text.match(/parallelize\[\] executor=spark rdds=pipe\(2\)<-slices\(2\)/g)?.length, 2, text);
    const zipped = plain(
      sc
        .parallelize([1, 2, 3, 4], 2)
        .zip(sc.parallelize(['a', 'b', 'c', 'd'], 2))
        .explain(),
    );
    t.regex(
      zipped,
      /^\(2\) zip\[\] executor=spark rdds=pipe\(2\)<-gather\(2\)<-\(slices\(2\),slices\(2\)\)$/m,
    );
    const sorted = plain(
      sc
        .parallelize([3, 1, 2], 2)
        .sortBy((x) => x)
        .explain(),
    );
    t.regex(sorted, /^\(2\) sortBy\[\].* executor=spark rdds=pipe\(2\)<-shuffle\(2\)$/m);
  } finally {
    sc.stop();
  }
});

test('a stage Spark would refuse says which operator and why, instead of its RDDs', (t) => {
  const sc = spark();
  try {
    const rdd = sc.parallelize([3, 1, 2], 2).map((x) => x + 1);
    const stages = sparkStages(rdd._node, {
      isCached: () => false,
      count: () => undefined,
      unsupported: (n) => (n.op === 'map' ? 'a stand-in reason' : undefined),
    });
    t.deepEqual([...stages.values()], [`executor=spark unsupported="map[${rdd.id()}]: a stand-in reason"`]);
  } finally {
    sc.stop();
  }
});
