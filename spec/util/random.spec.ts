import test from 'ava';
import fc from 'fast-check';
import { ArgumentError } from '../../lib/errors.js';
import { makeRng, makeRngFromState, partitionSeed, randomSeed } from '../../lib/util/random.js';

function draws(seed: number, n: number): number[] {
  const rng = makeRng(seed);
  return Array.from({ length: n }, () => rng.next());
}

/** P(X = k) for X ~ Poisson(mean), in log space so large means do not overflow. */
function poissonPmf(mean: number, k: number): number {
  let logFact = 0;
  for (let i = 2; i <= k; i++) logFact += Math.log(i);
  return Math.exp(-mean + k * Math.log(mean) - logFact);
}

test('xoshiro128**: matches the reference outputs for state [1, 2, 3, 4]', (t) => {
  // Reference values computed from the published algorithm:
  // result = rotl(s1 * 5, 7) * 9; t = s1 << 9; s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t; s3 = rotl(s3, 11).
  const rng = makeRngFromState(1, 2, 3, 4);
  t.deepEqual(
    Array.from({ length: 6 }, () => rng.nextUint32()),
    [11520, 0, 5927040, 70819200, 2031721883, 1637235492],
  );
});

test('makeRng: the same seed gives the same sequence', (t) => {
  t.deepEqual(draws(42, 1000), draws(42, 1000));
  const a = makeRng(7);
  const b = makeRng(7);
  for (let i = 0; i < 100; i++) {
    t.is(a.nextInt(1000), b.nextInt(1000));
    t.is(a.poisson(3.5), b.poisson(3.5));
    t.is(a.poisson(250), b.poisson(250));
  }
});

test('makeRng: nearby seeds give unrelated sequences', (t) => {
  const seqs = [0, 1, 2, -1, 2 ** 32, 2 ** 53 - 1, 0.5].map((s) => draws(s, 20).join(','));
  t.is(new Set(seqs).size, seqs.length);
  // -0 is the same seed as 0.
  t.deepEqual(draws(-0, 5), draws(0, 5));
});

test('makeRng: next() is in [0, 1) and uniform', (t) => {
  const rng = makeRng(123);
  const n = 100_000;
  const bins = new Array<number>(10).fill(0);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = rng.next();
    t.true(x >= 0 && x < 1);
    sum += x;
    bins[Math.floor(x * 10)]! += 1;
  }
  t.true(Math.abs(sum / n - 0.5) < 5 * Math.sqrt(1 / 12 / n));
  // Chi-square with 9 degrees of freedom; 27.9 is the 0.999 quantile.
  const chi2 = bins.reduce((s, c) => s + (c - n / 10) ** 2 / (n / 10), 0);
  t.true(chi2 < 27.9, `chi2 ${chi2}`);
});

test('makeRng: nextInt(n) covers [0, n) evenly', (t) => {
  const rng = makeRng(5);
  const counts = new Array<number>(7).fill(0);
  for (let i = 0; i < 70_000; i++) {
    const k = rng.nextInt(7);
    t.true(Number.isInteger(k) && k >= 0 && k < 7);
    counts[k]! += 1;
  }
  const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
  t.true(chi2 < 22.5, `chi2 ${chi2}`); // 6 degrees of freedom, 0.999 quantile
  t.is(rng.nextInt(1), 0);
  for (const bad of [0, -1, 1.5, Number.NaN, 2 ** 53]) {
    t.throws(() => rng.nextInt(bad), { instanceOf: ArgumentError });
  }
});

test('poisson: mean and variance match for small and large means', (t) => {
  const rng = makeRng(99);
  const n = 40_000;
  for (const mean of [0.05, 0.5, 3, 9.99, 10, 25, 100, 5000, 1e7]) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const k = rng.poisson(mean);
      sum += k;
      sumSq += k * k;
    }
    const m = sum / n;
    const v = sumSq / n - m * m;
    // Standard error of the mean is sqrt(mean / n); of the variance about mean * sqrt(2 / n).
    t.true(Math.abs(m - mean) < 5 * Math.sqrt(mean / n), `mean ${mean}: got ${m}`);
    t.true(Math.abs(v - mean) < 6 * Math.sqrt((mean + 2 * mean * mean) / n), `mean ${mean}: variance ${v}`);
  }
});

test('poisson: the distribution matches the pmf (chi-square), on both sides of the method switch', (t) => {
  const rng = makeRng(2024);
  const n = 100_000;
  for (const mean of [2, 12, 60]) {
    const counts = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const k = rng.poisson(mean);
      t.true(Number.isInteger(k) && k >= 0);
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    // Cells of k with an expected count >= 50; the tails pooled into the end cells.
    const lo = Math.max(0, Math.floor(mean - 4 * Math.sqrt(mean)));
    const hi = Math.ceil(mean + 4 * Math.sqrt(mean));
    let chi2 = 0;
    let cells = 0;
    let expectedLow = 0;
    let observedLow = 0;
    for (let k = 0; k <= lo; k++) {
      expectedLow += n * poissonPmf(mean, k);
      observedLow += counts.get(k) ?? 0;
    }
    chi2 += (observedLow - expectedLow) ** 2 / expectedLow;
    cells++;
    let expectedHigh = n;
    let observedHigh = n;
    for (let k = 0; k < hi; k++) {
      expectedHigh -= n * poissonPmf(mean, k);
      observedHigh -= counts.get(k) ?? 0;
    }
    for (let k = lo + 1; k < hi; k++) {
      const e = n * poissonPmf(mean, k);
      const o = counts.get(k) ?? 0;
      chi2 += (o - e) ** 2 / e;
      cells++;
    }
    chi2 += (observedHigh - expectedHigh) ** 2 / expectedHigh;
    cells++;
    // Wilson-Hilferty approximation of the 0.999 quantile of chi-square with cells - 1 degrees of freedom.
    const df = cells - 1;
    const limit = df * (1 - 2 / (9 * df) + 3.09 * Math.sqrt(2 / (9 * df))) ** 3;
    t.true(chi2 < limit, `mean ${mean}: chi2 ${chi2} over ${df} df, limit ${limit}`);
  }
});

test('poisson: mean 0 gives 0; bad means are rejected', (t) => {
  const rng = makeRng(1);
  t.is(rng.poisson(0), 0);
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => rng.poisson(bad), { instanceOf: ArgumentError, message: /Poisson mean/ });
  }
});

test('makeRng: rejects a non-finite seed', (t) => {
  for (const bad of [Number.NaN, Number.POSITIVE_INFINITY]) {
    t.throws(() => makeRng(bad), { instanceOf: ArgumentError, message: /seed must be a finite number/ });
  }
});

test('partitionSeed: deterministic, a safe non-negative integer, distinct across partitions', (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), (seed) => {
      const seeds = Array.from({ length: 64 }, (_, p) => partitionSeed(seed, p));
      return (
        seeds.every((s, p) => Number.isSafeInteger(s) && s >= 0 && s === partitionSeed(seed, p)) &&
        new Set(seeds).size === seeds.length
      );
    }),
  );
  t.not(partitionSeed(1, 0), partitionSeed(2, 0));
  t.throws(() => partitionSeed(1, -1), { instanceOf: ArgumentError });
  t.throws(() => partitionSeed(1, 0.5), { instanceOf: ArgumentError });
});

test('partitionSeed: partitions get uncorrelated streams', (t) => {
  const n = 20_000;
  const a = draws(partitionSeed(3, 0), n);
  const b = draws(partitionSeed(3, 1), n);
  let cov = 0;
  for (let i = 0; i < n; i++) cov += (a[i]! - 0.5) * (b[i]! - 0.5);
  const corr = cov / n / (1 / 12);
  t.true(Math.abs(corr) < 5 / Math.sqrt(n), `correlation ${corr}`);
});

test('randomSeed: a non-negative safe integer, different each call', (t) => {
  const seeds = Array.from({ length: 20 }, randomSeed);
  t.true(seeds.every((s) => Number.isSafeInteger(s) && s >= 0));
  t.true(new Set(seeds).size > 15);
});
