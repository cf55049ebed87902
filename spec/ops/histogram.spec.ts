import test from 'ava';
import fc from 'fast-check';
import { ArgumentError, InternalError } from '../../lib/errors.js';
import {
  checkBuckets,
  evenBuckets,
  type HistogramSpec,
  histogramCounter,
  mergeCounts,
} from '../../lib/ops/histogram.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Counts `partitions` separately, then merges, as `rdd.histogram` will. */
function histogram(
  spec: HistogramSpec<number> | HistogramSpec<string>,
  partitions: readonly (readonly unknown[])[],
): number[] {
  return partitions
    .map((p) => {
      const c = histogramCounter(spec);
      c.add(p);
      return c.counts();
    })
    .reduce(mergeCounts);
}

/** `rdd.histogram(count)` over `data`: min and max of the comparable values, then even buckets. */
function histogramOfCount(data: readonly number[], count: number): [number[], number[]] {
  const values = data.filter((x) => !Number.isNaN(x));
  const spec = evenBuckets(Math.min(...values), Math.max(...values), count);
  return [spec.buckets, histogram(spec, [data])];
}

test('histogram: PySpark doc examples over range(51)', (t) => {
  const data = range(51);
  t.deepEqual(histogram(checkBuckets([0, 10, 20, 30, 40, 50]), [data]), [10, 10, 10, 10, 11]);
  t.deepEqual(histogramOfCount(data, 2), [
    [0, 25, 50],
    [25, 26],
  ]);
  t.deepEqual(histogram(checkBuckets([0, 5, 25, 50]), [data]), [5, 20, 26]);
  const even = checkBuckets([0, 15, 30, 45, 60]);
  t.deepEqual(even, { buckets: [0, 15, 30, 45, 60], even: true, inc: 15 });
  t.deepEqual(histogram(even, [data]), [15, 15, 15, 6]);
});

test('histogram: partitioning does not change the counts', (t) => {
  const data = range(51);
  const parts = [data.slice(0, 17), data.slice(17, 34), data.slice(34)];
  t.deepEqual(histogram(checkBuckets([0, 10, 20, 30, 40, 50]), parts), [10, 10, 10, 10, 11]);
  t.deepEqual(histogram(checkBuckets([0, 5, 25, 50]), [[], ...parts, []]), [5, 20, 26]);
});

test('histogram: strings, by code point (PySpark doc example and astral characters)', (t) => {
  t.deepEqual(histogram(checkBuckets(['a', 'b', 'c']), [['ab', 'ac', 'b', 'bd', 'ef']]), [2, 2]);
  // PySpark: parallelize(['a', '\ue000', '\U0001F600', 'z']).histogram(['a', '\uffff', '\U0001F600']) -> [3, 1]
  const spec = checkBuckets(['a', '\uffff', '\u{1F600}']);
  t.deepEqual(spec, { buckets: ['a', '\uffff', '\u{1F600}'], even: false });
  t.deepEqual(histogram(spec, [['a', '\ue000', '\u{1F600}', 'z']]), [3, 1]);
  t.throws(() => checkBuckets(['\u{1F600}', '\uffff']), {
    instanceOf: ArgumentError,
    message: 'buckets should be sorted',
  });
});

test('histogram: counts from evenBuckets match PySpark', (t) => {
  t.deepEqual(histogramOfCount(range(51), 1), [[0, 50], [51]]);
  t.deepEqual(histogramOfCount(range(51), 3), [
    [0, 16.666666666666668, 33.333333333333336, 50],
    [17, 17, 17],
  ]);
  t.deepEqual(histogramOfCount(range(51), 7), [
    [
      0, 7.142857142857143, 14.285714285714286, 21.42857142857143, 28.571428571428573, 35.714285714285715,
      42.85714285714286, 50,
    ],
    [8, 7, 7, 7, 7, 7, 8],
  ]);
  t.deepEqual(histogramOfCount([1, 1, Number.NaN], 4), [[1, 1], [2]]);
  t.deepEqual(histogramOfCount([5, 5, 5], 3), [[5, 5], [3]]);
  t.deepEqual(histogramOfCount([0, 0.1, 0.2, 0.3], 3), [
    [0, 0.09999999999999999, 0.19999999999999998, 0.3],
    [1, 1, 2],
  ]);
  t.deepEqual(histogramOfCount([1.5, 2.5, 10], 4), [
    [1.5, 3.625, 5.75, 7.875, 10],
    [2, 0, 0, 1],
  ]);
  t.deepEqual(histogramOfCount([-5, -1, 0, 3], 2), [
    [-5, -1, 3],
    [1, 3],
  ]);
  t.deepEqual(histogramOfCount([1, 2], 3), [
    [1, 1.3333333333333333, 1.6666666666666665, 2],
    [1, 0, 1],
  ]);
  t.deepEqual(histogramOfCount([0, 1, 2, 3, 4, 5], 3), [
    [0, 1.6666666666666667, 3.3333333333333335, 5],
    [2, 2, 2],
  ]);
  t.deepEqual(histogramOfCount([1e-300, 2e-300, 3e-300], 2), [
    [1e-300, 2.0000000000000004e-300, 3e-300],
    [2, 1],
  ]);
  t.deepEqual(histogramOfCount([Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY], 2), [
    [Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY],
    [2],
  ]);
});

test('evenBuckets: keeps integer steps when they divide the range', (t) => {
  t.deepEqual(evenBuckets(0, 50, 2), { buckets: [0, 25, 50], even: true });
  t.deepEqual(evenBuckets(0.5, 2.5, 2), { buckets: [0.5, 1.5, 2.5], even: true });
  t.deepEqual(evenBuckets(0, 10, 4).buckets, [0, 2.5, 5, 7.5, 10]);
  t.deepEqual(evenBuckets(0, 1, 3).buckets, [0, 0.3333333333333333, 0.6666666666666666, 1]);
});

test('evenBuckets: rejects bad counts and infinite ranges with PySpark messages', (t) => {
  t.throws(() => evenBuckets(0, 1, 0), {
    instanceOf: ArgumentError,
    message: 'number of buckets must be >= 1',
  });
  t.throws(() => evenBuckets(0, 1, -3), {
    instanceOf: ArgumentError,
    message: 'number of buckets must be >= 1',
  });
  t.throws(() => evenBuckets(0, 1, 1.5), {
    instanceOf: ArgumentError,
    message: /buckets should be a list or tuple/,
  });
  t.throws(() => evenBuckets(1, Number.POSITIVE_INFINITY, 2), {
    instanceOf: ArgumentError,
    message: 'Can not generate buckets with infinite value',
  });
  t.throws(() => evenBuckets(-1e308, 1e308, 2), {
    instanceOf: ArgumentError,
    message: 'Can not generate buckets with infinite value',
  });
  t.throws(() => evenBuckets(Number.NaN, 1, 2), { instanceOf: ArgumentError });
  t.throws(() => evenBuckets(2, 1, 2), { instanceOf: ArgumentError });
});

test('checkBuckets: rejects bad buckets with PySpark messages', (t) => {
  const cases: [readonly (number | string)[], string][] = [
    [[1], 'buckets should have more than one value'],
    [[], 'buckets should have more than one value'],
    [[1, Number.NaN], 'can not have None or NaN in buckets'],
    [[1, null as unknown as number], 'can not have None or NaN in buckets'],
    [[1, undefined as unknown as number], 'can not have None or NaN in buckets'],
    [[3, 1], 'buckets should be sorted'],
    [[1, 1, 2], 'buckets should not contain duplicated values'],
    [[0, -0], 'buckets should not contain duplicated values'],
    [['a', 'a'], 'buckets should not contain duplicated values'],
    [[1, 'b'], 'buckets should be all numbers or all strings'],
  ];
  for (const [buckets, message] of cases) {
    t.throws(() => checkBuckets(buckets), { instanceOf: ArgumentError, message }, JSON.stringify(buckets));
  }
});

test('checkBuckets: even when the steps agree within 1e-10', (t) => {
  t.deepEqual(checkBuckets([0, 5, 25, 50]), { buckets: [0, 5, 25, 50], even: false });
  const nearlyEven = checkBuckets([0.1, 0.2, 0.30000000000000004, 0.4]);
  t.true(nearlyEven.even);
  t.is(nearlyEven.inc, (0.4 - 0.1) / 3);
  t.false(checkBuckets([0, 1, 2 + 1e-9]).even);
  t.false(checkBuckets([Number.NEGATIVE_INFINITY, 0, Number.POSITIVE_INFINITY]).even);
  // The result is a copy.
  const input = [0, 1, 2];
  const spec = checkBuckets(input);
  input.push(3);
  t.deepEqual(spec.buckets, [0, 1, 2]);
});

test('histogram: even buckets index by arithmetic, as PySpark does, even where binary search would differ', (t) => {
  // PySpark: parallelize([1.3]).histogram([1.1, 1.2000000000000002, 1.3, 1.4000000000000001]) -> [0, 1, 0]
  t.deepEqual(
    histogram(checkBuckets([1.1, 1.2000000000000002, 1.3, 1.4000000000000001]), [[1.3]]),
    [0, 1, 0],
  );
  // PySpark: parallelize([0.2, 0.1, 0.30000000000000004]).histogram([0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004]) -> [1, 1, 0, 1]
  t.deepEqual(
    histogram(checkBuckets([0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004]), [
      [0.2, 0.1, 0.30000000000000004],
    ]),
    [1, 1, 0, 1],
  );
  // The same boundaries forced uneven use binary search.
  t.deepEqual(
    histogram({ buckets: [1.1, 1.2000000000000002, 1.3, 1.4000000000000001], even: false }, [[1.3]]),
    [0, 0, 1],
  );
});

test('histogram: skips null, undefined, NaN and out-of-range values; infinite boundaries work', (t) => {
  t.deepEqual(histogram(checkBuckets([0, 1, 2]), [[-1, 0.5, 2, 100, null, undefined, Number.NaN]]), [1, 1]);
  t.deepEqual(
    histogram(checkBuckets([Number.NEGATIVE_INFINITY, 0, Number.POSITIVE_INFINITY]), [
      [1, 2, 3, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, null],
    ]),
    [1, 4],
  );
  t.deepEqual(histogram(checkBuckets([1, 2, 3]), [[1, 2, 3, 1]]), [2, 2]);
  t.deepEqual(histogram(checkBuckets(['a', 'b']), [['a', 'b', null]]), [2]);
});

test('histogram: elements of another type than the buckets are an error', (t) => {
  t.throws(() => histogramCounter(checkBuckets([0, 5])).add(['a']), {
    instanceOf: ArgumentError,
    message: "histogram: can not compare string 'a' with number buckets",
  });
  t.throws(() => histogramCounter(checkBuckets([0, 1, 5])).add([1n]), {
    instanceOf: ArgumentError,
    message: 'histogram: can not compare bigint 1n with number buckets',
  });
  t.throws(() => histogramCounter(checkBuckets(['a', 'b'])).add([1]), {
    instanceOf: ArgumentError,
    message: 'histogram: can not compare number 1 with string buckets',
  });
});

test('histogram: counts() can be read repeatedly and between batches', (t) => {
  const c = histogramCounter(checkBuckets([0, 10, 20]));
  c.add([0, 10, 20]);
  t.deepEqual(c.counts(), [1, 2]);
  t.deepEqual(c.counts(), [1, 2]);
  c.add([5]);
  t.deepEqual(c.counts(), [2, 2]);
});

test('histogram: even and binary-search counting agree on integer data (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -50, max: 150 }), { maxLength: 200 }),
        fc.integer({ min: -20, max: 20 }),
        fc.integer({ min: 1, max: 10 }),
        fc.integer({ min: 1, max: 12 }),
        (data, start, step, n) => {
          const buckets = Array.from({ length: n + 1 }, (_, i) => start + i * step);
          const even = histogram(checkBuckets(buckets), [data]);
          const searched = histogram({ buckets, even: false }, [data]);
          const inRange = data.filter((x) => x >= buckets[0]! && x <= buckets[n]!).length;
          return (
            JSON.stringify(even) === JSON.stringify(searched) && even.reduce((s, c) => s + c, 0) === inRange
          );
        },
      ),
    ),
  );
});

test('mergeCounts: adds bucket by bucket; different lengths are a bug', (t) => {
  t.deepEqual(mergeCounts([1, 2, 3], [10, 20, 30]), [11, 22, 33]);
  t.deepEqual(mergeCounts([], []), []);
  t.throws(() => mergeCounts([1], [1, 2]), { instanceOf: InternalError });
});
