import test from 'ava';
import fc from 'fast-check';
import { ArgumentError } from '../../lib/errors.js';
import { normalizeSplitWeights, rangeSampleOp, sampleOp, takeSampleFraction } from '../../lib/ops/sample.js';
import type { BatchOpFactory } from '../../lib/ops/types.js';
import type { RDD } from '../../lib/rdd.js';
import { context } from '../helpers.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Runs one partition of `factory` over `input` cut into batches of `batchSize`. */
function run<T>(factory: BatchOpFactory<T, T>, input: readonly T[], partition = 0, batchSize = 4096): T[] {
  const op = factory(partition);
  const out: T[] = [];
  for (let i = 0; i < input.length; i += batchSize) op.step(input.slice(i, i + batchSize), out);
  op.end?.(out);
  return out;
}

/** How many times each element of range(n) appears in `out`. */
function multiplicities(out: readonly number[], n: number): number[] {
  const counts = new Array<number>(n).fill(0);
  for (const x of out) counts[x]! += 1;
  return counts;
}

const FRACTIONS = [0.0001, 0.01, 0.1, 0.4, 0.41, 0.5, 0.9];

test('sampleOp: the same seed gives the same sample; another seed or partition another one', (t) => {
  const input = range(10_000);
  for (const withReplacement of [false, true]) {
    for (const fraction of withReplacement ? [0.1, 0.5, 2] : [0.1, 0.5]) {
      const a = run(sampleOp<number>(withReplacement, fraction, 42), input);
      t.deepEqual(run(sampleOp<number>(withReplacement, fraction, 42), input), a);
      t.notDeepEqual(run(sampleOp<number>(withReplacement, fraction, 43), input), a);
      t.notDeepEqual(run(sampleOp<number>(withReplacement, fraction, 42), input, 1), a);
    }
  }
});

test('sampleOp: the sample does not depend on how the partition is cut into batches (property)', (t) => {
  const input = range(3000);
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.constantFrom(...FRACTIONS, 1.5),
        fc.integer(),
        fc.integer({ min: 1, max: 700 }),
        (withReplacement, fraction, seed, batchSize) => {
          const whole = run(sampleOp<number>(withReplacement, fraction, seed), input, 3, input.length);
          const batched = run(sampleOp<number>(withReplacement, fraction, seed), input, 3, batchSize);
          return JSON.stringify(whole) === JSON.stringify(batched);
        },
      ),
      { numRuns: 200 },
    ),
  );
});

test('sampleOp: fraction 0 keeps nothing; fraction >= 1 without replacement keeps everything in order', (t) => {
  const input = range(5000);
  t.deepEqual(run(sampleOp<number>(false, 0, 1), input), []);
  t.deepEqual(run(sampleOp<number>(true, 0, 1), input), []);
  t.deepEqual(run(sampleOp<number>(false, 1, 1), input), input);
  // PySpark: sc.parallelize(range(51)).sample(False, 2.0, 1).count() == 51
  t.deepEqual(run(sampleOp<number>(false, 2, 1), input), input);
});

test('sampleOp: without replacement keeps each element at most once, in order, near the fraction', (t) => {
  const n = 100_000;
  const input = range(n);
  for (const fraction of FRACTIONS) {
    const out = run(sampleOp<number>(false, fraction, 7), input);
    t.true(
      out.every((x, i) => i === 0 || x > out[i - 1]!),
      `fraction ${fraction}: increasing`,
    );
    const sd = Math.sqrt((n * fraction * (1 - fraction)) / n ** 2);
    t.true(Math.abs(out.length / n - fraction) < 5 * sd, `fraction ${fraction}: kept ${out.length / n}`);
  }
});

test('sampleOp: without replacement, elements are kept independently (gaps are geometric)', (t) => {
  const n = 200_000;
  for (const fraction of [0.05, 0.6]) {
    const out = run(sampleOp<number>(false, fraction, 11), range(n));
    // P(gap between kept elements == 1) = fraction; P(gap == 2) = fraction * (1 - fraction).
    const gaps = out.slice(1).map((x, i) => x - out[i]!);
    const ones = gaps.filter((g) => g === 1).length / gaps.length;
    const twos = gaps.filter((g) => g === 2).length / gaps.length;
    const se = (p: number) => 5 * Math.sqrt((p * (1 - p)) / gaps.length);
    t.true(Math.abs(ones - fraction) < se(fraction), `fraction ${fraction}: gap 1 ${ones}`);
    const p2 = fraction * (1 - fraction);
    t.true(Math.abs(twos - p2) < se(p2), `fraction ${fraction}: gap 2 ${twos}`);
  }
});

test('sampleOp: with replacement, counts are Poisson(fraction) and copies are adjacent', (t) => {
  const n = 100_000;
  for (const fraction of [0.01, 0.1, 0.4, 0.5, 1, 2.5, 30]) {
    const out = run(sampleOp<number>(true, fraction, 5), range(n));
    t.true(
      out.every((x, i) => i === 0 || x >= out[i - 1]!),
      `fraction ${fraction}: copies adjacent`,
    );
    const counts = multiplicities(out, n);
    const mean = counts.reduce((s, c) => s + c, 0) / n;
    const zeros = counts.filter((c) => c === 0).length / n;
    const ones = counts.filter((c) => c === 1).length / n;
    t.true(Math.abs(mean - fraction) < 5 * Math.sqrt(fraction / n), `fraction ${fraction}: mean ${mean}`);
    const p0 = Math.exp(-fraction);
    const p1 = fraction * p0;
    t.true(
      Math.abs(zeros - p0) < 5 * Math.sqrt((p0 * (1 - p0)) / n) + 1e-9,
      `fraction ${fraction}: P(0) ${zeros}`,
    );
    t.true(
      Math.abs(ones - p1) < 5 * Math.sqrt((p1 * (1 - p1)) / n) + 1e-9,
      `fraction ${fraction}: P(1) ${ones}`,
    );
  }
});

test('sampleOp: partitions sample independently', (t) => {
  const n = 50_000;
  const a = new Set(run(sampleOp<number>(false, 0.5, 9), range(n), 0));
  const b = new Set(run(sampleOp<number>(false, 0.5, 9), range(n), 1));
  const both = [...a].filter((x) => b.has(x)).length / n;
  t.true(Math.abs(both - 0.25) < 5 * Math.sqrt((0.25 * 0.75) / n), `overlap ${both}`);
});

test('sampleOp: rejects bad fractions and seeds with PySpark-style messages', (t) => {
  for (const bad of [-0.5, Number.NaN]) {
    t.throws(() => sampleOp(false, bad, 1), {
      instanceOf: ArgumentError,
      message: /^Fraction must be nonnegative/,
    });
  }
  t.throws(() => sampleOp(true, Number.POSITIVE_INFINITY, 1), {
    instanceOf: ArgumentError,
    message: /^Fraction must be finite/,
  });
  t.throws(() => sampleOp(false, 0.5, Number.NaN), { instanceOf: ArgumentError, message: /seed/ });
});

test('normalizeSplitWeights: cumulative [lower, upper) bounds as PySpark computes them', (t) => {
  t.deepEqual(normalizeSplitWeights([1, 1]), [
    [0, 0.5],
    [0.5, 1],
  ]);
  // PySpark cweights for [1, 2, 3]: [0.0, 0.16666666666666666, 0.5, 1.0]
  t.deepEqual(normalizeSplitWeights([1, 2, 3]), [
    [0, 0.16666666666666666],
    [0.16666666666666666, 0.5],
    [0.5, 1],
  ]);
  t.deepEqual(normalizeSplitWeights([0.3]), [[0, 1]]);
  t.deepEqual(normalizeSplitWeights([0, 2, 0]), [
    [0, 0],
    [0, 1],
    [1, 1],
  ]);
});

test('normalizeSplitWeights: the last positive split ends at exactly 1 despite rounding', (t) => {
  // 0.1 ten times sums to 0.9999999999999999 cumulatively.
  const bounds = normalizeSplitWeights([...new Array<number>(10).fill(0.1), 0]);
  t.deepEqual(bounds[9], [bounds[8]![1], 1]);
  t.deepEqual(bounds[10], [1, 1]);
  for (let i = 1; i < bounds.length; i++) t.is(bounds[i]![0], bounds[i - 1]![1]);
});

test('normalizeSplitWeights: rejects negative weights and a non-positive sum (PySpark messages)', (t) => {
  t.throws(() => normalizeSplitWeights([1, -1]), {
    instanceOf: ArgumentError,
    message: 'Weights must be nonnegative',
  });
  t.throws(() => normalizeSplitWeights([Number.NaN]), {
    instanceOf: ArgumentError,
    message: 'Weights must be nonnegative',
  });
  t.throws(() => normalizeSplitWeights([0, 0]), {
    instanceOf: ArgumentError,
    message: 'Sum of weights must be positive',
  });
  t.throws(() => normalizeSplitWeights([]), {
    instanceOf: ArgumentError,
    message: 'Sum of weights must be positive',
  });
  t.throws(() => normalizeSplitWeights([1, Number.POSITIVE_INFINITY]), {
    instanceOf: ArgumentError,
    message: 'Weights must be finite',
  });
});

test('rangeSampleOp: splits with one seed are disjoint and cover the partition (property)', (t) => {
  const input = range(2000);
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 10, noNaN: true })), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.integer(),
        fc.nat({ max: 20 }),
        (weights, seed, partition) => {
          fc.pre(weights.some((w) => w > 0));
          const splits = normalizeSplitWeights(weights).map(([lo, hi]) =>
            run(rangeSampleOp<number>(lo!, hi!, seed), input, partition, 333),
          );
          const all = splits.flat().sort((a, b) => a - b);
          return JSON.stringify(all) === JSON.stringify(input);
        },
      ),
      { numRuns: 200 },
    ),
  );
});

test('rangeSampleOp: split sizes follow the weights; each split keeps input order', (t) => {
  const n = 100_000;
  const input = range(n);
  const weights = [1, 2, 7];
  const splits = normalizeSplitWeights(weights).map(([lo, hi]) =>
    run(rangeSampleOp<number>(lo!, hi!, 17), input),
  );
  splits.forEach((s, i) => {
    const p = weights[i]! / 10;
    t.true(Math.abs(s.length / n - p) < 5 * Math.sqrt((p * (1 - p)) / n), `split ${i}: ${s.length}`);
    t.true(s.every((x, j) => j === 0 || x > s[j - 1]!));
  });
  t.deepEqual(
    run(rangeSampleOp<number>(0.1, 0.3, 17), input),
    run(rangeSampleOp<number>(0.1, 0.3, 17), input, 0, 100),
  );
  t.deepEqual(run(rangeSampleOp<number>(0.5, 0.5, 17), input), []);
  t.deepEqual(run(rangeSampleOp<number>(0, 1, 17), input), input);
});

test('rangeSampleOp: rejects bounds outside 0 <= lower <= upper <= 1', (t) => {
  for (const [lo, hi] of [
    [-0.1, 0.5],
    [0.6, 0.5],
    [0, 1.1],
    [Number.NaN, 1],
  ] as const) {
    t.throws(() => rangeSampleOp(lo, hi, 1), {
      instanceOf: ArgumentError,
      message: /0 <= lower <= upper <= 1/,
    });
  }
});

test("takeSampleFraction: Spark's SamplingUtils.computeFractionForSampleSize", (t) => {
  // Without replacement: min(1, f + g + sqrt(g^2 + 2 g f)), f = num / total, g = -ln(1e-4) / total.
  t.is(takeSampleFraction(10, 1000, false), 0.03561269316684003);
  t.is(takeSampleFraction(5, 10, false), 1);
  t.is(takeSampleFraction(0, 1000, false), (-Math.log(1e-4) / 1000) * 2);
  // With replacement: (num + k sqrt(num)) / total, k = 12 below 6, 9 below 16, else 6.
  t.is(takeSampleFraction(4, 100, true), (4 + 12 * 2) / 100);
  t.is(takeSampleFraction(9, 100, true), (9 + 9 * 3) / 100);
  t.is(takeSampleFraction(16, 100, true), (16 + 6 * 4) / 100);
  t.is(takeSampleFraction(20, 10, true), (20 + 6 * Math.sqrt(20)) / 10);
  t.is(takeSampleFraction(0, 100, true), 1e-10 / 100);
});

test('takeSampleFraction: a sample at that rate is large enough (with and without replacement)', (t) => {
  const n = 20_000;
  const input = range(n);
  for (const withReplacement of [false, true]) {
    for (const num of [1, 10, 100, 5000]) {
      const fraction = takeSampleFraction(num, n, withReplacement);
      for (let seed = 0; seed < 5; seed++) {
        const got = run(sampleOp<number>(withReplacement, fraction, seed), input).length;
        t.true(got >= num, `withReplacement ${withReplacement}, num ${num}, seed ${seed}: got ${got}`);
      }
    }
  }
});

test('takeSampleFraction: rejects bad sizes', (t) => {
  t.throws(() => takeSampleFraction(-1, 10, false), { instanceOf: ArgumentError });
  t.throws(() => takeSampleFraction(1, 0, false), { instanceOf: ArgumentError });
  t.throws(() => takeSampleFraction(1.5, 10, true), { instanceOf: ArgumentError });
});

test('randomSplit without a seed: drawn once for the RDD, so the splits are disjoint and cover the input', async (t) => {
  const sc = context();
  try {
    const rdd = sc.range(0, 10_000, 1, 4);
    const [a, b] = rdd.randomSplit([0.7, 0.3]) as [RDD<number>, RDD<number>];
    const [xs, ys] = [await a.collect(), await b.collect()];
    const seen = new Set(xs);
    t.is(ys.filter((y) => seen.has(y)).length, 0);
    t.deepEqual(
      [...xs, ...ys].sort((p, q) => p - q),
      range(10_000),
    );
    t.deepEqual(await a.collect(), xs);
  } finally {
    sc.stop();
  }
});

test('sample without a seed: the same sample in every action on the RDD; another RDD draws another seed', async (t) => {
  const sc = context();
  try {
    const rdd = sc.range(0, 10_000, 1, 4);
    const s = rdd.sample(false, 0.3);
    const first = await s.collect();
    t.is(await s.count(), first.length);
    t.deepEqual(await s.collect(), first);
    t.deepEqual(
      await s.map((x) => x * 2).collect(),
      first.map((x) => x * 2),
    );
    t.notDeepEqual(await rdd.sample(false, 0.3).collect(), first);
    const r = rdd.sample(true, 0.5);
    t.deepEqual(await r.collect(), await r.collect());
  } finally {
    sc.stop();
  }
});

test('sampleByKey without a seed: the same sample in every action on the RDD', async (t) => {
  const sc = context();
  try {
    const pairs = sc.range(0, 10_000, 1, 4).map((x): [string, number] => [x % 2 === 0 ? 'even' : 'odd', x]);
    const s = pairs.sampleByKey(false, { even: 0.3, odd: 0.6 });
    const first = await s.collect();
    t.deepEqual(await s.collect(), first);
    t.is(await s.count(), first.length);
  } finally {
    sc.stop();
  }
});

test('takeSample without a seed: one seed per call, for all its passes', async (t) => {
  const sc = context();
  try {
    const rdd = sc.range(0, 1000, 1, 4);
    const xs = await rdd.takeSample(false, 100);
    t.is(new Set(xs).size, 100);
    t.true(xs.every((x) => Number.isInteger(x) && x >= 0 && x < 1000));
    t.notDeepEqual(await rdd.takeSample(false, 100), xs);
  } finally {
    sc.stop();
  }
});
