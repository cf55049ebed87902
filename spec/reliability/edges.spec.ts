/**
 * The same answers as PySpark at the edges: orders with `undefined`, NaN in
 * stats(), sums of things that are not numbers and of bigints, a BOM kept by
 * wholeTextFiles, thrown values that cannot be printed, pair methods on
 * elements that are not pairs, a comparator where a key function belongs,
 * and what a flatMap function that returns no iterable is told.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ArgumentError, type RDD, TaskError } from '../../lib/index.js';
import { context, PARTITIONS } from '../helpers.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});
test.after('no rejection went unhandled', (t) => {
  t.deepEqual(unhandled, []);
});

test('takeOrdered and top order undefined first, as sortBy and min do (natural order)', async (t) => {
  const sc = context();
  const xs = [3, undefined, 1, undefined, 2, 5];
  // (Array.prototype.sort would put undefined last whatever the comparator says.)
  const ascending = [undefined, undefined, 1, 2, 3, 5];
  for (const n of PARTITIONS) {
    const rdd = sc.parallelize(xs, n);
    t.deepEqual(await rdd.sortBy((x) => x).collect(), ascending);
    t.deepEqual(await rdd.takeOrdered(3), ascending.slice(0, 3), `takeOrdered at ${n}`);
    t.deepEqual(await rdd.takeOrdered(6), ascending);
    t.deepEqual(await rdd.top(6), [...ascending].reverse(), `top at ${n}`);
    t.deepEqual(await rdd.top(2), [5, 3]);
    t.is(await rdd.min(), undefined);
    // With a key function, undefined elements are ordered by their keys too.
    const key = (x: number | undefined) => (x === undefined ? 2.5 : x);
    t.deepEqual(await rdd.takeOrdered(4, key), [1, 2, undefined, undefined]);
    t.deepEqual(await rdd.top(3, key), [5, 3, undefined]);
  }
});

test("stats() with a NaN: PySpark's max and min (a NaN never wins), mean and variance NaN", async (t) => {
  const sc = context();
  for (const n of [1, 2, 3]) {
    const s = await sc.parallelize([1, Number.NaN, 3], n).stats();
    t.is(s.max(), 3);
    t.is(s.min(), 1);
    t.is(s.count(), 3);
    t.true(Number.isNaN(s.mean()) && Number.isNaN(s.variance()));
    t.is(s.toString(), '(count: 3, mean: nan, stdev: nan, max: 3.0, min: 1.0)');
  }
});

test('sum, mean and stats of strings, undefined or null reject with a TaskError naming the action (TypeError)', async (t) => {
  const sc = context();
  const bad: unknown[][] = [
    ['a', 'b'],
    [1, undefined],
    [null, 2],
    [1, 'x', 3],
    [1, { a: 1 }],
  ];
  for (const xs of bad) {
    const rdd = sc.parallelize(xs, 2) as RDD<number>;
    for (const [name, action] of [
      ['sum', () => rdd.sum()],
      ['mean', () => rdd.mean()],
      ['stats', () => rdd.stats()],
      ['variance', () => rdd.variance()],
    ] as const) {
      const e = await t.throwsAsync(action, { instanceOf: TaskError }, `${name} of ${String(xs)}`);
      t.is(e?.operator, name);
      t.is(e?.rddId, rdd.id());
      t.true(e?.cause instanceof TypeError);
      t.regex(e?.message ?? '', /takes numbers, bigints or booleans, got /);
    }
  }
});

test('sum and mean count booleans as 0 and 1, as Python does', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([true, true, false] as unknown as number[], 2);
  t.is(await rdd.sum(), 2);
  t.is(await rdd.mean(), 2 / 3);
  t.is((await rdd.stats()).max(), 1);
});

test('sum of bigints is an exact bigint, with numbers adding up to an integer too; else a TaskError', async (t) => {
  const sc = context();
  const big = [1n, 2n ** 64n, 3n, -(2n ** 70n), 5n];
  const exact = big.reduce((a, b) => a + b, 0n);
  for (const n of PARTITIONS) {
    t.is(await sc.parallelize(big, n).sum(), exact);
    t.is(await sc.parallelize([...big, 4, 6] as unknown as bigint[], n).sum(), exact + 10n);
    t.is(await sc.parallelize([true, 2n] as unknown as bigint[], n).sum(), 3n);
    t.is(await (sc.parallelize([0.5, 2n, 0.5], n) as RDD<bigint>).sum(), 3n);
    for (const xs of [
      [1n, 2.5],
      [0.25, 1n, 0.5],
      [1n, Number.NaN],
      [1n, Number.POSITIVE_INFINITY],
    ]) {
      const rdd = sc.parallelize(xs, n) as RDD<bigint>;
      const e = await t.throwsAsync(() => rdd.sum(), { instanceOf: TaskError });
      t.is(e?.operator, 'sum');
      t.true(e?.cause instanceof TypeError);
      t.regex(e?.message ?? '', /bigints and numbers adding up to \S+, not an integer/);
    }
  }
  t.is(await sc.parallelize([] as bigint[], 2).sum(), 0);
  t.is(await (sc.parallelize([1n, 2n], 2) as unknown as RDD<number>).mean(), 1.5);
  t.is((await (sc.parallelize([1n, 2n ** 60n], 2) as unknown as RDD<number>).stats()).max(), 2 ** 60);
});

test('wholeTextFiles keeps a leading byte-order mark, as PySpark does; textFile drops it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-bom-'));
  try {
    writeFileSync(join(dir, 'a.txt'), '\ufeffhello\nworld\n');
    const sc = context();
    const [[, content]] = (await sc.wholeTextFiles(dir).collect()) as [[string, string]];
    t.is(content, '\ufeffhello\nworld\n');
    t.deepEqual(await sc.textFile(dir).collect(), ['hello', 'world']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Throw values that cannot be printed the usual way on element 3, with no captures (so they can run on workers). */
const throwers: Record<string, (x: number) => number> = {
  'a null-prototype object': (x) => {
    if (x === 3) throw Object.create(null);
    return x;
  },
  'an object whose toString throws': (x) => {
    if (x === 3)
      throw {
        toString() {
          throw new Error('no toString');
        },
      };
    return x;
  },
  'an Error whose message getter throws': (x) => {
    class Weird extends Error {
      override get message(): string {
        throw new Error('no message');
      }
    }
    if (x === 3) throw new Weird();
    return x;
  },
  'a Proxy whose every trap throws': (x) => {
    const traps = new Proxy(
      {},
      {
        get() {
          throw new Error('no trap');
        },
      },
    );
    if (x === 3) throw new Proxy({}, traps);
    return x;
  },
  'an Error that is its own cause': (x) => {
    const e = new Error('loop');
    e.cause = e;
    if (x === 3) throw e;
    return x;
  },
};

for (const [name, thrower] of Object.entries(throwers)) {
  test(`a thrown value that cannot be printed (${name}) is a TaskError naming the real operator`, async (t) => {
    const sc = context();
    const rdd = sc.parallelize([1, 2, 3], 2).map(thrower);
    const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: TaskError });
    t.is(e?.operator, 'map');
    t.is(e?.rddId, rdd.id());
    t.is(e?.partition, 1);
    t.true(e?.message.startsWith(`map[${rdd.id()}] failed in partition 1: `));
    t.not(e?.cause, undefined);
    // On the main thread (a function that captures runs there), the cause is the very value thrown.
    let thrown: unknown;
    const here = sc.parallelize([1, 2, 3], 2).map((x) => {
      try {
        return thrower(x);
      } catch (v) {
        thrown = v;
        throw v;
      }
    });
    const h = await t.throwsAsync(() => here.collect(), { instanceOf: TaskError });
    t.is(h?.operator, 'map');
    t.is(h?.cause, thrown);
    t.is(
      await sc
        .parallelize([1, 2], 2)
        .map((x) => x + 1)
        .sum(),
      5,
    );
  });
}

test('an Error that is its own cause crosses from a worker as an Error that is its own cause', async (t) => {
  const sc = context();
  const e = await t.throwsAsync(
    () =>
      sc
        .parallelize([1], 1)
        .map(() => {
          const err = new RangeError('loop');
          err.cause = err;
          throw err;
        })
        .collect(),
    { instanceOf: TaskError },
  );
  const cause = e?.cause as Error;
  t.true(cause instanceof RangeError);
  t.is(cause.message, 'loop');
  t.is(cause.cause, cause);
  t.is(e?.message, `map[${(e as TaskError).rddId}] failed in partition 0: RangeError: loop`);
});

test('pair methods on elements that are not pairs reject with the pair-shape error naming the method', async (t) => {
  const sc = context();
  for (const bad of [[1, 2], [[1, 2, 3]], ['ab'], [undefined]] as unknown[][]) {
    const rdd = sc.parallelize(bad, 2) as unknown as RDD<[number, number]>;
    const cases: [string, () => Promise<unknown>][] = [
      ['countByKey', () => rdd.countByKey()],
      ['mapValues', () => rdd.mapValues((v) => v).collect()],
      ['flatMapValues', () => rdd.flatMapValues((v) => [v]).collect()],
      ['keys', () => rdd.keys().collect()],
      ['values', () => rdd.values().count()],
      ['lookup', () => rdd.lookup(1)],
    ];
    for (const [operator, action] of cases) {
      const e = await t.throwsAsync(
        action,
        { instanceOf: TaskError },
        `${operator} of ${JSON.stringify(bad)}`,
      );
      t.is(e?.operator, operator);
      t.true(e?.cause instanceof TypeError);
      t.regex(e?.message ?? '', new RegExp(`${operator} expects \\[key, value\\] pairs, got `));
    }
  }
  // An element that cannot even be printed is named as well as it can be.
  const proxies = sc.parallelize([1], 1).map(
    () =>
      new Proxy(
        {},
        new Proxy(
          {},
          {
            get() {
              throw new Error('no trap');
            },
          },
        ),
      ) as [number, number],
  );
  await t.throwsAsync(() => proxies.mapValues((v) => v).collect(), {
    instanceOf: TaskError,
    message: /mapValues expects \[key, value\] pairs, got an object that cannot be printed$/,
  });
  // Pairs still work, through the same loops.
  const pairs = sc.parallelize(
    [
      ['a', 1],
      ['b', 2],
      ['a', 3],
    ] as [string, number][],
    2,
  );
  t.deepEqual(
    [...(await pairs.countByKey())],
    [
      ['a', 2],
      ['b', 1],
    ],
  );
  t.deepEqual(await pairs.lookup('a'), [1, 3]);
  t.deepEqual(
    await pairs
      .flatMapValues((v) => [v, -v])
      .values()
      .collect(),
    [1, -1, 2, -2, 3, -3],
  );
});

test('sortBy, sortByKey and the ordering actions refuse a two-argument comparator: they take a key function', async (t) => {
  const sc = context();
  const rdd = sc.parallelize([3, 1, 2], 2);
  const cmp = (a: number, b: number) => a - b;
  const message = /sortBy takes a key function \(x\) => key, not a comparator \(a, b\) => number/;
  t.throws(() => rdd.sortBy(cmp as unknown as (x: number) => number), { instanceOf: ArgumentError, message });
  const pairs = rdd.map((x): [number, number] => [x, x]);
  t.throws(() => pairs.sortByKey(true, undefined, cmp as unknown as (k: number) => number), {
    instanceOf: ArgumentError,
    message: /sortByKey takes a key function/,
  });
  for (const [name, action] of [
    ['takeOrdered', () => rdd.takeOrdered(2, cmp as unknown as (x: number) => number)],
    ['top', () => rdd.top(2, cmp as unknown as (x: number) => number)],
    ['max', () => rdd.max(cmp as unknown as (x: number) => number)],
    ['min', () => rdd.min(cmp as unknown as (x: number) => number)],
  ] as const) {
    await t.throwsAsync(action, {
      instanceOf: ArgumentError,
      message: new RegExp(`${name} takes a key function \\(x\\) => key, not a comparator`),
    });
  }
  // Key functions of one argument (or none) still work.
  t.deepEqual(await rdd.sortBy((x) => -x).collect(), [3, 2, 1]);
  t.deepEqual(await rdd.takeOrdered(2, (x) => -x), [3, 2]);
});

test("flatMap's function returning no iterable: the message names the operator and the value", async (t) => {
  const sc = context();
  const doubled = sc.parallelize([1, 2, 3], 1).flatMap((x) => (x * 2) as unknown as number[]);
  const e = await t.throwsAsync(() => doubled.collect(), { instanceOf: TaskError });
  t.is(e?.operator, 'flatMap');
  t.true(e?.cause instanceof TypeError);
  t.is((e?.cause as Error).message, `flatMap[${doubled.id()}]'s function returned 2, not an iterable`);
  t.is(
    e?.message,
    `flatMap[${doubled.id()}] failed in partition 0: TypeError: flatMap[${doubled.id()}]'s function returned 2, not an iterable`,
  );
  // The same in a chain of more flatMaps than are read by index, on the sink path, and for flatMapValues.
  const long = sc
    .parallelize([1], 1)
    .flatMap((x) => [x])
    .flatMap((x) => [x])
    .flatMap(() => undefined as unknown as number[]);
  await t.throwsAsync(() => long.count(), {
    instanceOf: TaskError,
    message: new RegExp(`flatMap\\[${long.id()}\\]'s function returned undefined, not an iterable$`),
  });
  const fv = sc
    .parallelize([['a', 1]] as [string, number][], 1)
    .flatMapValues((v) => v as unknown as number[]);
  await t.throwsAsync(() => fv.count(), {
    instanceOf: TaskError,
    message: new RegExp(`flatMapValues\\[${fv.id()}\\]'s function returned 1, not an iterable$`),
  });
  // A string is an iterable.
  t.deepEqual(
    await sc
      .parallelize(['ab'], 1)
      .flatMap((s) => s.toUpperCase())
      .collect(),
    ['A', 'B'],
  );
});
