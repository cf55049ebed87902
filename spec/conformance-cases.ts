/**
 * The PySpark conformance table, shared by spec/conformance.spec.ts (local
 * mode) and spec/spark/conformance.spec.ts (the same cases on a Spark
 * cluster). spec/fixtures/pyspark_cases.py ran each case in PySpark 4.3
 * local[2] once; its output is committed as spec/fixtures/pyspark-expected.json,
 * so no PySpark is needed. Each case below is the same computation in
 * sparkling, named as in the script. Results are compared exactly unless
 * PySpark leaves the order undefined (`unordered`: compared as multisets).
 * Not a spec file.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecutionContext } from 'ava';
import {
  type Context,
  type RDD,
  SparklingError,
  StatCounter,
  UnsupportedOnSparkError,
} from '../lib/index.js';
import { range } from './helpers.js';
import { bag, naturalRef } from './reference.js';

type Expected =
  | { value: unknown; unordered: boolean }
  | { error: string; message: string; exactMessage: boolean };

export const expected = JSON.parse(
  readFileSync(new URL('./fixtures/pyspark-expected.json', import.meta.url), 'utf8'),
) as Record<string, Expected>;

/** JSON back to sparkling's conventions: null (Python's None) is `undefined`; NaN and infinities are tagged. */
function decode(x: unknown): unknown {
  if (x === null) return undefined;
  if (Array.isArray(x)) return x.map(decode);
  if (typeof x === 'object') {
    const f = (x as { $float?: string }).$float;
    if (f === 'nan') return Number.NaN;
    if (f === 'inf') return Number.POSITIVE_INFINITY;
    if (f === '-inf') return Number.NEGATIVE_INFINITY;
    throw new Error(`unexpected object in the expected JSON: ${JSON.stringify(x)}`);
  }
  return x;
}

/** sparkling's results in the JSON's shapes: Maps as entry lists, a StatCounter as its asDict() entries. */
function normalize(x: unknown): unknown {
  if (x instanceof StatCounter) return Object.entries(x.asDict()).map(([k, v]) => [k, v]);
  if (x instanceof Uint8Array) return [...x];
  if (x instanceof Map) return [...x].map(([k, v]) => [normalize(k), normalize(v)]);
  if (Array.isArray(x)) return x.map(normalize);
  return x;
}

const add = (a: number, b: number): number => a + b;
/** A directory of fixed-length record files, as pyspark_cases.py's `records_dir`. */
function recordsDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sparkling-records-'));
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'a.bin'), Uint8Array.from(range(12)));
  writeFileSync(join(d, 'b.bin'), Uint8Array.from(range(8).map((i) => 100 + i)));
  writeFileSync(join(d, 'c.bin'), new Uint8Array(0));
  return d;
}
/** Python's `sorted` for lists of numbers or of strings. */
const sorted = <T>(xs: Iterable<T>): T[] => [...xs].sort(naturalRef);
const words = ['b', 'a', 'B', '\u00e9', '\u{1F600}', '\uffff', '', 'ab'];
/** Strings of every PEP 393 width (Python's string hash reads 1, 2 or 4 bytes per code point). */
const widths = [
  'a',
  'b',
  'c',
  'spark',
  '',
  '\u00e9',
  '\u00ff',
  '\u0100x',
  '\uffff',
  '\u{1F600}',
  '\u{1F600}a',
  'key-12',
  'key-13',
  'a'.repeat(40),
];
const pairs: [string, number][] = [
  ['a', 1],
  ['b', 2],
  ['a', 3],
  ['c', 4],
  ['b', 5],
  ['a', 6],
];
const left: [number, string][] = [
  [1, 'x'],
  [1, 'y'],
  [2, 'z'],
  [3, 'w'],
];
const right: [number, string][] = [
  [1, 'A'],
  [1, 'B'],
  [2, 'C'],
  [4, 'D'],
];
const sumOf = async (it: AsyncIterable<number>): Promise<number[]> => {
  let s = 0;
  for await (const x of it) s += x;
  return [s];
};
const listOf = async <T>(it: AsyncIterable<T>): Promise<T[]> => {
  const xs: T[] = [];
  for await (const x of it) xs.push(x);
  return xs;
};
/** The message a computation fails with (synchronously or not), or undefined: Python's `message` helper. */
const message = async (f: () => unknown): Promise<string | undefined> => {
  try {
    await f();
  } catch (e) {
    return (e as Error).message;
  }
  return undefined;
};
const coPartitioned = (sc: Context): [RDD<[number, number]>, RDD<[number, number]>] => [
  sc
    .parallelize(
      range(10).map((i): [number, number] => [i, i]),
      2,
    )
    .partitionBy(3),
  sc
    .parallelize(
      range(10).map((i): [number, number] => [i, -i]),
      4,
    )
    .partitionBy(3),
];

export const cases: Record<string, (sc: Context) => Promise<unknown>> = {
  // ------------------------------------------------------------ narrow
  map: (sc) =>
    sc
      .range(0, 10, 1, 3)
      .map((x) => x * x)
      .collect(),
  flatMap: (sc) =>
    sc
      .parallelize(['a b', 'c d e', ''], 2)
      .flatMap((s) => s.split(' '))
      .collect(),
  filter: (sc) =>
    sc
      .range(0, 10, 1, 4)
      .filter((x) => x % 3 === 0)
      .collect(),
  mapPartitions: (sc) => sc.range(0, 10, 1, 4).mapPartitions(sumOf).collect(),
  mapPartitionsWithIndex: (sc) =>
    sc
      .range(0, 5, 1, 3)
      .mapPartitionsWithIndex(async (i, it) => [[i, await listOf(it)]])
      .collect(),
  'glom parallelize 8 into 5': (sc) => sc.range(0, 8, 1, 5).glom().collect(),
  'glom parallelize 3 into 5 (empty partitions)': (sc) => sc.range(0, 3, 1, 5).glom().collect(),
  'glom parallelize empty into 3': (sc) => sc.parallelize([], 3).glom().collect(),
  'glom range(0, 10, 3, 2)': (sc) => sc.range(0, 10, 3, 2).glom().collect(),
  'glom coalesce 10 into 4': (sc) => sc.range(0, 10, 1, 10).coalesce(4).glom().collect(),
  'glom coalesce 5 into 2': (sc) => sc.range(0, 10, 1, 5).coalesce(2).glom().collect(),
  'glom coalesce 7 into 3': (sc) => sc.range(0, 7, 1, 7).coalesce(3).glom().collect(),
  'coalesce to more partitions keeps the count': (sc) => sc.range(0, 4, 1, 2).coalesce(5).getNumPartitions(),
  'repartition: count and contents': async (sc) => {
    const r = sc.range(0, 20, 1, 3).repartition(5);
    return [await r.getNumPartitions(), sorted(await r.collect())];
  },
  'coalesce with shuffle: count and contents': async (sc) => {
    const r = sc.range(0, 20, 1, 3).coalesce(5, true);
    return [await r.getNumPartitions(), sorted(await r.collect())];
  },
  'glom range with a negative step': async (sc) => [
    await sc.range(10, 0, -3, 3).glom().collect(),
    await sc.range(5).collect(),
    await sc.range(5, 5, 1, 2).glom().collect(),
  ],
  'glom coalesce 20 into 7, 9 into 4, 3 into 2': async (sc) => [
    await sc.range(0, 20, 1, 20).coalesce(7).glom().collect(),
    await sc.range(0, 9, 1, 9).coalesce(4).glom().collect(),
    await sc.range(0, 3, 1, 3).coalesce(2).glom().collect(),
  ],
  'glom coalesce of a union': (sc) =>
    sc
      .range(0, 4, 1, 2)
      .union(sc.range(4, 10, 1, 3))
      .coalesce(2)
      .glom()
      .collect(),
  'parallelize a list: PySpark slices it in batches of len // numSlices (at most 1024)': async (sc) => [
    await sc.parallelize(range(20), 7).glom().collect(),
    await sc.parallelize(range(10), 4).glom().collect(),
    await sc.parallelize(range(11), 4).mapPartitions(sumOf).collect(),
    await sc
      .parallelize(range(3000), 2)
      .glom()
      .map((p) => p.length)
      .collect(),
    await sc.parallelize(range(11), 4).zipWithUniqueId().collect(),
  ],
  'zipWithUniqueId of 7 in 3': (sc) => sc.range(0, 7, 1, 3).zipWithUniqueId().collect(),
  'keyBy, keys, values': async (sc) => {
    const r = sc.range(0, 4, 1, 2).keyBy((x) => x % 2);
    return [await r.collect(), await r.keys().collect(), await r.values().collect()];
  },
  'mapValues and flatMapValues': async (sc) => {
    const r = sc.parallelize<[string, number[]]>(
      [
        ['a', [1, 2]],
        ['b', []],
        ['c', [3]],
      ],
      2,
    );
    return [await r.mapValues((v) => v.length).collect(), await r.flatMapValues((v) => v).collect()];
  },
  zip: (sc) =>
    sc
      .range(0, 5, 1, 2)
      .zip(sc.parallelize([...'abcde'], 2))
      .collect(),
  'zip with different partition counts': (sc) =>
    sc
      .range(0, 4, 1, 2)
      .zip(sc.range(0, 4, 1, 3))
      .collect(),
  'zip with different element counts': (sc) =>
    sc
      .range(0, 4, 1, 2)
      .zip(sc.range(0, 5, 1, 2))
      .collect(),
  zipWithIndex: (sc) =>
    sc
      .parallelize([...'abcde'], 3)
      .zipWithIndex()
      .collect(),
  'zipWithIndex after a filter that empties partitions': (sc) =>
    sc
      .range(0, 10, 1, 4)
      .filter((x) => x < 2 || x > 8)
      .zipWithIndex()
      .collect(),
  zipWithUniqueId: (sc) =>
    sc
      .parallelize([...'abcde'], 3)
      .zipWithUniqueId()
      .collect(),
  'union: elements and partition count': async (sc) => {
    const r = sc.parallelize([1, 2], 2).union(sc.parallelize([2, 3], 3));
    return [await r.collect(), await r.getNumPartitions()];
  },
  'cartesian: order and partition count': async (sc) => {
    const r = sc.parallelize([1, 2], 2).cartesian(sc.parallelize(['a', 'b', 'c'], 2));
    return [await r.collect(), await r.getNumPartitions()];
  },
  pipe: (sc) => sc.parallelize(['b', 'a', 'c'], 1).pipe('sort').collect(),

  // ----------------------------------------------------------- actions
  'count, first, take across empty partitions': async (sc) => {
    const r = sc.parallelize([1, 2, 3], 5);
    return [await r.count(), await r.first(), await r.take(2), await r.take(10), await r.take(0)];
  },
  'first on an empty RDD': (sc) => sc.parallelize([], 2).first(),
  'reduce on an empty RDD': (sc) => sc.parallelize<number>([], 2).reduce(add),
  'max on an empty RDD': (sc) => sc.parallelize<number>([], 2).max(),
  'treeReduce on an empty RDD': (sc) => sc.parallelize<number>([], 2).treeReduce(add),
  'takeSample with a negative size': (sc) => sc.parallelize([1, 2], 2).takeSample(false, -1),
  'takeSample without replacement, more than the count': async (sc) =>
    sorted(await sc.range(0, 10, 1, 3).takeSample(false, 100, 7)),
  'takeSample sizes': async (sc) => {
    const r = sc.range(0, 10, 1, 3);
    return [
      (await r.takeSample(false, 4, 1)).length,
      (await r.takeSample(true, 25, 1)).length,
      await r.takeSample(false, 0, 1),
    ];
  },
  'top and takeOrdered': async (sc) => {
    const r = sc.parallelize([3, 1, 5, 2, 5, 4], 3);
    return [
      await r.top(3),
      await r.top(3, (x) => -x),
      await r.takeOrdered(3),
      await r.takeOrdered(3, (x) => -x),
      await r.top(0),
    ];
  },
  'top and takeOrdered of tuples and strings': async (sc) => {
    const t = sc.parallelize<[number, string]>(
      [
        [1, 'b'],
        [1, 'a'],
        [0, 'z'],
        [2, ''],
      ],
      2,
    );
    const s = sc.parallelize(words, 3);
    return [
      await t.top(2),
      await t.takeOrdered(2),
      await s.top(3),
      await s.takeOrdered(3),
      await t.top(2, (p) => p[1]),
    ];
  },
  'top and takeOrdered keep ties in arrival order': async (sc) => {
    const r = sc.parallelize<[number, string]>(
      [
        [1, 'a'],
        [0, 'b'],
        [1, 'c'],
        [0, 'd'],
      ],
      2,
    );
    return [await r.takeOrdered(3, (p) => p[0]), await r.top(3, (p) => p[0])];
  },
  'top on an empty RDD': (sc) => sc.parallelize([], 2).top(3),
  'reduce, treeReduce, max, min with key': async (sc) => {
    const r = sc.parallelize([3, 1, 5, 2], 2);
    return [
      await r.reduce(add),
      await r.treeReduce(add),
      await sc.range(1, 21, 1, 7).treeReduce(add, 3),
      await r.max(),
      await r.min(),
      await r.max((x) => -x),
      await r.min((x) => -x),
      await sc.parallelize(words, 2).max(),
      await sc.parallelize(words, 2).min(),
    ];
  },
  'fold: zero once per partition and once more for the merge': async (sc) => [
    await sc.parallelize([1, 2, 3], 3).fold(10, add),
    await sc.parallelize<number>([], 2).fold(10, add),
    await sc.parallelize([1, 2, 3, 4], 2).fold(0, add),
    await sc.emptyRDD<number>().fold(10, add),
  ],
  'aggregate: zero semantics': async (sc) => {
    const seq = (acc: [number, number], x: number): [number, number] => [acc[0] + x, acc[1] + 1];
    const comb = (a: [number, number], b: [number, number]): [number, number] => [a[0] + b[0], a[1] + b[1]];
    return [
      await sc.parallelize([1, 2, 3, 4], 2).aggregate<[number, number]>([0, 0], seq, comb),
      await sc.parallelize([1, 2, 3, 4], 2).aggregate(1, add, add),
      await sc.parallelize<number>([], 2).aggregate(5, add, add),
      await sc.parallelize([1, 2, 3, 4], 2).treeAggregate(1, add, add),
      await sc.parallelize<number>([], 2).treeAggregate(5, add, add),
      await sc.range(0, 20, 1, 7).treeAggregate(0, add, add, 3),
    ];
  },
  'sum, count, mean, variance, stdev': async (sc) => {
    const r = sc.parallelize([1.5, 2, 3, 4, 10], 3);
    return [
      await r.sum(),
      await r.count(),
      await r.mean(),
      await r.variance(),
      await r.stdev(),
      await r.sampleVariance(),
      await r.sampleStdev(),
    ];
  },
  stats: (sc) => sc.parallelize([1, 2, 3, 4, 5, 6, 7.5], 3).stats(),
  'stats of an RDD with empty partitions only': (sc) => sc.parallelize<number>([], 2).stats(),
  'mean of an RDD with empty partitions only': async (sc) => [
    await sc.parallelize<number>([], 2).mean(),
    await sc.parallelize<number>([], 2).sum(),
    await sc.emptyRDD<number>().sum(),
  ],
  'stats of an RDD with no partitions': (sc) => sc.emptyRDD<number>().stats(),
  'histogram with a bucket count': async (sc) => [
    await sc.parallelize([1, 2, 3, 4], 2).histogram(3),
    await sc.parallelize([0, 0.5, 1, 1, 10], 2).histogram(4),
    await sc.parallelize([5, 5, 5], 2).histogram(3),
    await sc.range(0, 51, 1, 3).histogram(10),
    await sc.parallelize([1.0, Number.NaN, 3.0], 2).histogram(2),
  ],
  'histogram with explicit buckets': async (sc) => {
    const r = sc.parallelize([0, 1, 5, 9, 10, 11, -1, 5.5], 3);
    return [
      await r.histogram([0, 5, 10]),
      await r.histogram([0, 10]),
      await r.histogram([0, 2, 10]),
      await sc.parallelize<number>([], 2).histogram([0, 1]),
    ];
  },
  'histogram of an empty RDD with a bucket count': (sc) => sc.parallelize<number>([], 2).histogram(3),
  'histogram argument errors': async (sc) => {
    const r = sc.parallelize([1, 2, 3]);
    return [
      await message(() => r.histogram([3, 1, 2])),
      await message(() => r.histogram([1])),
      await message(() => r.histogram([1, 1, 2])),
      await message(() => r.histogram([0, Number.NaN])),
      await message(() => r.histogram(0)),
      await message(() => sc.parallelize([1, 2, Number.POSITIVE_INFINITY]).histogram(2)),
    ];
  },
  'histogram with uneven buckets and huge values': async (sc) => [
    await sc.parallelize([0, 1, 2, 3, 3.5, 9, 10, 10.0], 3).histogram([0, 1, 3.5, 10]),
    await sc.parallelize([-10, -5, 0, 5], 2).histogram(3),
    await sc.parallelize([1e300, -1e300], 2).histogram(2),
  ],
  'tree depth errors': async (sc) => {
    const r = sc.parallelize([1, 2]);
    return [await message(() => r.treeAggregate(0, add, add, 0)), await message(() => r.treeReduce(add, 0))];
  },
  countByValue: (sc) => sc.parallelize<unknown>([1, 2, 1, 'a', [1, 'a'], [1, 'a'], 1], 3).countByValue(),
  countByKey: (sc) => sc.parallelize(pairs, 3).countByKey(),
  isEmpty: async (sc) => [
    await sc.parallelize([], 3).isEmpty(),
    await sc.parallelize([1], 3).isEmpty(),
    await sc.emptyRDD().isEmpty(),
    await sc
      .range(0, 5, 1, 3)
      .filter((x) => x > 3)
      .isEmpty(),
  ],
  'collectAsMap: the later value wins': (sc) =>
    sc
      .parallelize<[unknown, string]>(
        [
          [1, 'a'],
          [2, 'b'],
          [1, 'c'],
          [[1, 2], 't'],
        ],
        2,
      )
      .collectAsMap(),
  lookup: async (sc) => {
    const r = sc.parallelize<[unknown, string]>(
      [
        [1, 'a'],
        [2, 'b'],
        [1, 'c'],
        ['s', 'd'],
      ],
      3,
    );
    return [
      sorted(await r.lookup(1)),
      await r.lookup(9),
      sorted(await r.partitionBy(2).lookup(1)),
      await r.partitionBy(2).lookup('s'),
    ];
  },
  emptyRDD: async (sc) => {
    const e = sc.emptyRDD<number>();
    return [
      await e.getNumPartitions(),
      await e.collect(),
      await e.count(),
      await e.isEmpty(),
      await e.take(3),
      await e.sum(),
    ];
  },
  'top on an RDD with no partitions': (sc) => sc.emptyRDD<number>().top(2),
  'takeOrdered on an RDD with no partitions': (sc) => sc.emptyRDD<number>().takeOrdered(2),

  // -------------------------------------------------------------- wide
  reduceByKey: (sc) => sc.parallelize(pairs, 3).reduceByKey(add).collect(),
  'reduceByKey with tuple keys and 0/-0.0': (sc) =>
    sc
      .parallelize<[unknown, number]>(
        [
          [[1, 'a'], 1],
          [[1, 'a'], 2],
          [[2, 'a'], 4],
          [0, 8],
          [-0, 16],
        ],
        3,
      )
      .reduceByKey(add)
      .collect(),
  'reduceByKey: partition count default and explicit': async (sc) => {
    const r = sc.parallelize(pairs, 3);
    return [await r.reduceByKey(add).getNumPartitions(), await r.reduceByKey(add, 5).getNumPartitions()];
  },
  'foldByKey: the zero is folded in once per map partition holding the key': (sc) =>
    sc
      .parallelize<[string, number]>(
        [
          ['a', 1],
          ['a', 2],
          ['b', 3],
        ],
        2,
      )
      .foldByKey(10, add)
      .collect(),
  'aggregateByKey: zero per map partition': (sc) =>
    sc
      .parallelize(pairs, 2)
      .aggregateByKey<string, number, [number, number]>(
        [100, 0],
        (acc, v) => [acc[0] + v, acc[1] + 1],
        (a, b) => [a[0] + b[0], a[1] + b[1]],
      )
      .collect(),
  combineByKey: (sc) =>
    sc
      .parallelize(pairs, 3)
      .combineByKey(
        (v): number[] => [v],
        (c, v) => [...c, v],
        (a, b) => [...a, ...b],
      )
      .mapValues(sorted)
      .collect(),
  groupByKey: (sc) => sc.parallelize(pairs, 3).groupByKey().mapValues(sorted).collect(),
  groupBy: (sc) =>
    sc
      .range(0, 10, 1, 3)
      .groupBy((x) => x % 3)
      .mapValues(sorted)
      .collect(),
  'partitionBy layout of integer keys': (sc) =>
    sc
      .parallelize(
        [5, -1, 3, 0, 7, 2, 8, -4, 1, 6].map((i): [number, number] => [i, i * 10]),
        3,
      )
      .partitionBy(3)
      .glom()
      .collect(),
  'partitionBy layout of float, tuple, None and bool keys': (sc) => {
    const keys: unknown[] = [
      0.5,
      -1.5,
      2.25,
      1e20,
      -0,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      2 ** 61,
      -(2 ** 70),
      1e-300,
      [1, 2],
      [1, [2.5, -3]],
      [],
      undefined,
      true,
      false,
      [undefined, true],
      -1,
      -2,
      2 ** 53,
    ];
    return sc
      .parallelize(
        keys.map((k, i): [unknown, number] => [k, i]),
        2,
      )
      .partitionBy(5)
      .glom()
      .collect();
  },
  'union of RDDs partitioned alike keeps the partitioning': async (sc) => {
    const [a, b] = coPartitioned(sc);
    const u = a.union(b);
    return [
      await u.getNumPartitions(),
      await u
        .glom()
        .map((p) => sorted(p.map(([k]) => k)))
        .collect(),
    ];
  },
  'join of RDDs partitioned alike keeps their partition count': async (sc) => {
    const [a, b] = coPartitioned(sc);
    return [
      await a.join(b).getNumPartitions(),
      await a.cogroup(b).getNumPartitions(),
      await a.reduceByKey(add).getNumPartitions(),
    ];
  },
  'partitionBy with a partition function': (sc) =>
    sc
      .parallelize(
        range(8).map((i): [number, string] => [i, String(i)]),
        3,
      )
      .partitionBy(2, (k) => (k < 3 ? 0 : 1))
      .glom()
      .collect(),
  'sortByKey ascending, descending, numPartitions': async (sc) => {
    const r = sc.parallelize(
      [5, 3, 9, 1, 7, 0, 8, 2, 6, 4].map((k, i): [number, number] => [k, i]),
      3,
    );
    const s = r.sortByKey(true, 4);
    return [
      await r.sortByKey().collect(),
      await r.sortByKey(false).collect(),
      await s.collect(),
      await s.getNumPartitions(),
    ];
  },
  'sortByKey with a key function': (sc) =>
    sc
      .parallelize<[string, number]>(
        [
          ['b', 1],
          ['A', 2],
          ['c', 3],
          ['a', 4],
          ['C', 5],
        ],
        2,
      )
      .sortByKey(true, 2, (k) => k.toLowerCase())
      .keys()
      .collect(),
  'sortByKey of tuples and strings': async (sc) => {
    const r = sc.parallelize<[unknown[], number]>(
      [
        [[1, 'b'], 1],
        [[0, 'z'], 2],
        [[1, 'a'], 3],
        [[1], 4],
      ],
      2,
    );
    const s = sc.parallelize(
      words.map((w, i): [string, number] => [w, i]),
      3,
    );
    return [await r.sortByKey().collect(), await s.sortByKey().keys().collect()];
  },
  sortBy: async (sc) => {
    const r = sc.parallelize([3, 1, 4, 1, 5, 9, 2, 6], 3);
    return [
      await r.sortBy((x) => x).collect(),
      await r.sortBy((x) => -x).collect(),
      await r.sortBy((x) => x, false, 2).collect(),
      await r.sortBy((x) => x, true, 5).getNumPartitions(),
      await r.sortBy((x) => x).getNumPartitions(),
    ];
  },
  'sortBy of an empty RDD': async (sc) => [
    await sc
      .parallelize<number>([], 3)
      .sortBy((x) => x)
      .collect(),
    await sc.parallelize<[number, number]>([], 2).sortByKey().collect(),
  ],
  repartitionAndSortWithinPartitions: async (sc) => {
    const r = sc.parallelize<[number, string]>(
      [
        [3, 'c'],
        [1, 'a'],
        [2, 'b'],
        [4, 'd'],
        [5, 'e'],
        [0, 'z'],
      ],
      2,
    );
    return [
      await r
        .repartitionAndSortWithinPartitions(2, (k) => k % 2)
        .glom()
        .collect(),
      await r
        .repartitionAndSortWithinPartitions(2, (k) => k % 2, false)
        .glom()
        .collect(),
      await r.repartitionAndSortWithinPartitions(3).glom().collect(),
    ];
  },
  'join: duplicate keys on both sides give every pair': (sc) =>
    sc.parallelize(left, 2).join(sc.parallelize(right, 3)).collect(),
  leftOuterJoin: (sc) => sc.parallelize(left, 2).leftOuterJoin(sc.parallelize(right, 3)).collect(),
  rightOuterJoin: (sc) => sc.parallelize(left, 2).rightOuterJoin(sc.parallelize(right, 3)).collect(),
  fullOuterJoin: (sc) => sc.parallelize(left, 2).fullOuterJoin(sc.parallelize(right, 3)).collect(),
  'join with an empty RDD': async (sc) => [
    await sc.parallelize(left, 2).join(sc.parallelize<[number, string]>([], 2)).collect(),
    await sc.parallelize<[number, string]>([], 2).leftOuterJoin(sc.parallelize(right, 1)).collect(),
  ],
  'join partition counts': async (sc) => {
    const a = sc.parallelize(left, 2);
    const b = sc.parallelize(right, 3);
    return [
      await a.join(b).getNumPartitions(),
      await a.join(b, 4).getNumPartitions(),
      await a.fullOuterJoin(b).getNumPartitions(),
    ];
  },
  cogroup: (sc) =>
    sc
      .parallelize(left, 2)
      .cogroup(sc.parallelize(right, 3))
      .mapValues((vs) => vs.map(sorted))
      .collect(),
  'groupWith of three RDDs': (sc) =>
    sc
      .parallelize<[string, number]>(
        [
          ['a', 1],
          ['b', 2],
        ],
        2,
      )
      .groupWith(
        sc.parallelize<[string, number]>(
          [
            ['a', 3],
            ['a', 4],
          ],
          1,
        ),
        sc.parallelize<[string, number]>([['c', 5]], 3),
      )
      .mapValues((vs) => vs.map(sorted))
      .collect(),
  'groupWith partition count': (sc) =>
    sc
      .parallelize<[number, number]>([[1, 1]], 2)
      .groupWith(sc.parallelize<[number, number]>([[1, 2]], 3), sc.parallelize<[number, number]>([[1, 3]], 1))
      .getNumPartitions(),
  subtractByKey: (sc) =>
    sc
      .parallelize([...left, [5, 'v'] as [number, string]], 2)
      .subtractByKey(sc.parallelize(right, 3))
      .collect(),
  'subtract keeps duplicates': (sc) =>
    sc
      .parallelize<unknown>([1, 2, 2, 3, [1, 2], [1, 2], 'a'], 3)
      .subtract(sc.parallelize<unknown>([3, [1, 2], 'b'], 2))
      .collect(),
  'intersection removes duplicates': (sc) =>
    sc
      .parallelize<unknown>([1, 2, 2, 3, [1, 2], [1, 2], 'a'], 3)
      .intersection(sc.parallelize<unknown>([2, 3, 3, [1, 2], 'b'], 2))
      .collect(),
  distinct: (sc) =>
    sc
      .parallelize<unknown>([1, 2, 1, [1, 'a'], [1, 'a'], 'x', 'x', 0, -0], 3)
      .distinct()
      .collect(),
  'distinct, subtract, intersection partition counts': async (sc) => {
    const a = sc.parallelize([1], 3);
    const b = sc.parallelize([2], 2);
    return [
      await a.distinct().getNumPartitions(),
      await a.distinct(5).getNumPartitions(),
      await a.subtract(b).getNumPartitions(),
      await a.intersection(b).getNumPartitions(),
    ];
  },
  'cartesian with an empty RDD': async (sc) => [
    await sc.parallelize([1, 2], 2).cartesian(sc.parallelize([], 2)).collect(),
    await sc.parallelize([1, 2], 2).cartesian(sc.parallelize([], 2)).getNumPartitions(),
  ],
  'wide operators on an empty RDD': async (sc) => {
    const e = sc.parallelize<[number, number]>([], 2);
    return [
      await e.reduceByKey(add).collect(),
      await e.groupByKey().collect(),
      await e.distinct().collect(),
      await e.sortByKey().collect(),
      await e.countByKey(),
      await e.collectAsMap(),
      await e.cogroup(sc.parallelize<[number, number]>([], 3)).collect(),
    ];
  },

  // ------------------------------------------------- layouts (issue 18)
  'glom partitionBy of string keys': async (sc) => {
    const r = sc.parallelize<[string, number]>(
      [
        ['a', 1],
        ['b', 2],
        ['c', 3],
        ['\u00e9', 4],
        ['\u{1F600}', 5],
        ['spark', 6],
      ],
      1,
    );
    return [await r.partitionBy(3).glom().collect(), await r.partitionBy(1).glom().collect()];
  },
  'glom partitionBy of string keys of every width': async (sc) => {
    const r = sc.parallelize(
      widths.map((w, i): [string, number] => [w, i]),
      3,
    );
    return [
      await r.partitionBy(2).glom().collect(),
      await r.partitionBy(5).glom().collect(),
      await r.partitionBy(7).glom().collect(),
    ];
  },
  'glom partitionBy of tuple keys holding strings': (sc) => {
    const keys: unknown[] = [
      ['a', 1],
      ['b', ['c', 2.5]],
      ['\u00e9', undefined],
      [''],
      ['x', 'y', 'z'],
      [1, '\u{1F600}'],
    ];
    return sc
      .parallelize(
        keys.map((k, i): [unknown, number] => [k, i]),
        2,
      )
      .partitionBy(4)
      .glom()
      .collect();
  },
  'glom reduceByKey, groupByKey and foldByKey of string keys': async (sc) => {
    const r = sc.parallelize(
      'the cat and the dog and the bird saw a cat'.split(' ').map((w): [string, number] => [w, 1]),
      3,
    );
    return [
      await r.reduceByKey(add).glom().collect(),
      await r.groupByKey(4).glom().collect(),
      await r.foldByKey(10, add).glom().collect(),
      await r.reduceByKey(add, 1).glom().collect(),
    ];
  },
  'glom distinct and word count of strings': async (sc) => {
    const words = sc
      .parallelize(['b a B', '\u00e9 \u{1F600} \uffff', ' ab b a'], 2)
      .flatMap((s) => s.split(' '));
    return [
      await words.distinct().glom().collect(),
      await words
        .map((w): [string, number] => [w, 1])
        .reduceByKey(add, 3)
        .glom()
        .collect(),
    ];
  },
  'lookup and mapPartitionsWithIndex on string-partitioned data': async (sc) => {
    const r = sc
      .parallelize(
        widths.map((w, i): [string, number] => [w, i]),
        2,
      )
      .partitionBy(3);
    return [
      await r.lookup('spark'),
      await r.lookup('\u{1F600}'),
      await r.lookup('missing'),
      await r
        .mapPartitionsWithIndex(async (i, it) => [[i, sorted((await listOf(it)).map(([k]) => k))]])
        .collect(),
    ];
  },
  'glom sortBy descending mirrors the partition index': async (sc) => {
    const xs = [5, 3, 9, 1, 7, 0, 8, 2, 6, 4];
    return [
      await sc
        .range(0, 10, 1, 2)
        .sortBy((x) => x, false, 2)
        .glom()
        .collect(),
      await sc
        .parallelize([18], 1)
        .sortBy((x) => x, false, 4)
        .glom()
        .collect(),
      await sc
        .parallelize(xs, 3)
        .sortBy((x) => x, false, 3)
        .glom()
        .collect(),
      await sc
        .parallelize(xs, 3)
        .sortBy((x) => x, true, 3)
        .glom()
        .collect(),
    ];
  },
  'glom sortBy keeps duplicate bounds': async (sc) => {
    const ones = [1, 1, 1, 1, 1, 2, 3];
    return [
      await sc
        .parallelize(ones, 1)
        .sortBy((x) => x, true, 3)
        .glom()
        .collect(),
      await sc
        .parallelize(ones, 1)
        .sortBy((x) => x, false, 3)
        .glom()
        .collect(),
      await sc
        .parallelize([7, 7, 7], 2)
        .sortBy((x) => x, true, 4)
        .glom()
        .collect(),
      await sc
        .parallelize([2, 1], 2)
        .sortBy((x) => x, true, 5)
        .glom()
        .collect(),
    ];
  },
  'glom sortByKey of strings and tuples, both orders': async (sc) => {
    const s = sc.parallelize(
      words.map((w, i): [string, number] => [w, i]),
      3,
    );
    const t = sc.parallelize(
      range(12).map((i): [[number, string], number] => [[i % 3, String(i)], i]),
      2,
    );
    return [
      await s.sortByKey(true, 3).glom().collect(),
      await s.sortByKey(false, 3).glom().collect(),
      await t.sortByKey(true, 4).glom().collect(),
      await t.sortByKey(false, 4).glom().collect(),
    ];
  },
  'glom sortBy with up to 20 elements per partition': async (sc) => {
    const xs = range(60).map((i) => (i * 37) % 101);
    return [
      await sc
        .parallelize(xs, 4)
        .sortBy((x) => x, true, 3)
        .glom()
        .collect(),
      await sc
        .parallelize(xs, 4)
        .sortBy((x) => -x, true, 4)
        .glom()
        .collect(),
      await sc
        .parallelize(xs, 4)
        .sortBy((x) => x % 10, false, 3)
        .glom()
        .collect(),
    ];
  },
  'intersection and subtract of partitioned RDDs: partition counts': async (sc) => {
    const a = sc
      .parallelize(
        range(6).map((i): [number, number] => [i, i]),
        2,
      )
      .partitionBy(2);
    const b = sc
      .parallelize(
        range(6).map((i): [number, number] => [i + 3, i + 3]),
        3,
      )
      .partitionBy(2);
    return [
      await a.intersection(a).getNumPartitions(),
      await a.intersection(b).getNumPartitions(),
      await a.subtract(b).getNumPartitions(),
      await a.subtract(b, 3).getNumPartitions(),
      await a.intersection(b).glom().collect(),
      await a.subtract(b).glom().collect(),
    ];
  },
  'glom intersection and subtract of strings': async (sc) => {
    const a = sc.parallelize(['a', 'b', 'c', '\u00e9', 'spark', 'b'], 2);
    const b = sc.parallelize(['b', 'spark', 'x', '\u{1F600}'], 3);
    return [
      await a.intersection(b).glom().collect(),
      await a.subtract(b).glom().collect(),
      await a.subtract(b, 4).glom().collect(),
      await b.intersection(a).glom().collect(),
    ];
  },

  // ------------------------------------------- more methods (issue 17, point 3)
  mapPartitionsWithSplit: (sc) =>
    sc
      .range(0, 5, 1, 3)
      .mapPartitionsWithSplit(async (i, it) => [[i, await listOf(it)]])
      .collect(),
  reduceByKeyLocally: async (sc) => [
    await sc.parallelize(pairs, 3).reduceByKeyLocally(add),
    await sc.parallelize<[number, number]>([[1, 2]], 2).reduceByKeyLocally(add),
    await sc.parallelize<[number, number]>([], 2).reduceByKeyLocally(add),
  ],
  'sampleByKey with fractions 0 and 1': async (sc) => {
    const r = sc.parallelize(pairs, 2);
    return [
      await r.sampleByKey(false, { a: 1.0, b: 0.0, c: 1.0 }, 3).collect(),
      await r.sampleByKey(true, { a: 0.0, b: 0.0, c: 0.0 }, 3).collect(),
      await r.sampleByKey(false, { a: 2.0, b: 1.0, c: 1.0 }).getNumPartitions(),
    ];
  },
  'sampleByKey with a negative fraction': async (sc) =>
    sc.parallelize(pairs, 2).sampleByKey(false, { a: -0.1, b: 1.0, c: 1.0 }),
  'sampleByKey with a key missing from fractions': (sc) =>
    sc
      .parallelize(pairs, 2)
      .sampleByKey(false, new Map([['a', 1.0]]))
      .collect(),
  'countApprox, sumApprox, meanApprox with time to finish': async (sc) => {
    const r = sc.range(0, 1000, 1, 10);
    const s = await r.sumApprox(60000);
    const m = await r.meanApprox(60000, 0.9);
    return [
      await r.countApprox(60000, 1.0),
      await r.countApprox(60000),
      [+s, s.confidence, s.low, s.high],
      [+m, m.confidence, m.low, m.high],
      +(await sc.parallelize([1.5, 2.5], 3).sumApprox(60000)),
      await sc.emptyRDD().countApprox(60000),
    ];
  },
  'countApproxDistinct within 3 relativeSD': async (sc) => {
    const within = (n: number, truth: number, sd: number) => Math.abs(n - truth) <= 3 * sd * truth;
    return [
      within(await sc.range(0, 1000, 1, 4).map(String).countApproxDistinct(), 1000, 0.05),
      within(
        await sc
          .parallelize(
            range(1000).map((i) => i % 20),
            7,
          )
          .countApproxDistinct(),
        20,
        0.05,
      ),
      within(await sc.range(0, 20000, 1, 3).countApproxDistinct(0.01), 20000, 0.01),
      within(
        await sc
          .parallelize(
            range(500).map((i) => [i % 50, 'x']),
            2,
          )
          .countApproxDistinct(0.1),
        50,
        0.1,
      ),
      await sc.parallelize([], 2).countApproxDistinct(),
      await sc.parallelize(['a', 'a', 'a'], 2).countApproxDistinct(),
    ];
  },
  'countApproxDistinct with relativeSD too small': (sc) =>
    sc.parallelize([1], 1).countApproxDistinct(0.00001),
  'binaryRecords: records of each file, a partition per file': async (sc) => {
    const d = recordsDir();
    const r = sc.binaryRecords(d, 4);
    return [
      await r.getNumPartitions(),
      await r.glom().collect(),
      await sc.binaryRecords(join(d, 'a.bin'), 6).collect(),
    ];
  },
  'binaryRecords with a partial record': (sc) => sc.binaryRecords(join(recordsDir(), 'a.bin'), 5).collect(),
  runJob: async (sc) => {
    const r = sc.range(0, 6, 1, 3);
    const squares = async (it: AsyncIterable<number>) => (await listOf(it)).map((x) => x * x);
    return [
      await sc.runJob(r, squares),
      await sc.runJob(r, squares, [0, 2], true),
      await sc.runJob(r, sumOf, [2, 0]),
      await sc.runJob(r, () => [1], []),
    ];
  },
  'runJob on a partition that does not exist': (sc) => sc.runJob(sc.range(0, 6, 1, 3), listOf, [3]),
  'defaultParallelism, defaultMinPartitions, rdd.context, is_cached': async (sc) => {
    const r = sc.parallelize([1, 2], 2);
    const cached = [r.is_cached, r.cache().is_cached, r.unpersist().is_cached];
    return [
      sc.defaultParallelism,
      sc.defaultMinPartitions,
      r.context === sc,
      r.map((x) => x).context === sc,
      cached,
    ];
  },
  'repartitionAndSortWithinPartitions of strings and a key function': async (sc) => {
    const r = sc.parallelize(
      widths.map((w, i): [string, number] => [w, i]),
      3,
    );
    return [
      await r.repartitionAndSortWithinPartitions(3).glom().collect(),
      await r
        .repartitionAndSortWithinPartitions(2, (k) => k.codePointAt(0) ?? 0, false)
        .glom()
        .collect(),
      await r
        .repartitionAndSortWithinPartitions(
          2,
          (k) => k.codePointAt(0) ?? 0,
          true,
          (k) => [...k].reverse().join(''),
        )
        .glom()
        .collect(),
    ];
  },
};

/**
 * Where sparkling departs from PySpark on purpose, with the reason; each is
 * checked against sparkling's own documented result instead.
 */
export const divergences: Record<string, { why: string; sparkling: unknown }> = {
  'top on an RDD with no partitions': {
    why: 'PySpark reduces the per-partition lists and so raises on an RDD with no partitions, though it returns [] with partitions that are all empty, and takeOrdered returns [] in both cases. sparkling returns [] in both cases.',
    sparkling: [],
  },
};

/** Runs a case on `sc`, turning a synchronous throw (an ArgumentError from a transformation) into a rejection. */
async function run(f: (sc: Context) => Promise<unknown>, sc: Context): Promise<unknown> {
  return f(sc);
}

/**
 * Asserts that case `name` on `sc` gives what PySpark gave (or, for a known
 * divergence, sparkling's documented result). An UnsupportedOnSparkError is
 * never a match, even where PySpark raises.
 */
export async function checkCase(t: ExecutionContext, name: string, sc: Context): Promise<void> {
  const want = expected[name];
  const f = cases[name];
  if (want === undefined || f === undefined) {
    t.fail(`no case named ${JSON.stringify(name)}`);
    return;
  }
  const divergence = divergences[name];
  if (divergence !== undefined) {
    t.true('error' in want, 'PySpark raises here');
    t.deepEqual(normalize(await run(f, sc)), divergence.sparkling, divergence.why);
    return;
  }
  if ('error' in want) {
    const e = await t.throwsAsync(run(f, sc));
    t.true(
      e instanceof SparklingError && !(e instanceof UnsupportedOnSparkError),
      `${e?.name}: ${e?.message}`,
    );
    if (want.exactMessage) t.is(e?.message, want.message);
    return;
  }
  const got = normalize(await run(f, sc));
  const value = decode(want.value);
  if (want.unordered) t.deepEqual(bag(got as unknown[]), bag(value as unknown[]));
  else t.deepEqual(got, value);
}
