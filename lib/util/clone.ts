/**
 * A fresh copy of a zero value for each partition: PySpark ships `zeroValue`
 * to every task by value, so a `seqOp` that mutates its accumulator (a
 * confusion-matrix array, a dict) must not see another partition's updates.
 * Class instances keep their prototype; a value that cannot be cloned (it
 * holds functions) is shared as is.
 */
export function cloneZero<T>(zero: T): T {
  if (typeof zero !== 'object' || zero === null) return zero;
  try {
    const copy = structuredClone(zero);
    const proto: unknown = Object.getPrototypeOf(zero);
    if (proto !== Object.getPrototypeOf(copy)) Object.setPrototypeOf(copy, proto as object | null);
    return copy;
  } catch {
    return zero;
  }
}
