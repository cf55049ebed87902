/** How RDDs, Contexts and StatCounters print: one line each, in PySpark's spirit. */
import { inspect } from 'node:util';
import test from 'ava';
import { Context, StatCounter } from '../lib/index.js';

const sc = new Context({ defaultParallelism: 2 });

test('an RDD prints its id, the method that made it, the call site and its partitions', (t) => {
  const rdd = sc.parallelize([1, 2, 3], 4).map((x) => [x, x]); // this line is the call site
  const line = String(rdd);
  t.regex(line, /^RDD\[\d+\] map at inspect\.spec\.ts:\d+ \(4 partitions\)$/);
  t.is(inspect(rdd), line, 'util.inspect and console.log print the same line');
  t.is(`${rdd}`, line);
  t.false(inspect(rdd).includes('_node'), 'no internals');
  const joined = rdd.join(sc.parallelize([[1, 'a']], 2), 3);
  t.regex(String(joined), /^RDD\[\d+\] join at inspect\.spec\.ts:\d+ \(3 partitions\)$/);
  t.regex(String(sc.parallelize([1], 1)), /\(1 partition\)$/);
});

test('a file source prints (partitions: ?) until it is listed; a name comes first, as in PySpark', (t) => {
  const lines = sc.textFile('/no/such/dir/*.txt');
  t.regex(String(lines), /^RDD\[\d+\] textFile at inspect\.spec\.ts:\d+ \(partitions: \?\)$/);
  t.regex(
    String(sc.range(10, undefined, undefined, 2).setName('numbers')),
    /^numbers RDD\[\d+\] range at .*\(2 partitions\)$/,
  );
});

test('inside arrays and objects an RDD prints as its line too', (t) => {
  const rdd = sc.parallelize([1], 1);
  t.is(inspect({ rdd }), `{ rdd: ${String(rdd)} }`);
});

test('a Context prints its settings', (t) => {
  const c = new Context({ defaultParallelism: 3, workers: 0 });
  t.is(String(c), 'Context(defaultParallelism=3, workers=0)');
  t.is(inspect(c), 'Context(defaultParallelism=3, workers=0)');
  c.stop();
  t.is(String(c), 'Context(defaultParallelism=3, workers=0, stopped)');
});

test("a StatCounter prints PySpark's (count: ..., mean: ..., ...) form", async (t) => {
  const stats = await sc.parallelize([1, 2, 3, 4], 2).stats();
  const expected = '(count: 4, mean: 2.5, stdev: 1.118033988749895, max: 4.0, min: 1.0)';
  t.is(String(stats), expected);
  t.is(inspect(stats), expected);
  t.is(inspect(new StatCounter()), '(count: 0, mean: 0.0, stdev: nan, max: -inf, min: inf)');
});
