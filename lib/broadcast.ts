/**
 * A read-only value shared with every task (PySpark's `sc.broadcast`). In one
 * process it is a reference; it exists so that Spark code ports unchanged.
 */
import { SparklingError } from './errors.js';

let broadcasts = 0;

/**
 * @internal Set by the worker executor: drops the copies worker threads hold
 * of a broadcast (after `unpersist` or `destroy`).
 */
export const broadcastCopies: { release?: (id: number) => void } = {};

export class Broadcast<T> {
  /** @internal Names the value in messages to worker threads (sent once per worker). */
  readonly _id = ++broadcasts;
  private _value: T;
  private destroyed = false;

  /** @internal Made by `Context.broadcast`. */
  constructor(value: T) {
    this._value = value;
  }

  /**
   * The broadcast value.
   * @example
   * sc.broadcast([1, 2]).value;
   * // => [1, 2]
   */
  get value(): T {
    if (this.destroyed)
      throw new SparklingError('Attempted to use a broadcast variable after it was destroyed');
    return this._value;
  }

  /**
   * Releases the copies worker threads hold (a task that reads the value
   * later gets it again); the value stays usable.
   * @example
   * sc.broadcast(1).unpersist().value;
   * // => 1
   */
  unpersist(_blocking?: boolean): this {
    broadcastCopies.release?.(this._id);
    return this;
  }

  /**
   * Destroys the broadcast: reading `value` afterwards throws.
   * @example
   * const b = sc.broadcast(1); b.destroy(); b.isDestroyed;
   * // => true
   */
  destroy(_blocking?: boolean): void {
    this.destroyed = true;
    this._value = undefined as T;
    broadcastCopies.release?.(this._id);
  }

  /** Whether `destroy()` was called. */
  get isDestroyed(): boolean {
    return this.destroyed;
  }
}
