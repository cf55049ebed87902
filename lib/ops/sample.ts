/**
 * Per-partition bodies of `rdd.sample` and `rdd.randomSplit`, and the
 * sampling rate `rdd.takeSample` starts from. Each partition draws from its
 * own stream, seeded with `partitionSeed(seed, partition)`, so a seeded
 * sample is the same however the partitions are scheduled or batched.
 */

import { ArgumentError } from '../errors.js';
import { makeRng, partitionSeed, type Rng } from '../util/random.js';
import { ValueMap } from '../values/value-map.js';
import { describe } from './pairs.js';
import type { BatchOpDef, BatchOpFactory } from './types.js';

/**
 * Up to this fraction, sampling skips ahead by geometric gaps instead of
 * drawing once per element (Spark's `defaultMaxGapSamplingFraction`): the
 * same distribution, with work in proportion to the output.
 */
const MAX_GAP_SAMPLING_FRACTION = 0.4;

/**
 * Per-partition body of `rdd.sample(withReplacement, fraction, seed)`.
 * Without replacement each element is kept with probability `fraction`
 * (Bernoulli; `fraction >= 1` keeps everything); with replacement each
 * element is repeated a Poisson(`fraction`)-distributed number of times, as
 * Spark's `PoissonSampler` does.
 * @example
 * const op = sampleOp(false, 0.5, 42)(0);
 * const out = [];
 * op.step([1, 2, 3, 4, 5, 6, 7, 8], out);
 * out.every((x) => x >= 1 && x <= 8);
 * // => true
 */
export function sampleOp<T>(withReplacement: boolean, fraction: number, seed: number): BatchOpFactory<T, T> {
  if (typeof fraction !== 'number' || Number.isNaN(fraction) || fraction < 0) {
    throw new ArgumentError(`Fraction must be nonnegative, got ${String(fraction)}`);
  }
  if (!Number.isFinite(fraction)) throw new ArgumentError(`Fraction must be finite, got ${fraction}`);
  checkSeed(seed);
  if (fraction === 0) return () => ({ step: () => {} });
  if (!withReplacement) {
    if (fraction >= 1) return () => ({ step: copyAll });
    if (fraction <= MAX_GAP_SAMPLING_FRACTION) {
      return (p) => bernoulliGapOp(makeRng(partitionSeed(seed, p)), fraction);
    }
    return (p) => {
      const rng = makeRng(partitionSeed(seed, p));
      return {
        step(batch, out) {
          for (const x of batch) if (rng.next() < fraction) out.push(x);
        },
      };
    };
  }
  if (fraction <= MAX_GAP_SAMPLING_FRACTION) {
    return (p) => poissonGapOp(makeRng(partitionSeed(seed, p)), fraction);
  }
  return (p) => {
    const rng = makeRng(partitionSeed(seed, p));
    return {
      step(batch, out) {
        for (const x of batch) for (let k = rng.poisson(fraction); k > 0; k--) out.push(x);
      },
    };
  };
}

function copyAll<T>(batch: readonly T[], out: T[]): void {
  for (const x of batch) out.push(x);
}

/**
 * Bernoulli sampling by gaps: the number of elements skipped before the next
 * kept one is geometric, floor(ln(u) / ln(1 - p)) for uniform u in (0, 1].
 * The pending gap carries over from batch to batch.
 */
function bernoulliGapOp<T>(rng: Rng, fraction: number) {
  const logQ = Math.log1p(-fraction);
  const gap = () => Math.floor(Math.log(1 - rng.next()) / logQ);
  let skip = gap();
  return {
    step(batch: readonly T[], out: T[]) {
      const n = batch.length;
      let i = skip;
      while (i < n) {
        out.push(batch[i]!);
        i += 1 + gap();
      }
      skip = i - n;
    },
  };
}

/**
 * Poisson sampling by gaps: an element's count is 0 with probability
 * q = exp(-f), so the run of zero counts before the next non-zero one is
 * geometric, floor(ln(u) / -f); the non-zero count is Poisson conditioned
 * on >= 1, drawn by Knuth's method with its first uniform confined to (q, 1].
 */
function poissonGapOp<T>(rng: Rng, fraction: number) {
  const q = Math.exp(-fraction);
  const gap = () => Math.floor(Math.log(1 - rng.next()) / -fraction);
  const countAtLeastOne = () => {
    let p = q + (1 - q) * (1 - rng.next());
    let k = 0;
    do {
      k += 1;
      p *= rng.next();
    } while (p > q);
    return k;
  };
  let skip = gap();
  return {
    step(batch: readonly T[], out: T[]) {
      const n = batch.length;
      let i = skip;
      while (i < n) {
        const x = batch[i]!;
        for (let k = countAtLeastOne(); k > 0; k--) out.push(x);
        i += 1 + gap();
      }
      skip = i - n;
    },
  };
}

/**
 * Per-partition body of one split of `rdd.randomSplit`: keeps the elements
 * whose uniform draw r satisfies `lower <= r < upper`. Every split of one
 * `randomSplit` call uses the same seed, hence the same draw for each
 * element, so splits with adjacent ranges are disjoint and together cover
 * the input.
 * @example
 * const [a, b] = normalizeSplitWeights([1, 1]).map(([lo, hi]) => {
 *   const out = [];
 *   rangeSampleOp(lo, hi, 7)(0).step([1, 2, 3, 4, 5, 6], out);
 *   return out;
 * });
 * [...a, ...b].sort((x, y) => x - y);
 * // => [1, 2, 3, 4, 5, 6]
 */
export function rangeSampleOp<T>(lower: number, upper: number, seed: number): BatchOpFactory<T, T> {
  if (!(lower >= 0 && lower <= upper && upper <= 1)) {
    throw new ArgumentError(`split bounds must satisfy 0 <= lower <= upper <= 1, got [${lower}, ${upper})`);
  }
  checkSeed(seed);
  if (lower === upper) return () => ({ step: () => {} });
  return (p) => {
    const rng = makeRng(partitionSeed(seed, p));
    return {
      step(batch, out) {
        for (const x of batch) {
          const r = rng.next();
          if (r >= lower && r < upper) out.push(x);
        }
      },
    };
  };
}

/**
 * `randomSplit`'s weights, normalized to consecutive `[lower, upper)` ranges
 * of [0, 1) (PySpark: weights must be non-negative with a positive sum). The
 * last split with a positive weight ends at exactly 1, so no element falls
 * through a rounding gap, and zero weights give empty ranges.
 * @example
 * normalizeSplitWeights([1, 2, 1]);
 * // => [[0, 0.25], [0.25, 0.75], [0.75, 1]]
 */
export function normalizeSplitWeights(weights: readonly number[]): number[][] {
  if (!weights.every((w) => typeof w === 'number' && w >= 0)) {
    throw new ArgumentError('Weights must be nonnegative');
  }
  if (!weights.every((w) => Number.isFinite(w))) throw new ArgumentError('Weights must be finite');
  const sum = weights.reduce((s, w) => s + w, 0);
  if (!(sum > 0)) throw new ArgumentError('Sum of weights must be positive');
  if (!Number.isFinite(sum)) throw new ArgumentError('Sum of weights must be finite');
  let lastPositive = 0;
  weights.forEach((w, i) => {
    if (w > 0) lastPositive = i;
  });
  const bounds: number[][] = [];
  let lower = 0;
  weights.forEach((w, i) => {
    const upper = i >= lastPositive ? 1 : Math.min(1, lower + w / sum);
    bounds.push([lower, upper]);
    lower = upper;
  });
  return bounds;
}

/**
 * The sampling rate `takeSample(withReplacement, num)` starts from over
 * `total` elements, so that one pass yields at least `num` elements 99.99%
 * of the time: Spark's `SamplingUtils.computeFractionForSampleSize`. With
 * replacement, a Poisson upper bound `(num + k * sqrt(num)) / total` with
 * k = 12, 9 or 6 for num < 6, < 16 or more; without, the binomial bound
 * `f + g + sqrt(g^2 + 2 g f)` with f = num / total, g = -ln(1e-4) / total,
 * capped at 1. Never below 1e-10.
 * @example
 * takeSampleFraction(10, 1000, false);
 * // => 0.03561269316684003
 */
export function takeSampleFraction(num: number, total: number, withReplacement: boolean): number {
  if (!(Number.isSafeInteger(num) && num >= 0)) {
    throw new ArgumentError(`Sample size must be a non-negative integer, got ${String(num)}`);
  }
  if (!(Number.isSafeInteger(total) && total > 0)) {
    throw new ArgumentError(`total must be a positive integer, got ${String(total)}`);
  }
  if (withReplacement) {
    const numStd = num < 6 ? 12 : num < 16 ? 9 : 6;
    return Math.max(num + numStd * Math.sqrt(num), 1e-10) / total;
  }
  const fraction = num / total;
  const gamma = -Math.log(1e-4) / total;
  return Math.min(1, Math.max(1e-10, fraction + gamma + Math.sqrt(gamma * gamma + 2 * gamma * fraction)));
}

function checkSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new ArgumentError(`seed must be a finite number, got ${String(seed)}`);
  }
}

/** Arguments of `rdd.sample`: the seed is drawn when the RDD is made, so every thread and every action samples alike. */
export interface SampleArgs {
  readonly withReplacement: boolean;
  readonly fraction: number;
  readonly seed: number;
}

/** `rdd.sample(withReplacement, fraction, seed)`; keeps the partitioner. */
export const sample: BatchOpDef<SampleArgs> = {
  kind: 'batch',
  keepsPartitioner: true,
  describe: (a) => [
    ['fraction', String(a.fraction)],
    ['withReplacement', String(a.withReplacement)],
  ],
  make: (a, partition) => sampleOp(a.withReplacement, a.fraction, a.seed)(partition),
};

/** Arguments of one split of `rdd.randomSplit`: its range of draws and the seed every split shares. */
export interface SplitArgs {
  readonly lower: number;
  readonly upper: number;
  readonly seed: number;
}

/** One split of `rdd.randomSplit(weights, seed)`; keeps the partitioner. */
export const randomSplit: BatchOpDef<SplitArgs> = {
  kind: 'batch',
  keepsPartitioner: true,
  describe: (a) => [['range', `[${a.lower}, ${a.upper})`]],
  make: (a, partition) => rangeSampleOp(a.lower, a.upper, a.seed)(partition),
};

/** Arguments of `rdd.sampleByKey`: each key's fraction (entries, compared by value) and the seed, drawn at creation. */
export interface SampleByKeyArgs {
  readonly withReplacement: boolean;
  readonly fractions: readonly (readonly [unknown, number])[];
  readonly seed: number;
}

/** A key without a fraction: PySpark's KeyError, reported as the task's failure (a TaskError naming the partition). */
function missingFraction(key: unknown): Error {
  const e = new Error(`no fraction for key ${describe(key)}`);
  e.name = 'KeyError';
  return e;
}

/** `rdd.sampleByKey(withReplacement, fractions, seed)`: each pair kept at its key's rate; keeps the partitioner. */
export const sampleByKey: BatchOpDef<SampleByKeyArgs> = {
  kind: 'batch',
  keepsPartitioner: true,
  describe: (a) => [['withReplacement', String(a.withReplacement)]],
  make: (a, partition) => {
    const rates = new ValueMap<unknown, number>(a.fractions as [unknown, number][]);
    const rng = makeRng(partitionSeed(a.seed, partition));
    const replace = a.withReplacement;
    return {
      step(batch, out) {
        for (const x of batch) {
          const kv = x as [unknown, unknown];
          const f = rates.get(kv[0]);
          if (f === undefined) throw missingFraction(kv[0]);
          if (replace) for (let k = rng.poisson(f); k > 0; k--) out.push(kv);
          else if (rng.next() < f) out.push(kv);
        }
      },
    };
  },
};
