import test from 'ava';
import fc from 'fast-check';
import { ArgumentError } from '../lib/errors.js';
import { StatCounter } from '../lib/stat-counter.js';

/** Two-pass reference: mean first, then squared deviations from it. */
function naive(xs: readonly number[]) {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const m2 = xs.reduce((s, x) => s + (x - mean) * (x - mean), 0);
  return {
    n,
    mean,
    variance: m2 / n,
    sampleVariance: m2 / (n - 1),
    min: Math.min(...xs),
    max: Math.max(...xs),
  };
}

/** Relative tolerance 1e-9, with `scale` as the floor of the magnitude (for results near 0). */
function close(actual: number, expected: number, scale: number): boolean {
  return Math.abs(actual - expected) <= 1e-9 * Math.max(Math.abs(expected), scale);
}

/** Integers and three-decimal numbers in [-1e4, 1e4]: enough spread that a relative 1e-9 is meaningful. */
const values = fc.array(
  fc.oneof(
    fc.integer({ min: -10000, max: 10000 }),
    fc.integer({ min: -10_000_000, max: 10_000_000 }).map((i) => i / 1000),
  ),
  { minLength: 1, maxLength: 300 },
);

test('StatCounter: [1, 2, 3, 4] matches PySpark', (t) => {
  const s = new StatCounter([1, 2, 3, 4]);
  t.is(s.count(), 4);
  t.is(s.sum(), 10);
  t.is(s.mean(), 2.5);
  t.is(s.min(), 1);
  t.is(s.max(), 4);
  t.is(s.variance(), 1.25);
  t.is(s.sampleVariance(), 1.6666666666666667);
  t.is(s.stdev(), 1.118033988749895);
  t.is(s.sampleStdev(), 1.2909944487358056);
  t.is(s.toString(), '(count: 4, mean: 2.5, stdev: 1.118033988749895, max: 4.0, min: 1.0)');
});

test('StatCounter: asDict uses the sample stdev/variance by default and the population ones with sample=true (as PySpark)', (t) => {
  const s = new StatCounter([1, 2, 3, 4]);
  t.deepEqual(s.asDict(), {
    count: 4,
    mean: 2.5,
    sum: 10,
    min: 1,
    max: 4,
    stdev: 1.2909944487358056,
    variance: 1.6666666666666667,
  });
  t.deepEqual(s.asDict(true), {
    count: 4,
    mean: 2.5,
    sum: 10,
    min: 1,
    max: 4,
    stdev: 1.118033988749895,
    variance: 1.25,
  });
  t.deepEqual(Object.keys(s.asDict()), ['count', 'mean', 'sum', 'min', 'max', 'stdev', 'variance']);
});

test('StatCounter: empty and single-value counters follow PySpark', (t) => {
  const empty = new StatCounter();
  t.is(empty.count(), 0);
  t.is(empty.mean(), 0);
  t.is(empty.sum(), 0);
  t.is(empty.min(), Number.POSITIVE_INFINITY);
  t.is(empty.max(), Number.NEGATIVE_INFINITY);
  t.true(Number.isNaN(empty.variance()));
  t.true(Number.isNaN(empty.sampleVariance()));
  t.true(Number.isNaN(empty.stdev()));
  t.is(empty.toString(), '(count: 0, mean: 0.0, stdev: nan, max: -inf, min: inf)');
  const d = empty.asDict();
  t.true(Number.isNaN(d.stdev) && Number.isNaN(d.variance));

  const one = new StatCounter([5]);
  t.is(one.variance(), 0);
  t.true(Number.isNaN(one.sampleVariance()));
  t.true(Number.isNaN(one.sampleStdev()));
  t.is(one.toString(), '(count: 1, mean: 5.0, stdev: 0.0, max: 5.0, min: 5.0)');
});

test('StatCounter: sum is count * mean, as in PySpark', (t) => {
  // PySpark: StatCounter([0.1, 0.2, 0.3]).sum() == 0.6000000000000001
  t.is(new StatCounter([0.1, 0.2, 0.3]).sum(), 0.6000000000000001);
});

test('StatCounter: toString prints numbers as Python repr prints floats (checked against PySpark)', (t) => {
  // PySpark: repr(StatCounter([1e16, 1e-5, 0.0001]))
  t.is(
    new StatCounter([1e16, 1e-5, 0.0001]).toString(),
    '(count: 3, mean: 3333333333333333.0, stdev: 4714045207910317.0, max: 1e+16, min: 1e-05)',
  );
  t.is(
    new StatCounter([-0.5, 1.5e-7, 123456789012345680000]).toString(),
    '(count: 3, mean: 4.115226300411523e+19, stdev: 5.819808846276432e+19, max: 1.2345678901234568e+20, min: -0.5)',
  );
  t.is(new StatCounter([-0]).toString(), '(count: 1, mean: 0.0, stdev: 0.0, max: -0.0, min: -0.0)');
});

test("StatCounter: a NaN never wins min or max (PySpark's max/min from -inf/inf), but makes mean and variance NaN", (t) => {
  for (const xs of [
    [1, Number.NaN, 3],
    [Number.NaN, 1, 3],
    [1, 3, Number.NaN],
  ]) {
    const s = new StatCounter(xs);
    t.is(s.max(), 3);
    t.is(s.min(), 1);
    t.true(Number.isNaN(s.mean()) && Number.isNaN(s.variance()));
    t.is(s.toString(), '(count: 3, mean: nan, stdev: nan, max: 3.0, min: 1.0)');
  }
  const merged = new StatCounter([Number.NaN]).mergeStats(new StatCounter([2, Number.NaN]));
  t.deepEqual([merged.min(), merged.max(), merged.count()], [2, 2, 3]);
  const nan = new StatCounter([Number.NaN]);
  t.deepEqual([nan.min(), nan.max()], [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
});

test('StatCounter: merge and mergeStats return the counter', (t) => {
  const s = new StatCounter();
  t.is(s.merge(1), s);
  t.is(s.mergeStats(new StatCounter([2])), s);
  t.is(s.count(), 2);
});

test('StatCounter: merging a counter into itself doubles it (PySpark: n 6, m2 4.0)', (t) => {
  const s = new StatCounter([1, 2, 3]);
  s.mergeStats(s);
  t.is(s.count(), 6);
  t.is(s.mean(), 2);
  t.is(s.variance(), 4 / 6);
  t.is(s.min(), 1);
  t.is(s.max(), 3);
});

test('StatCounter: merging with empty counters', (t) => {
  const a = new StatCounter().mergeStats(new StatCounter([1, 2, 3, 4]));
  t.deepEqual(a.asDict(), new StatCounter([1, 2, 3, 4]).asDict());
  const b = new StatCounter([1, 2, 3, 4]).mergeStats(new StatCounter());
  t.deepEqual(b.asDict(), new StatCounter([1, 2, 3, 4]).asDict());
  const c = new StatCounter().mergeStats(new StatCounter());
  t.is(c.count(), 0);
  t.is(c.min(), Number.POSITIVE_INFINITY);
});

test('StatCounter: mergeStats rejects a non-counter', (t) => {
  const notACounter = { n: 1 } as unknown as StatCounter;
  t.throws(() => new StatCounter().mergeStats(notACounter), {
    instanceOf: ArgumentError,
    message: 'Can only merge StatCounter but got object',
  });
});

test('StatCounter: copy is independent', (t) => {
  const a = new StatCounter([1, 2]);
  const b = a.copy();
  b.merge(100);
  t.is(a.count(), 2);
  t.is(a.max(), 2);
  t.is(b.count(), 3);
  t.is(b.max(), 100);
  t.true(b instanceof StatCounter);
});

test('StatCounter: the constructor takes any iterable', (t) => {
  function* gen() {
    yield 1;
    yield 2;
    yield 3;
  }
  t.is(new StatCounter(gen()).mean(), 2);
  t.is(new StatCounter(new Set([1, 3])).mean(), 2);
});

test('StatCounter: agrees with a two-pass computation (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(values, (xs) => {
        const s = new StatCounter(xs);
        const r = naive(xs);
        const scale = Math.max(...xs.map(Math.abs), 1);
        return (
          s.count() === r.n &&
          s.min() === r.min &&
          s.max() === r.max &&
          close(s.mean(), r.mean, scale) &&
          close(s.sum(), r.mean * r.n, scale * r.n) &&
          close(s.variance(), r.variance, 1e-6) &&
          (r.n === 1
            ? Number.isNaN(s.sampleVariance())
            : close(s.sampleVariance(), r.sampleVariance, 1e-6)) &&
          close(s.stdev(), Math.sqrt(r.variance), 1e-3)
        );
      }),
      { numRuns: 500 },
    ),
  );
});

test('StatCounter: merging the counters of any split equals the counter of the whole (property)', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(values, fc.array(fc.nat(), { maxLength: 6 }), (xs, cuts) => {
        const points = [...new Set(cuts.map((c) => c % (xs.length + 1)))].sort((a, b) => a - b);
        const parts: number[][] = [];
        let start = 0;
        for (const p of [...points, xs.length]) {
          parts.push(xs.slice(start, p));
          start = p;
        }
        const merged = parts
          .map((p) => new StatCounter(p))
          .reduce((a, b) => a.mergeStats(b), new StatCounter());
        const whole = new StatCounter(xs);
        const scale = Math.max(...xs.map(Math.abs), 1);
        return (
          merged.count() === whole.count() &&
          merged.min() === whole.min() &&
          merged.max() === whole.max() &&
          close(merged.mean(), whole.mean(), scale) &&
          close(merged.variance(), whole.variance(), 1e-6)
        );
      }),
      { numRuns: 500 },
    ),
  );
});

test('StatCounter: mergeStats takes each of its three mean formulas', (t) => {
  // other much smaller, much larger, and comparable in size.
  const big = Array.from({ length: 100 }, (_, i) => i);
  const small = [1000, 2000];
  for (const [a, b] of [
    [big, small],
    [small, big],
    [big.slice(0, 10), big.slice(10, 25)],
  ] as const) {
    const merged = new StatCounter(a).mergeStats(new StatCounter(b));
    const r = naive([...a, ...b]);
    t.true(close(merged.mean(), r.mean, 1), `${merged.mean()} vs ${r.mean}`);
    t.true(close(merged.variance(), r.variance, 1), `${merged.variance()} vs ${r.variance}`);
  }
});
