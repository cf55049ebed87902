/**
 * `BoundedFloat`: the result of `sumApprox` and `meanApprox`, PySpark's
 * `BoundedFloat` (a float with `confidence`, `low` and `high`). In
 * JavaScript it is an object whose `valueOf()` is the estimate, so it
 * compares and adds as a number: `+result`, `result > 3`, `Number(result)`.
 */
export class BoundedFloat {
  /**
   * The estimate, and the interval `[low, high]` that holds the true value
   * with probability `confidence` (1 with `low === high` when every
   * partition was counted).
   * @example
   * const b = new BoundedFloat(10, 0.95, 8, 12);
   * [b.valueOf(), b.confidence, b.low, b.high, b > 9];
   * // => [10, 0.95, 8, 12, true]
   */
  constructor(
    readonly value: number,
    readonly confidence: number,
    readonly low: number,
    readonly high: number,
  ) {}

  /** The estimate. */
  valueOf(): number {
    return this.value;
  }

  /**
   * The estimate as a string, as Python prints a float.
   * @example
   * `${new BoundedFloat(2.5, 1, 2.5, 2.5)}`;
   * // => '2.5'
   */
  toString(): string {
    return String(this.value);
  }

  /** JSON has the estimate only, as PySpark's float subclass would give. */
  toJSON(): number {
    return this.value;
  }
}
