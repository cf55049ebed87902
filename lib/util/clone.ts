/**
 * A fresh copy of a value a user function may mutate: a zero value for each
 * partition (PySpark ships `zeroValue` to every task by value, so a `seqOp`
 * that mutates its accumulator must not see another partition's updates), or
 * the first value a reduce starts from (PySpark's tasks deserialize their
 * input afresh, so a mutating `f` never touches the source's elements).
 * Class instances keep their prototype; a subclass of `Map` or `Set` (such
 * as `ValueMap`, whose private index a structural copy would lack) is rebuilt
 * through its constructor from copied entries; a value that cannot be cloned
 * (it holds functions) is shared as is.
 */
export function freshCopy<T>(zero: T): T {
  if (typeof zero !== 'object' || zero === null) return zero;
  try {
    const proto: unknown = Object.getPrototypeOf(zero);
    if (
      (zero instanceof Map && proto !== Map.prototype) ||
      (zero instanceof Set && proto !== Set.prototype)
    ) {
      const make = zero.constructor as new (entries: unknown[]) => T;
      return new make(structuredClone([...(zero as Map<unknown, unknown> | Set<unknown>)]));
    }
    const copy = structuredClone(zero);
    if (proto !== Object.getPrototypeOf(copy)) Object.setPrototypeOf(copy, proto as object | null);
    return copy;
  } catch {
    return zero;
  }
}
