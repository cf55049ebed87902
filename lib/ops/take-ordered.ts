/** Per-partition bodies of `top` and `takeOrdered`: the `num` smallest elements under a comparator. */

/**
 * Stands in for `undefined` while sorting: `Array.prototype.sort` moves
 * `undefined` to the end without asking the comparator, whereas natural order
 * (and a key function) may put it first.
 */
const UNDEFINED: unique symbol = Symbol('undefined');

/**
 * Keeps the `num` smallest elements seen so far. Elements are buffered and the
 * buffer is sorted and cut back to `num` when it reaches twice that, so the
 * cost is O(n log num) and memory O(num). Ties keep arrival order (stable sort).
 */
export class Smallest<T> {
  private buf: (T | typeof UNDEFINED)[] = [];
  /** Whether an `undefined` was buffered (its stand-in is then sorted through the comparator). */
  private undefineds = false;
  constructor(
    private readonly num: number,
    private readonly cmp: (a: T, b: T) => number,
  ) {}

  addAll(batch: readonly T[]): void {
    if (this.num === 0) return;
    for (let i = 0; i < batch.length; i++) {
      const x = batch[i] as T;
      if (x === undefined) {
        this.undefineds = true;
        this.buf.push(UNDEFINED);
      } else this.buf.push(x);
      if (this.buf.length >= 2 * this.num + 1024) this.trim();
    }
  }

  add(x: T): void {
    if (this.num === 0) return;
    this.buf.push(x);
    if (this.buf.length >= 2 * this.num + 1024) this.trim();
  }

  private trim(): void {
    if (this.undefineds) {
      const cmp = this.cmp;
      const real = (x: T | typeof UNDEFINED) => (x === UNDEFINED ? undefined : x) as T;
      this.buf.sort((a, b) => cmp(real(a), real(b)));
    } else (this.buf as T[]).sort(this.cmp);
    if (this.buf.length > this.num) this.buf.length = this.num;
  }

  /** The kept elements, sorted. */
  result(): T[] {
    this.trim();
    return this.undefineds ? this.buf.map((x) => (x === UNDEFINED ? undefined : x) as T) : (this.buf as T[]);
  }
}

/** Merges per-partition results into the overall `num` smallest, in order. */
export function mergeSmallest<T>(parts: readonly T[][], num: number, cmp: (a: T, b: T) => number): T[] {
  const s = new Smallest<T>(num, cmp);
  for (const p of parts) s.addAll(p);
  return s.result();
}
