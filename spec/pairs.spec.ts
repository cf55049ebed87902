/**
 * Every wide operator against a plain-array reference (spec/reference.ts) at
 * 1, 2 and 7 partitions, over keys that compare by value: arrays, plain
 * objects, Dates, NaN, -0/0, strings, numbers; with empty partitions and
 * empty RDDs. Outputs whose order is not defined are compared as multisets
 * (`bag`); sort orders and the layouts PySpark fixes are compared exactly.
 */
import test from 'ava';
import { ArgumentError, Context, portableHash, type RDD, TaskError, ValueMap } from '../lib/index.js';
import { compare } from '../lib/values/compare.js';
import { context, PARTITIONS, range } from './helpers.js';
import {
  bag,
  cogroupRef,
  distinctRef,
  groupRef,
  intersectionRef,
  type JoinKind,
  joinRef,
  naturalRef,
  pyIntPartition,
  reduceRef,
  refKey,
  slices,
  subtractRef,
  tiesInBag,
  unzero,
} from './reference.js';

type Pair = [unknown, number];

/** Keys equal by value but not by identity sit next to each other: each pair is one key. */
const keyPool = (): unknown[] => [
  0,
  -0,
  1,
  -1,
  2.5,
  Number.NaN,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  'a',
  '',
  '1',
  '\u00e9',
  '\u{1F600}',
  [1, 'a'],
  [1, 'a'],
  [[1], 'a'],
  [1],
  { a: 1, b: 2 },
  { b: 2, a: 1 },
  { a: [1, { c: 3 }] },
  new Date(0),
  new Date(0),
  new Date(86_400_000),
  null,
  undefined,
  true,
  false,
  2 ** 40,
  -7,
];

/** A fresh copy of a key (new arrays, objects and Dates), to look keys up by value. */
function copyOf(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(copyOf);
  if (x instanceof Date) return new Date(x.getTime());
  if (x !== null && typeof x === 'object')
    return Object.fromEntries(
      Object.entries(x)
        .reverse()
        .map(([k, v]) => [k, copyOf(v)]),
    );
  return x;
}

/** The data sets every operator is run on (built fresh, so no two share key objects). */
function datasets(): [string, Pair[]][] {
  const pool = keyPool();
  const mixed = range(70).map((i): Pair => [copyOf(pool[(i * 7) % pool.length]), i]);
  const ints = range(40).map((i): Pair => [((i * 7) % 11) - 3, i]);
  const sparse: Pair[] = [
    [[2, 'b'], 1],
    ['x', 2],
    [[2, 'b'], 3],
  ];
  return [
    ['mixed keys', mixed],
    ['integer keys', ints],
    ['three pairs (empty partitions)', sparse],
    ['no pairs', []],
  ];
}

/** Both RDD flavours of "empty": partitions without elements, and no partitions at all. */
const empties = (sc: Context, n: number): [string, RDD<Pair>][] => [
  [`parallelize([], ${n})`, sc.parallelize<Pair>([], n)],
  ['emptyRDD()', sc.emptyRDD<Pair>()],
];

const add = (a: number, b: number): number => a + b;

/** How many of the n slices of `pairs` hold key `k`: the map partitions a map-side zero is created in. */
function slicesHolding(pairs: readonly Pair[], n: number, k: unknown): number {
  return slices(pairs, n).filter((s) => s.some(([k2]) => refKey(k2) === refKey(k))).length;
}

for (const n of PARTITIONS) {
  const other = n === 1 ? 3 : n - 1;

  test(`reduceByKey ≡ group-then-fold at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      const expected = bag(reduceRef(data, add));
      t.deepEqual(bag(await rdd.reduceByKey(add).collect()), expected, name);
      t.deepEqual(bag(await rdd.reduceByKey(add, 3).collect()), expected, `${name}, 3 partitions`);
      t.deepEqual(
        bag(await rdd.reduceByKey(add, 4, (k) => refKey(k).length).collect()),
        expected,
        `${name}, partition function`,
      );
      t.is(await rdd.reduceByKey(add).getNumPartitions(), n);
      t.is(await rdd.reduceByKey(add, 3).getNumPartitions(), 3);
    }
    for (const [name, rdd] of empties(sc, n)) t.deepEqual(await rdd.reduceByKey(add).collect(), [], name);
  });

  test(`foldByKey folds the zero once per map partition holding the key, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      t.deepEqual(bag(await rdd.foldByKey(0, add).collect()), bag(reduceRef(data, add)), name);
      const expected = reduceRef(data, add).map(([k, s]) => [k, s + 1000 * slicesHolding(data, n, k)]);
      t.deepEqual(bag(await rdd.foldByKey(1000, add, 2).collect()), bag(expected), `${name}, zero 1000`);
    }
    for (const [name, rdd] of empties(sc, n)) t.deepEqual(await rdd.foldByKey(0, add).collect(), [], name);
  });

  test(`aggregateByKey gives every key its own copy of a mutable zero, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      const zero: (number | string)[] = ['zero'];
      const got = await rdd
        .aggregateByKey(
          zero,
          (acc, v) => {
            acc.push(v);
            return acc;
          },
          (a, b) => a.concat(b),
          3,
        )
        .collect();
      t.deepEqual(zero, ['zero'], `${name}: the zero itself is untouched`);
      const expected = groupRef(data).map(([k, vs]) => [
        k,
        bag([...vs, ...Array.from({ length: slicesHolding(data, n, k) }, () => 'zero')]),
      ]);
      t.deepEqual(bag(got.map(([k, acc]) => [k, bag(acc)])), bag(expected), name);
    }
    for (const [name, rdd] of empties(sc, n))
      t.deepEqual(await rdd.aggregateByKey(0, add, add).collect(), [], name);
  });

  test(`combineByKey and groupByKey keep each key's values in arrival order, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      const expected = bag(groupRef(data));
      const combined = rdd.combineByKey(
        (v): number[] => [v],
        (c, v) => [...c, v],
        (a, b) => [...a, ...b],
      );
      t.deepEqual(bag(await combined.collect()), expected, `${name}: combineByKey`);
      t.deepEqual(bag(await rdd.groupByKey().collect()), expected, `${name}: groupByKey`);
      t.deepEqual(bag(await rdd.groupByKey(5).collect()), expected, `${name}: groupByKey(5)`);
      t.is(await rdd.groupByKey(5).getNumPartitions(), 5);
    }
    for (const [name, rdd] of empties(sc, n)) {
      t.deepEqual(await rdd.groupByKey().collect(), [], name);
      t.deepEqual(await rdd.combineByKey((v) => v, add, add).collect(), [], name);
    }
  });

  test(`groupBy groups elements by a key function at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      const f = (p: Pair): unknown => (Array.isArray(p[0]) ? p[0] : [typeof p[0], p[1] % 3]);
      const expected = bag(groupRef(data.map((p): [unknown, Pair] => [f(p), p])));
      t.deepEqual(bag(await rdd.groupBy(f).collect()), expected, name);
      t.deepEqual(bag(await rdd.groupBy(f, 2).collect()), expected, `${name}, 2 partitions`);
    }
    t.deepEqual(
      await sc
        .emptyRDD<number>()
        .groupBy((x) => x)
        .collect(),
      [],
    );
  });

  test(`countByKey, collectAsMap and lookup find keys by value at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      const counts = await rdd.countByKey();
      t.true(counts instanceof ValueMap);
      t.deepEqual(bag(counts), bag(groupRef(data).map(([k, vs]) => [k, vs.length])), name);
      const asMap = await rdd.collectAsMap();
      t.true(asMap instanceof ValueMap);
      for (const [k, vs] of groupRef(data)) {
        t.is(counts.get(copyOf(k)), vs.length, `${name}: countByKey.get(${refKey(k)})`);
        t.is(asMap.get(copyOf(k)), vs[vs.length - 1], `${name}: collectAsMap keeps the last value`);
        t.deepEqual(await rdd.lookup(copyOf(k)), vs, `${name}: lookup(${refKey(k)})`);
      }
      t.deepEqual(await rdd.lookup('not a key'), []);
    }
    for (const [name, rdd] of empties(sc, n)) {
      t.is((await rdd.countByKey()).size, 0, name);
      t.is((await rdd.collectAsMap()).size, 0, name);
      t.deepEqual(await rdd.lookup(1), [], name);
    }
  });

  test(`lookup on a hash-partitioned RDD computes only the key's partition, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      // An accumulator: the partitions may be computed on worker threads.
      const computed = sc.accumulator(0);
      const parted = sc
        .parallelize(data, n)
        .partitionBy(5)
        .mapValues((v) => v * 2)
        .mapPartitionsWithIndex((_i, it) => {
          computed.add(1);
          return it;
        }, true);
      for (const [k, vs] of groupRef(data)) {
        const before = computed.value;
        t.deepEqual(
          await parted.lookup(copyOf(k)),
          vs.map((v) => v * 2),
          `${name}: lookup(${refKey(k)})`,
        );
        t.is(
          computed.value - before,
          1,
          `${name}: lookup(${refKey(k)}) computed ${computed.value - before} partitions`,
        );
      }
    }
  });

  test(`partitionBy puts equal keys together; integer keys land where PySpark puts them, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      for (const parts of [1, 3, 4]) {
        const glom = await sc.parallelize(data, n).partitionBy(parts).glom().collect();
        t.is(glom.length, parts);
        t.deepEqual(bag(glom.flat()), bag(data), `${name}: partitionBy(${parts}) loses nothing`);
        const home = new Map<string, number>();
        glom.forEach((p, i) => {
          for (const [k] of p) {
            const id = refKey(k);
            t.is(home.get(id) ?? i, i, `${name}: key ${id} in one partition`);
            home.set(id, i);
          }
        });
      }
    }
    const ints = datasets()[1]?.[1] as Pair[];
    for (const parts of [1, 3, 4, 7]) {
      const expected = Array.from({ length: parts }, (_, i) =>
        ints.filter(([k]) => pyIntPartition(k as number, parts) === i),
      );
      t.deepEqual(
        await sc.parallelize(ints, n).partitionBy(parts).glom().collect(),
        expected,
        `k % ${parts}`,
      );
      const f = (k: unknown): number => (k as number) * 3 - 1;
      const custom = Array.from({ length: parts }, (_, i) =>
        ints.filter(([k]) => ((f(k) % parts) + parts) % parts === i),
      );
      t.deepEqual(
        await sc.parallelize(ints, n).partitionBy(parts, f).glom().collect(),
        custom,
        `partition function, ${parts} partitions`,
      );
    }
    for (const [name, rdd] of empties(sc, n))
      t.deepEqual(await rdd.partitionBy(3).glom().collect(), [[], [], []], name);
  });

  test(`a partition function that returns a non-integer fails the task, at ${n} partitions`, async (t) => {
    const sc = context();
    const rdd = sc.parallelize<[number, number]>([[1, 1]], n).partitionBy(2, () => 0.5);
    const e = await t.throwsAsync(rdd.collect(), { instanceOf: TaskError });
    t.regex(e?.message ?? '', /not an integer/);
    // lookup routes the key with the same function, and the same check.
    const byLength = sc
      .parallelize<[unknown, number]>(
        [
          ['ab', 1],
          ['c', 2],
        ],
        n,
      )
      .partitionBy(2, (k) => (k as string).length);
    t.deepEqual(await byLength.lookup('ab'), [1]);
    t.deepEqual(await byLength.lookup('zz'), []);
    await t.throwsAsync(byLength.lookup(5), {
      instanceOf: TaskError,
      message: /returned undefined for key 5/,
    });
  });

  const sortable = (): [unknown, number][] => {
    const keys: unknown[] = [
      3,
      -1,
      0,
      -0,
      2.5,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      'b',
      'B',
      '',
      '\uffff',
      '\u{1F600}',
      'ab',
      [1, 'a'],
      [1],
      [],
      [0, 'z'],
      new Date(5),
      new Date(-5),
      null,
      undefined,
      true,
      false,
      3,
      'b',
      [1, 'a'],
    ];
    return range(60).map((i) => [copyOf(keys[(i * 11) % keys.length]), i]);
  };

  test(`sortByKey orders keys globally (ascending, descending, numPartitions, keyfunc) at ${n} partitions`, async (t) => {
    const sc = context();
    const data = sortable();
    const rdd = sc.parallelize(data, n);
    const asc = [...data].sort((a, b) => naturalRef(a[0], b[0]));
    const desc = [...data].sort((a, b) => naturalRef(b[0], a[0]));
    t.deepEqual(tiesInBag(await rdd.sortByKey().collect()), tiesInBag(asc));
    t.deepEqual(tiesInBag(await rdd.sortByKey(false).collect()), tiesInBag(desc));
    for (const parts of [1, 3, 8]) {
      for (const ascending of [true, false]) {
        const sorted = rdd.sortByKey(ascending, parts);
        t.is(await sorted.getNumPartitions(), parts);
        const glom = await sorted.glom().collect();
        t.deepEqual(tiesInBag(glom.flat()), tiesInBag(ascending ? asc : desc), `${parts} ${ascending}`);
        const nonEmpty = glom.filter((p) => p.length > 0);
        for (let i = 1; i < nonEmpty.length; i++) {
          const prev = nonEmpty[i - 1]?.at(-1)?.[0];
          const next = nonEmpty[i]?.[0]?.[0];
          const c = naturalRef(prev, next);
          t.true(ascending ? c < 0 : c > 0, `partition ${i} starts after partition ${i - 1} ends`);
        }
      }
    }
    const strings = sc.parallelize<[string, number]>(
      [
        ['b', 1],
        ['A', 2],
        ['c', 3],
        ['a', 4],
        ['C', 5],
      ],
      n,
    );
    const byLower = await strings
      .sortByKey(true, 2, (k) => k.toLowerCase())
      .keys()
      .collect();
    t.deepEqual(
      byLower.map((k) => k.toLowerCase()),
      ['a', 'a', 'b', 'c', 'c'],
    );
    t.deepEqual(
      (
        await strings
          .sortByKey(false, undefined, (k) => k.toLowerCase())
          .keys()
          .collect()
      ).map((k) => k.toLowerCase()),
      ['c', 'c', 'b', 'a', 'a'],
    );
    for (const [name, e] of empties(sc, n)) {
      t.deepEqual(await e.sortByKey().collect(), [], name);
      t.deepEqual(await e.sortByKey(false, 3).collect(), [], name);
    }
  });

  test(`sortBy sorts elements by a key function at ${n} partitions`, async (t) => {
    const sc = context();
    const xs = range(100).map((i) => ((i * 37) % 101) - 50 + (i % 3 === 0 ? 0.5 : 0));
    const rdd = sc.parallelize(xs, n);
    const up = [...xs].sort((a, b) => a - b);
    t.deepEqual(await rdd.sortBy((x) => x).collect(), up);
    t.deepEqual(await rdd.sortBy((x) => x, false).collect(), [...up].reverse());
    t.deepEqual(await rdd.sortBy((x) => -x, true, 4).collect(), [...up].reverse());
    t.is(await rdd.sortBy((x) => x, true, 4).getNumPartitions(), 4);
    t.is(await rdd.sortBy((x) => x).getNumPartitions(), n);
    const words = ['pear', 'fig', 'apple', 'kiwi', 'banana', 'date', 'fig'];
    t.deepEqual(
      await sc
        .parallelize(words, n)
        .sortBy((w) => [w.length, w])
        .collect(),
      ['fig', 'fig', 'date', 'kiwi', 'pear', 'apple', 'banana'],
    );
    t.deepEqual(
      await sc
        .parallelize<number>([], n)
        .sortBy((x) => x)
        .collect(),
      [],
    );
    t.deepEqual(
      await sc
        .emptyRDD<number>()
        .sortBy((x) => x, false, 3)
        .collect(),
      [],
    );
  });

  test(`sortBy gives back each element as it is when its key is the element, at ${n} partitions`, async (t) => {
    const sc = context();
    // -0 next to 0, NaN and infinities: a numeric key column that is also the value column.
    const xs = range(60).map(
      (i) => [3, -0, 0, Number.NaN, -1.5, Number.POSITIVE_INFINITY, 0, -0, 2][i % 9] as number,
    );
    const shown = (a: readonly unknown[]) => a.map((x) => (Object.is(x, -0) ? '-0' : x));
    for (const ascending of [true, false]) {
      const expected = [...xs].sort((a, b) => (ascending ? compare(a, b) : compare(b, a)));
      t.deepEqual(
        shown(
          await sc
            .parallelize(xs, n)
            .sortBy((x) => x, ascending)
            .collect(),
        ),
        shown(expected),
      );
    }
    // The key is the element for some elements only: the values column starts part-way.
    const ys = range(50).map((i) => (i * 13) % 50);
    const keyOf = (y: number) => (y % 2 === 0 ? y : -y);
    t.deepEqual(
      await sc.parallelize(ys, n).sortBy(keyOf).collect(),
      [...ys].sort((a, b) => keyOf(a) - keyOf(b)),
    );
    // Numbers and strings: not a numeric sort.
    const mixed = [3, 'b', 1, 'a', 2, 'c', 0.5];
    t.deepEqual(
      await sc
        .parallelize(mixed, n)
        .sortBy((x) => x)
        .collect(),
      [...mixed].sort(compare),
    );
  });

  test(`sortBy and sortByKey over strings: code point order, stable, surrogates included, at ${n} partitions`, async (t) => {
    const sc = context();
    // Plain strings take JavaScript's own order; one with a surrogate ('\u{1F600}' after '\uFFFF' by
    // code point, before it by UTF-16 unit) makes the whole partition use code point order.
    const plain = range(80).map(
      (i) => ['pear', 'Fig', 'apple', 'fig', '', 'apple pie', 'Ω', 'z'][(i * 7) % 8] as string,
    );
    const withSurrogate = [...plain, '\u{1F600}', '\uFFFF', 'a\u{10000}', 'a\uFFFF'];
    for (const words of [plain, withSurrogate])
      for (const ascending of [true, false]) {
        const expected = [...words].sort((a, b) => (ascending ? compare(a, b) : compare(b, a)));
        t.deepEqual(
          await sc
            .parallelize(words, n)
            .sortBy((w) => w, ascending)
            .collect(),
          expected,
        );
        // Equal keys keep their order: values tell them apart.
        const pairs = words.map((w, i): [string, number] => [w, i]);
        const byKey = [...pairs].sort((a, b) => (ascending ? compare(a[0], b[0]) : compare(b[0], a[0])));
        t.deepEqual(await sc.parallelize(pairs, n).sortByKey(ascending).collect(), byKey);
      }
  });

  test(`repartitionAndSortWithinPartitions lays out by partition function and sorts each partition, at ${n} partitions`, async (t) => {
    const sc = context();
    const ints = datasets()[1]?.[1] as Pair[];
    const rdd = sc.parallelize(ints, n);
    for (const parts of [1, 2, 3]) {
      for (const ascending of [true, false]) {
        const layout = Array.from({ length: parts }, (_, i) =>
          tiesInBag(
            ints
              .filter(([k]) => pyIntPartition(k as number, parts) === i)
              .sort((a, b) => (ascending ? 1 : -1) * naturalRef(a[0], b[0])),
          ),
        );
        const glom = await rdd
          .repartitionAndSortWithinPartitions(parts, undefined, ascending)
          .glom()
          .collect();
        t.deepEqual(
          glom.map((p) => tiesInBag(p)),
          layout,
          `${parts} partitions, ascending ${ascending}`,
        );
      }
    }
    const parity = await rdd
      .repartitionAndSortWithinPartitions(
        2,
        (k) => (k as number) & 1,
        true,
        (k) => -(k as number),
      )
      .glom()
      .collect();
    t.deepEqual(
      parity.map((p) => tiesInBag(p)),
      [0, 1].map((i) =>
        tiesInBag(
          ints.filter(([k]) => ((k as number) & 1) === i).sort((a, b) => (b[0] as number) - (a[0] as number)),
        ),
      ),
    );
    t.deepEqual(await sc.emptyRDD<Pair>().repartitionAndSortWithinPartitions(2).glom().collect(), [[], []]);
  });

  for (const kind of ['inner', 'left', 'right', 'full'] as JoinKind[]) {
    test(`${kind} join ≡ nested-loop join (duplicate keys on both sides), at ${n} partitions`, async (t) => {
      const sc = context();
      const join = (a: RDD<Pair>, b: RDD<Pair>, parts?: number): Promise<unknown[]> => {
        if (kind === 'inner') return a.join(b, parts).collect();
        if (kind === 'left') return a.leftOuterJoin(b, parts).collect();
        if (kind === 'right') return a.rightOuterJoin(b, parts).collect();
        return a.fullOuterJoin(b, parts).collect();
      };
      const sets = datasets();
      for (const [nameA, a] of sets)
        for (const [nameB, b0] of sets) {
          const b = b0.filter((_, i) => i % 3 !== 1).map(([k, v]): Pair => [copyOf(k), v + 1000]);
          const expected = bag(joinRef(a, b, kind));
          const left = sc.parallelize(a, n);
          const right = sc.parallelize(b, other);
          t.deepEqual(bag(await join(left, right)), expected, `${nameA} ⋈ ${nameB}`);
          t.deepEqual(bag(await join(left, right, 2)), expected, `${nameA} ⋈ ${nameB}, 2 partitions`);
        }
      const data = sets[0]?.[1] as Pair[];
      for (const [name, e] of empties(sc, n)) {
        t.deepEqual(bag(await join(sc.parallelize(data, n), e)), bag(joinRef(data, [], kind)), name);
        t.deepEqual(bag(await join(e, sc.parallelize(data, n))), bag(joinRef([], data, kind)), name);
      }
    });
  }

  test(`joins of RDDs partitioned alike skip the shuffle and still match, at ${n} partitions`, async (t) => {
    const sc = context();
    const [, a] = datasets()[0] as [string, Pair[]];
    const b = a.filter((_, i) => i % 2 === 0).map(([k, v]): Pair => [copyOf(k), -v]);
    const left = sc.parallelize(a, n).partitionBy(3);
    const right = sc
      .parallelize(b, other)
      .partitionBy(3)
      .mapValues((v) => v * 10);
    const joined = left.join(right);
    t.is(await joined.getNumPartitions(), 3);
    t.notRegex(joined.explain().split('\n')[0] ?? '', /\+-/);
    t.is((joined.explain().match(/\+-/g) ?? []).length, 2, joined.explain());
    t.deepEqual(
      bag(await joined.collect()),
      bag(
        joinRef(
          a,
          b.map(([k, v]): Pair => [k, v * 10]),
          'inner',
        ),
      ),
    );
    const reduced = left.reduceByKey(add);
    t.is((reduced.explain().match(/\+-/g) ?? []).length, 1, reduced.explain());
    t.deepEqual(bag(await reduced.collect()), bag(reduceRef(a, add)));
    // A union of RDDs partitioned alike keeps the partitioning (Spark's PartitionerAwareUnionRDD).
    const union = left.union(right);
    t.is(await union.getNumPartitions(), 3);
    const [lg, rg, ug] = await Promise.all([
      left.glom().collect(),
      right.glom().collect(),
      union.glom().collect(),
    ]);
    t.deepEqual(
      ug,
      lg.map((p, i) => [...p, ...(rg[i] ?? [])]),
    );
    const unionReduced = union.reduceByKey(add);
    t.is((unionReduced.explain().match(/\+-/g) ?? []).length, 2, unionReduced.explain());
    t.deepEqual(
      bag(await unionReduced.collect()),
      bag(reduceRef([...a, ...b.map(([k, v]): Pair => [k, v * 10])], add)),
    );
    t.is(
      await left.union(sc.parallelize(b, 3)).getNumPartitions(),
      6,
      'not partitioned alike: partitions concatenated',
    );
    t.is(await left.union(sc.parallelize(b, other).partitionBy(4)).getNumPartitions(), 7);
  });

  test(`cogroup and groupWith (3 and 4 RDDs) ≡ the reference, at ${n} partitions`, async (t) => {
    const sc = context();
    const sets = datasets().map(([, d]) => d);
    const [mixed, ints, sparse] = sets as [Pair[], Pair[], Pair[]];
    const shifted = mixed.filter((_, i) => i % 4 === 0).map(([k, v]): Pair => [copyOf(k), v + 500]);
    t.deepEqual(
      bag(await sc.parallelize(mixed, n).cogroup(sc.parallelize(shifted, other)).collect()),
      bag(cogroupRef(mixed, shifted)),
    );
    t.deepEqual(
      bag(await sc.parallelize(mixed, n).cogroup(sc.parallelize(shifted, other), 4).collect()),
      bag(cogroupRef(mixed, shifted)),
    );
    const rdds = [mixed, ints, sparse, shifted].map((d, i) => sc.parallelize(d, i === 0 ? n : i + 1));
    const [r0, r1, r2, r3] = rdds as [RDD<Pair>, RDD<Pair>, RDD<Pair>, RDD<Pair>];
    t.deepEqual(bag(await r0.groupWith(r1, r2).collect()), bag(cogroupRef(mixed, ints, sparse)));
    t.deepEqual(bag(await r0.groupWith(r1, r2, r3).collect()), bag(cogroupRef(mixed, ints, sparse, shifted)));
    t.deepEqual(bag(await r0.groupWith().collect()), bag(cogroupRef(mixed)));
    t.is(await r0.groupWith(r1, r2).getNumPartitions(), n + 2 + 3);
    const e = sc.emptyRDD<Pair>();
    t.deepEqual(
      bag(await e.groupWith(r2, sc.parallelize<Pair>([], n)).collect()),
      bag(cogroupRef([], sparse, [])),
    );
    t.deepEqual(await e.cogroup(sc.parallelize<Pair>([], n)).collect(), []);
  });

  test(`subtractByKey, subtract, intersection and distinct ≡ set semantics under value equality, at ${n} partitions`, async (t) => {
    const sc = context();
    const sets = datasets();
    for (const [nameA, a] of sets)
      for (const [nameB, b0] of sets) {
        const b = b0.filter((_, i) => i % 2 === 0).map(([k, v]): Pair => [copyOf(k), v]);
        const label = `${nameA} − ${nameB}`;
        const left = sc.parallelize(a, n);
        t.deepEqual(
          bag(await left.subtractByKey(sc.parallelize(b, other)).collect()),
          bag(a.filter(([k]) => !b.some(([k2]) => refKey(k) === refKey(k2)))),
          `subtractByKey ${label}`,
        );
        const xs = a.map(([k]) => k);
        const ys = b.map(([k]) => k);
        const xr = sc.parallelize(xs, n);
        const yr = sc.parallelize(ys, other);
        t.deepEqual(bag(await xr.subtract(yr).collect()), bag(subtractRef(xs, ys)), `subtract ${label}`);
        t.deepEqual(
          bag(await xr.subtract(yr, 2).collect()),
          bag(subtractRef(xs, ys)),
          `subtract ${label}, 2`,
        );
        t.deepEqual(
          bag(await xr.intersection(yr).collect()),
          bag(intersectionRef(xs, ys)),
          `intersection ${label}`,
        );
        t.deepEqual(bag(await xr.distinct().collect()), bag(distinctRef(xs)), `distinct ${nameA}`);
        t.deepEqual(bag(await xr.distinct(3).collect()), bag(distinctRef(xs)), `distinct(3) ${nameA}`);
        // Whole pairs as elements: arrays compared by value.
        t.deepEqual(
          bag(await left.union(left).distinct().collect()),
          bag(distinctRef(a)),
          `distinct pairs ${nameA}`,
        );
      }
    for (const [name, e] of empties(sc, n)) {
      t.deepEqual(await e.distinct().collect(), [], name);
      t.deepEqual(await e.subtract(sc.parallelize<Pair>([[1, 1]], n)).collect(), [], name);
      t.deepEqual(
        await sc
          .parallelize<Pair>([[1, 1]], n)
          .subtract(e)
          .collect(),
        [[1, 1]],
        name,
      );
      t.deepEqual(await e.intersection(sc.parallelize<Pair>([[1, 1]], n)).collect(), [], name);
      t.deepEqual(
        await sc
          .parallelize<Pair>([[1, 1]], n)
          .subtractByKey(e)
          .collect(),
        [[1, 1]],
        name,
      );
    }
  });

  test(`distinct and reduceByKey keep the first of equal keys, -0 included (as PySpark's dicts do), at ${n} partitions`, async (t) => {
    const sc = context();
    const shown = (xs: readonly unknown[]) => xs.map((x) => (Object.is(x, -0) ? '-0' : x));
    t.deepEqual(shown(await sc.parallelize([-0, 0, 5, -0, 0], n).distinct(1).collect()), ['-0', 5]);
    const sums = await sc
      .parallelize<[number, number]>(
        [
          [-0, 1],
          [0, 2],
          [5, 3],
        ],
        n,
      )
      .reduceByKey((a, b) => a + b, 1)
      .collect();
    t.deepEqual(
      sums.map(([k, v]) => [shown([k])[0], v]),
      [
        ['-0', 3],
        [5, 3],
      ],
    );
  });

  test(`value equality of keys: -0/0, NaN, arrays, objects and Dates are one key each, at ${n} partitions`, async (t) => {
    const sc = context();
    const data: Pair[] = [
      [0, 1],
      [-0, 2],
      [Number.NaN, 4],
      [Number.NaN, 8],
      [[1, 'a'], 16],
      [[1, 'a'], 32],
      [{ a: 1, b: [2] }, 64],
      [{ b: [2], a: 1 }, 128],
      [new Date(7), 256],
      [new Date(7), 512],
      ['1', 1024],
      [1, 2048],
      [[1], 4096],
      [1n, 8192],
    ];
    const rdd = sc.parallelize(data, n);
    const sums = await rdd.reduceByKey(add).collect();
    t.deepEqual(
      bag(sums),
      bag([
        [0, 3],
        [Number.NaN, 12],
        [[1, 'a'], 48],
        [{ a: 1, b: [2] }, 192],
        [new Date(7), 768],
        ['1', 1024],
        [1, 2048],
        [[1], 4096],
        [1n, 8192],
      ]),
    );
    t.is(await rdd.keys().distinct().count(), 9);
    t.is((await rdd.countByKey()).size, 9);
    t.is(await rdd.groupByKey().count(), 9);
    t.is(await rdd.join(rdd).count(), 4 + 4 + 4 + 4 + 4 + 1 + 1 + 1 + 1);
    t.deepEqual(await rdd.lookup(-0), [1, 2]);
    t.deepEqual(await rdd.lookup(Number.NaN), [4, 8]);
    t.deepEqual(await rdd.partitionBy(3).lookup(new Date(7)), [256, 512]);
    t.deepEqual(unzero(await rdd.sortByKey().keys().distinct().count()), 9);
  });

  test(`cartesian pairs left partition i with right partition j, left-major, at ${n} partitions`, async (t) => {
    const sc = context();
    const xs = [1, 2, 3, 4, 5];
    const ys = ['a', [1], { k: 'v' }];
    const expected: [number, unknown][] = [];
    for (const px of slices(xs, n))
      for (const py of slices(ys, other)) for (const x of px) for (const y of py) expected.push([x, y]);
    const c = sc.parallelize(xs, n).cartesian(sc.parallelize(ys, other));
    t.is(await c.getNumPartitions(), n * other);
    t.deepEqual(await c.collect(), expected);
    t.deepEqual(await sc.parallelize(xs, n).cartesian(sc.parallelize([], other)).collect(), []);
    t.deepEqual(await sc.emptyRDD<number>().cartesian(sc.parallelize(ys, other)).collect(), []);
  });

  test(`repartition and coalesce(n, true) keep every element, at ${n} partitions`, async (t) => {
    const sc = context();
    for (const [name, data] of datasets()) {
      const rdd = sc.parallelize(data, n);
      for (const parts of [1, 3, 10]) {
        for (const r of [rdd.repartition(parts), rdd.coalesce(parts, true)]) {
          t.is(await r.getNumPartitions(), parts);
          const glom = await r.glom().collect();
          t.is(glom.length, parts);
          t.deepEqual(bag(glom.flat()), bag(data), `${name} into ${parts}`);
        }
      }
    }
    const spread = await sc.parallelize(range(1000), n).repartition(4).glom().collect();
    for (const p of spread)
      t.true(p.length >= 250 - n && p.length <= 250 + n, `sizes ${spread.map((p) => p.length)}`);
    t.deepEqual(await sc.emptyRDD<number>().repartition(3).glom().collect(), [[], [], []]);
  });

  test(`wide operators fail with TaskError on elements that are not pairs, at ${n} partitions`, async (t) => {
    const sc = context();
    const bad = sc.parallelize<unknown>([[1, 2], 'oops', [3, 4]], n) as unknown as RDD<[number, number]>;
    await t.throwsAsync(bad.reduceByKey(add).collect(), { instanceOf: TaskError, message: /pairs/ });
    await t.throwsAsync(bad.groupByKey().collect(), { instanceOf: TaskError, message: /pairs/ });
    await t.throwsAsync(bad.join(bad).collect(), { instanceOf: TaskError, message: /pairs/ });
    // The same through a fused chain ending in the map side's combining loop, from memory and from a generated source.
    for (const fused of [
      bad.map((x) => x),
      sc.range(0, 10, 1, n).map((x) => (x === 5 ? 'oops' : [x % 2, x]) as unknown as [number, number]),
    ]) {
      const f = await t.throwsAsync(fused.reduceByKey(add).collect(), {
        instanceOf: TaskError,
        message: /reduceByKey expects \[key, value\] pairs, got "oops"/,
      });
      t.is(f?.operator, 'reduceByKey');
    }
    const boom = sc.parallelize<[number, number]>(
      [
        [1, 1],
        [1, 2],
      ],
      n,
    );
    const e = await t.throwsAsync(
      boom
        .reduceByKey(() => {
          throw new Error('boom');
        })
        .collect(),
      { instanceOf: TaskError },
    );
    t.is(e?.operator, 'reduceByKey');
  });
}

test('wide operators are lazy: nothing runs until an action, sort sampling included', async (t) => {
  const sc = context();
  let calls = 0;
  const rdd = sc.parallelize(range(20), 3).map((x): [number, number] => {
    calls++;
    return [x % 4, x];
  });
  const plans = [
    rdd.reduceByKey(add),
    rdd.groupByKey(),
    rdd.sortByKey(),
    rdd.sortBy((p) => p[1], false, 4),
    rdd.join(rdd),
    rdd.distinct(),
    rdd.partitionBy(2),
    rdd.repartition(5),
    rdd.cogroup(rdd),
    rdd.subtract(rdd),
  ];
  t.is(calls, 0);
  await plans[3]?.collect();
  t.is(calls, 20, 'sortBy computes its parent once per action, sampling included');
});

test('a shuffle output is computed once per action and again for the next action', async (t) => {
  const sc = context();
  let calls = 0;
  const reduced = sc
    .parallelize(range(30), 3)
    .map((x): [number, number] => {
      calls++;
      return [x % 5, x];
    })
    .reduceByKey(add);
  const joined = reduced.join(reduced.mapValues((v) => -v));
  await joined.collect();
  t.is(calls, 30, 'both sides of the join read the same reduceByKey output: its map side runs once');
  calls = 0;
  await reduced.collect();
  t.is(calls, 30);
  const cached = reduced.cache();
  await cached.collect();
  calls = 0;
  await cached.join(cached).collect();
  t.is(calls, 0, 'a cached shuffle output is not recomputed');
});

test('a shuffle output read twice in one action is the same both times (mutating combiners)', async (t) => {
  const sc = context();
  const data: [number, string][] = [
    [2, 'a'],
    [2, 'b'],
    [2, 'c'],
    [1, 'd'],
    [1, 'e'],
  ];
  const expected: [number, string[]][] = [
    [2, ['a', 'b', 'c']],
    [1, ['d', 'e']],
  ];
  for (const n of PARTITIONS) {
    const rdd = sc.parallelize(data, n);
    const grouped = rdd.groupByKey(2);
    const pushed = rdd.aggregateByKey(
      [] as string[],
      (acc, v) => {
        acc.push(v);
        return acc;
      },
      (a, b) => {
        a.push(...b);
        return a;
      },
      2,
    );
    const combined = rdd.combineByKey(
      (v) => [v],
      (c: string[], v) => {
        c.push(v);
        return c;
      },
      (a, b) => {
        a.push(...b);
        return a;
      },
      2,
    );
    for (const [name, r] of [
      ['groupByKey', grouped],
      ['aggregateByKey', pushed],
      ['combineByKey', combined],
    ] as const) {
      t.deepEqual(bag(await r.collect()), bag(expected), `${name} at ${n}`);
      t.deepEqual(
        bag(await r.union(r).collect()),
        bag([...expected, ...expected]),
        `${name}.union(itself) at ${n}`,
      );
      t.deepEqual(
        bag(await r.join(r).collect()),
        bag(expected.map(([k, vs]) => [k, [vs, vs]])),
        `${name}.join(itself) at ${n}`,
      );
      t.deepEqual(
        bag((await r.zipWithIndex().collect()).map(([kv]) => kv)),
        bag(expected),
        `${name}.zipWithIndex() at ${n}`,
      );
      t.deepEqual(
        bag((await r.zip(r.mapValues((vs) => vs.length)).collect()).map(([kv]) => kv)),
        bag(expected),
        `${name}.zip(derived) at ${n}`,
      );
    }
  }
});

test('partitionBy with the exported portableHash is the default hash partitioner, as in PySpark', async (t) => {
  const sc = context();
  // Floats and tuples hash above 2^53, where portableHash's number result is rounded.
  const keys: unknown[] = [0.5, 1.5, -1.5, 2.25, [1, 2], [1, [2.5, -3]], 1e20, 7, -1, 'a'];
  const rdd = sc.parallelize(
    keys.map((k, i): [unknown, number] => [k, i]),
    2,
  );
  for (const n of [3, 5, 7]) {
    t.deepEqual(
      await rdd.partitionBy(n, portableHash).glom().collect(),
      await rdd.partitionBy(n).glom().collect(),
      `${n} partitions`,
    );
    const joined = rdd.partitionBy(n).join(rdd.partitionBy(n, portableHash));
    t.is(await joined.getNumPartitions(), n);
    t.is((joined.explain().match(/\+-/g) ?? []).length, 2, joined.explain());
  }
});

test('bad arguments to wide operators throw ArgumentError synchronously', (t) => {
  const sc = context();
  const rdd = sc.parallelize<[number, number]>([[1, 1]], 2);
  const otherContext = new Context({ defaultParallelism: 2 }).parallelize<[number, number]>([[1, 1]]);
  const notAnRdd = [[1, 1]] as unknown as RDD<[number, number]>;
  const notAFunction = 'f' as unknown as (a: number, b: number) => number;
  for (const bad of [0, -1, 1.5, Number.NaN, '3' as unknown as number]) {
    const attempts: [string, () => unknown][] = [
      ['reduceByKey', () => rdd.reduceByKey(add, bad)],
      ['foldByKey', () => rdd.foldByKey(0, add, bad)],
      ['aggregateByKey', () => rdd.aggregateByKey(0, add, add, bad)],
      ['combineByKey', () => rdd.combineByKey((v) => v, add, add, bad)],
      ['groupByKey', () => rdd.groupByKey(bad)],
      ['groupBy', () => rdd.groupBy((x) => x, bad)],
      ['partitionBy', () => rdd.partitionBy(bad)],
      ['sortByKey', () => rdd.sortByKey(true, bad)],
      ['sortBy', () => rdd.sortBy((x) => x, true, bad)],
      ['repartitionAndSortWithinPartitions', () => rdd.repartitionAndSortWithinPartitions(bad)],
      ['join', () => rdd.join(rdd, bad)],
      ['leftOuterJoin', () => rdd.leftOuterJoin(rdd, bad)],
      ['rightOuterJoin', () => rdd.rightOuterJoin(rdd, bad)],
      ['fullOuterJoin', () => rdd.fullOuterJoin(rdd, bad)],
      ['cogroup', () => rdd.cogroup(rdd, bad)],
      ['subtractByKey', () => rdd.subtractByKey(rdd, bad)],
      ['subtract', () => rdd.subtract(rdd, bad)],
      ['intersection', () => rdd.intersection(rdd, bad)],
      ['distinct', () => rdd.distinct(bad)],
      ['repartition', () => rdd.repartition(bad)],
      ['coalesce(n, true)', () => rdd.coalesce(bad, true)],
    ];
    for (const [name, f] of attempts)
      t.throws(
        f,
        { instanceOf: ArgumentError, message: /numPartitions must be a positive integer/ },
        `${name}(${String(bad)})`,
      );
  }
  const others: [string, () => unknown][] = [
    ['join', () => rdd.join(notAnRdd)],
    ['leftOuterJoin', () => rdd.leftOuterJoin(otherContext)],
    ['cogroup', () => rdd.cogroup(notAnRdd)],
    ['groupWith', () => rdd.groupWith(rdd, notAnRdd)],
    ['subtractByKey', () => rdd.subtractByKey(otherContext)],
    ['subtract', () => rdd.subtract(notAnRdd)],
    ['intersection', () => rdd.intersection(otherContext)],
    ['cartesian', () => rdd.cartesian(notAnRdd)],
    ['union', () => rdd.union(otherContext)],
  ];
  for (const [name, f] of others) t.throws(f, { instanceOf: ArgumentError }, name);
  const functions: [string, () => unknown][] = [
    ['reduceByKey', () => rdd.reduceByKey(notAFunction)],
    ['foldByKey', () => rdd.foldByKey(0, notAFunction)],
    ['aggregateByKey', () => rdd.aggregateByKey(0, add, notAFunction)],
    ['combineByKey', () => rdd.combineByKey((v) => v, notAFunction, add)],
    ['groupBy', () => rdd.groupBy(notAFunction as unknown as (x: [number, number]) => number)],
    ['sortBy', () => rdd.sortBy(notAFunction as unknown as (x: [number, number]) => number)],
    ['sortByKey keyfunc', () => rdd.sortByKey(true, 2, notAFunction as unknown as (k: number) => number)],
    ['partitionBy partitionFunc', () => rdd.partitionBy(2, notAFunction as unknown as (k: number) => number)],
    [
      'reduceByKey partitionFunc',
      () => rdd.reduceByKey(add, 2, notAFunction as unknown as (k: number) => number),
    ],
  ];
  for (const [name, f] of functions) t.throws(f, { instanceOf: ArgumentError }, name);
});

// PySpark gives the same result every time, since each task deserializes its
// input afresh: a combiner starts from a copy of the key's first value (one
// copy per distinct key per partition; primitives are not copied), so an `f`
// that mutates its first argument never touches the source's elements.
test('reduceByKey and reduce with a mutating function give the same result on every action', async (t) => {
  const sc = context();
  const data: [string, number[]][] = [
    ['k', [1]],
    ['k', [2]],
  ];
  const merged = sc.parallelize(data, 1).reduceByKey((a, b) => {
    a.push(...b);
    return a;
  });
  t.deepEqual(await merged.collect(), [['k', [1, 2]]]);
  t.deepEqual(await merged.collect(), [['k', [1, 2]]]);
  const lists = sc.parallelize([[1], [2], [3]], 2);
  const concat = (a: number[], b: number[]) => {
    a.push(...b);
    return a;
  };
  t.deepEqual(await lists.reduce(concat), [1, 2, 3]);
  t.deepEqual(await lists.reduce(concat), [1, 2, 3]);
  t.deepEqual(data, [
    ['k', [1]],
    ['k', [2]],
  ]);
});

test('a ValueMap zero value (private fields) is copied per partition and per key and still works', async (t) => {
  const sc = context();
  const rdd = sc.parallelize<[string, number]>(
    [
      ['a', 1],
      ['a', 2],
      ['b', 3],
      ['a', 1],
    ],
    2,
  );
  const zero = new ValueMap<number[], number>([[[0], 0]]);
  const seq = (m: ValueMap<number[], number>, v: number) => m.set([v], (m.get([v]) ?? 0) + 1);
  const comb = (a: ValueMap<number[], number>, b: ValueMap<number[], number>) => {
    for (const [k, n] of b) a.set(k, (a.get(k) ?? 0) + n);
    return a;
  };
  const perKey = await rdd.aggregateByKey(zero, seq, comb).collectAsMap();
  t.deepEqual(
    [...(perKey.get('a') ?? [])],
    [
      [[0], 0],
      [[1], 2],
      [[2], 1],
    ],
  );
  t.true(perKey.get('b') instanceof ValueMap);
  t.deepEqual([...zero], [[[0], 0]], 'aggregateByKey leaves the zero itself untouched');
  // aggregate merges the partial results into zeroValue itself, as PySpark does (op may modify its first argument).
  const all = await rdd.values().aggregate(zero, seq, comb);
  t.true(all instanceof ValueMap);
  t.deepEqual(
    [...all].sort((x, y) => (x[0][0] ?? 0) - (y[0][0] ?? 0)),
    [
      [[0], 0],
      [[1], 2],
      [[2], 1],
      [[3], 1],
    ],
  );
});
