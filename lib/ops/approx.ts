/**
 * Estimates of `countApprox`, `sumApprox` and `meanApprox` from the
 * partitions finished when the timeout came, after Spark's
 * CountEvaluator, SumEvaluator and MeanEvaluator (with a normal
 * approximation where Spark uses Student's t or Poisson quantiles). Every
 * partition finished: the exact value, `confidence` 1, `low === high`, as
 * PySpark returns (it waits for the final value).
 */
import { BoundedFloat } from '../bounded-float.js';
import { StatCounter } from '../stat-counter.js';

/**
 * The standard normal quantile function (Acklam's rational approximation,
 * relative error below 1.2e-9).
 * @example
 * Math.round(normalQuantile(0.975) * 1000) / 1000;
 * // => 1.96
 */
export function normalQuantile(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return (
      -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
      ((((d0 * q + d1) * q + d2) * q + d3) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) /
    (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1)
  );
}

/** The two-sided quantile for `confidence`: about 1.96 for 0.95. */
function factor(confidence: number): number {
  return normalQuantile(1 - (1 - confidence) / 2);
}

/**
 * The count from `done` of `total` partitions whose element counts sum to `count`.
 * @example
 * const b = countEstimate(50, 1, 2, 0.95); [b.valueOf(), b.low < 100, b.high > 100];
 * // => [100, true, true]
 */
export function countEstimate(count: number, done: number, total: number, confidence: number): BoundedFloat {
  if (done === total) return new BoundedFloat(count, 1, count, count);
  if (done === 0) return new BoundedFloat(0, 0, 0, Number.POSITIVE_INFINITY);
  const p = done / total;
  const rest = (count * (1 - p)) / p;
  const stdev = Math.sqrt(rest / p);
  const f = factor(confidence);
  return new BoundedFloat(
    count + rest,
    confidence,
    count + Math.max(0, rest - f * stdev),
    count + rest + f * stdev,
  );
}

/** The sum over every partition from the statistics of `done` of `total`. */
export function sumEstimate(
  stats: StatCounter,
  done: number,
  total: number,
  confidence: number,
): BoundedFloat {
  const n = stats.count();
  if (done === total) return new BoundedFloat(stats.sum(), 1, stats.sum(), stats.sum());
  if (done === 0 || n === 0)
    return new BoundedFloat(0, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const p = done / total;
  const mean = stats.mean();
  const countEst = (n + 1 - p) / p;
  const sum = mean * countEst;
  const meanVar = stats.sampleVariance() / n;
  if (Number.isNaN(meanVar) || n === 1)
    return new BoundedFloat(sum, confidence, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const countVar = ((n + 1) * (1 - p)) / (p * p);
  const sumStdev = Math.sqrt(mean * mean * countVar + countEst * countEst * meanVar + meanVar * countVar);
  const f = factor(confidence);
  return new BoundedFloat(sum, confidence, sum - f * sumStdev, sum + f * sumStdev);
}

/** The mean over every partition from the statistics of `done` of `total`. */
export function meanEstimate(
  stats: StatCounter,
  done: number,
  total: number,
  confidence: number,
): BoundedFloat {
  const n = stats.count();
  if (done === total) return new BoundedFloat(stats.mean(), 1, stats.mean(), stats.mean());
  if (n === 0) return new BoundedFloat(Number.NaN, 0, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const mean = stats.mean();
  if (n === 1) return new BoundedFloat(mean, confidence, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const stdev = Math.sqrt(stats.sampleVariance() / n);
  const f = factor(confidence);
  return new BoundedFloat(mean, confidence, mean - f * stdev, mean + f * stdev);
}

export { StatCounter };
