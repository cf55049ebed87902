import test from 'ava';
import { Context } from '../../lib/index.js';
import { cutStages } from '../../lib/plan/stages.js';

const sc = new Context({ defaultParallelism: 2, workers: 0 });
const none = () => false;

test('stages: a word count is a map stage feeding the result stage that merges the shuffle', (t) => {
  const counts = sc
    .parallelize(['a b', 'b'], 2)
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b)
    .mapValues((n) => n * 10);
  const graph = cutStages(counts._node, none);
  t.is(graph.stages.length, 2);
  const [map, result] = graph.stages;
  t.is(map?.role, 'map');
  t.deepEqual(
    map?.nodes.map((n) => n.op),
    ['parallelize', 'flatMap', 'map'],
  );
  t.is(result, graph.root);
  t.is(result?.role, 'result');
  t.deepEqual(
    result?.nodes.map((n) => n.op),
    ['reduceByKey', 'mapValues'],
  );
  t.is(result?.shuffles.length, 1);
  t.is(result?.shuffles[0]?.from, map);
  t.is(graph.stageOf(map?.output.id ?? -1), map);
});

test('stages: a shuffle over an RDD already partitioned alike stays in the same stage', (t) => {
  const parted = sc.parallelize<[string, number]>([['a', 1]], 2).partitionBy(3);
  const reduced = parted.mapValues((v) => v * 2).reduceByKey((a, b) => a + b);
  const graph = cutStages(reduced._node, none);
  t.deepEqual(
    graph.stages.map((s) => s.nodes.map((n) => n.op)),
    [['parallelize'], ['partitionBy', 'mapValues', 'reduceByKey']],
  );
  t.false(graph.isShuffleEdge(reduced._node, 0));
});

test('stages: a cached RDD is a barrier, computed by a cache stage of its own', (t) => {
  const cached = sc
    .parallelize([1, 2, 3], 2)
    .map((x) => x + 1)
    .cache();
  const next = cached.filter((x) => x > 2).union(sc.range(0, 4, 1, 2));
  const graph = cutStages(next._node, (id) => id === cached._node.id);
  t.is(graph.stages.length, 2);
  const [cache, result] = graph.stages;
  t.is(cache?.role, 'cache');
  t.is(cache?.output, cached._node);
  t.deepEqual(result?.cached, [cached._node]);
  t.deepEqual(
    result?.nodes.map((n) => n.op),
    ['filter', 'range', 'union'],
  );
  cached.unpersist();
});

test('stages: a self-join reads one map stage through two shuffle edges; stages come parents first', (t) => {
  const a = sc.parallelize<[number, number]>(
    [
      [1, 2],
      [2, 3],
    ],
    2,
  );
  const joined = a.join(a).sortByKey();
  const graph = cutStages(joined._node, none);
  t.deepEqual(
    graph.stages.map((s) => [s.role, s.output.op]),
    [
      ['map', 'parallelize'],
      ['map', 'join'],
      ['result', 'sortByKey'],
    ],
  );
  t.deepEqual(
    graph.stages[1]?.shuffles.map((s) => [s.parentIndex, s.from.id]),
    [
      [0, 0],
      [1, 0],
    ],
  );
  t.true(graph.stages.every((s, i) => s.id === i));
});
