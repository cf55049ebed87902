/**
 * A shared variable tasks can only add to (PySpark's `sc.accumulator`).
 * Numbers add with `+`; other types need an `AccumulatorParam`.
 */
import { ArgumentError } from './errors.js';

/** How values of an accumulator combine (PySpark's `AccumulatorParam`). */
export interface AccumulatorParam<T> {
  zero(initial: T): T;
  addInPlace(a: T, b: T): T;
}

const numberParam: AccumulatorParam<number> = {
  zero: () => 0,
  addInPlace: (a, b) => a + b,
};

let accumulators = 0;

export class Accumulator<T> {
  /** @internal Names the accumulator in messages to worker threads. */
  readonly _id = ++accumulators;
  private _value: T;
  /** @internal */
  readonly _param: AccumulatorParam<T>;

  /** @internal Made by `Context.accumulator`. */
  constructor(initial: T, param?: AccumulatorParam<T>) {
    if (param === undefined && typeof initial !== 'number')
      throw new ArgumentError(`an accumulator of ${typeof initial} needs an AccumulatorParam`);
    if (
      param !== undefined &&
      (typeof param !== 'object' || param === null || typeof param.addInPlace !== 'function')
    )
      throw new ArgumentError('param must be an AccumulatorParam, with an addInPlace function');
    this._value = initial;
    this._param = param ?? (numberParam as unknown as AccumulatorParam<T>);
  }

  /**
   * Adds `term` to the accumulator.
   * @example
   * const acc = sc.accumulator(0); acc.add(2); acc.add(3); acc.value;
   * // => 5
   */
  add(term: T): void {
    this._value = this._param.addInPlace(this._value, term);
  }

  /**
   * The accumulated value.
   * @example
   * sc.accumulator(10).value;
   * // => 10
   */
  get value(): T {
    return this._value;
  }

  set value(v: T) {
    this._value = v;
  }

  toString(): string {
    return String(this._value);
  }
}
