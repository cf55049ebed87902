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

/**
 * Whether structured clone gives back an equal value of the same kind: plain
 * objects, arrays, Maps, Sets, Dates, RegExps, typed arrays and primitives.
 * A class instance would come back as a plain object (a URL as `{}`), a
 * Buffer as a Uint8Array, without an error: such values must not cross.
 * Deeper than 64 levels counts as fine (structured clone keeps cycles).
 */
export function clonesFaithfully(v: unknown, depth = 0): boolean {
  if (typeof v !== 'object' || v === null) return typeof v !== 'function' && typeof v !== 'symbol';
  if (depth > 64) return true;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!clonesFaithfully(v[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    for (const x of Object.values(v)) if (!clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Map) {
    for (const [k, x] of v)
      if (!clonesFaithfully(k, depth + 1) || !clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Set) {
    for (const x of v) if (!clonesFaithfully(x, depth + 1)) return false;
    return true;
  }
  if (v instanceof Date || v instanceof RegExp || v instanceof ArrayBuffer) return true;
  return ArrayBuffer.isView(v) && !Buffer.isBuffer(v);
}

/** The error a worker reports for output that would not survive structured clone (the main thread then computes it). */
export function cloneError(what: string, v: unknown): Error {
  const kind = typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : typeof v;
  const e = new Error(`${what} holds a ${kind}, which structured clone would not keep`);
  e.name = 'DataCloneError';
  return e;
}
