/**
 * A task's own copy of an element it reads from data that outlives the task
 * (a `parallelize`d array, a cached partition): PySpark hands every task
 * freshly deserialised elements, so a function that mutates its element
 * never changes the source, the cache, or what another action sees.
 *
 * What is copied is what structured clone (how values cross to worker
 * threads) keeps: plain objects (null-prototype ones too), arrays, `Map`s,
 * `Set`s (and sparkling's `ValueMap`/`ValueSet`), `Date`s, `RegExp`s,
 * `ArrayBuffer`s, typed arrays and `DataView`s, at any depth. Primitives are
 * never copied. Anything else is handed on as it is, shared: class instances
 * (a copy of their own properties would lose private fields and internal
 * slots: a copied `URL` throws on every getter), functions, Buffers,
 * Promises, Errors. Aliases inside one element (the same array twice) and
 * cycles are kept only for elements nested deeper than `FAST_DEPTH`, which
 * are copied again with a memo.
 *
 * Plain objects are copied by spread (V8's fast object clone) and a `for...in`
 * over the copy: 35-90 ns for `{ a, b }` here, against 6.7 µs for
 * `structuredClone` and 110-360 ns building the copy key by key (measured).
 */
import { TYPED_ARRAYS } from './typed-arrays.js';
import { ValueMap, ValueSet } from './value-map.js';

const OBJECT = Object.prototype;
const ARRAY = Array.prototype;
const TYPED_PROTOTYPES = new Set<unknown>(Object.values(TYPED_ARRAYS).map((c) => c.prototype));

/** Past this depth the copy starts over with a memo (cycles, deep data). */
const FAST_DEPTH = 64;
const TOO_DEEP: unique symbol = Symbol('too deep');

/** `x` itself when it is a primitive (or shared), else a deep copy. */
export function copyValue<T>(x: T): T {
  if (typeof x !== 'object' || x === null) return x;
  try {
    return copyObject(x, 0, undefined) as T;
  } catch (e) {
    if (e !== TOO_DEEP) throw e;
  }
  try {
    return copyObject(x, 0, new Map()) as T;
  } catch (e) {
    // Nested deeper than the stack allows: handed on as it is, as what cannot be copied is.
    if (e instanceof RangeError) return x;
    throw e;
  }
}

/**
 * A batch a task may keep and whose elements it may mutate: `batch` itself
 * when it holds no object (nothing in the library writes to a batch it
 * reads), else a new array of copies.
 */
export function ownBatch(batch: readonly unknown[]): unknown[] {
  for (let i = 0; i < batch.length; i++) {
    const v = batch[i];
    if (typeof v === 'object' && v !== null) return copyFrom(batch, i);
  }
  return batch as unknown[];
}

function copyFrom(batch: readonly unknown[], first: number): unknown[] {
  const out = batch.slice();
  for (let i = first; i < out.length; i++) {
    const v = out[i];
    if (typeof v === 'object' && v !== null) out[i] = copyValue(v);
  }
  return out;
}

/** A child of a container: primitives as they are. */
function child(v: unknown, depth: number, memo: Map<object, unknown> | undefined): unknown {
  return typeof v === 'object' && v !== null ? copyObject(v, depth + 1, memo) : v;
}

function copyObject(x: object, depth: number, memo: Map<object, unknown> | undefined): unknown {
  if (memo === undefined) {
    if (depth > FAST_DEPTH) throw TOO_DEEP;
  } else {
    const seen = memo.get(x);
    if (seen !== undefined || memo.has(x)) return seen;
  }
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === ARRAY) {
    const a = x as unknown[];
    const out = a.slice();
    memo?.set(x, out);
    for (let i = 0; i < out.length; i++) {
      const v = out[i];
      if (typeof v === 'object' && v !== null) out[i] = copyObject(v, depth + 1, memo);
    }
    return out;
  }
  if (proto === OBJECT || proto === null) {
    const out: Record<string, unknown> = proto === null ? Object.assign(Object.create(null), x) : { ...x };
    memo?.set(x, out);
    for (const k in out) {
      const v = out[k];
      if (typeof v === 'object' && v !== null && Object.hasOwn(out, k))
        out[k] = copyObject(v, depth + 1, memo);
    }
    return out;
  }
  if (proto === Map.prototype || proto === ValueMap.prototype) {
    const out = proto === Map.prototype ? new Map() : new ValueMap();
    memo?.set(x, out);
    for (const [k, v] of x as Map<unknown, unknown>) out.set(child(k, depth, memo), child(v, depth, memo));
    return out;
  }
  if (proto === Set.prototype || proto === ValueSet.prototype) {
    const out = proto === Set.prototype ? new Set() : new ValueSet();
    memo?.set(x, out);
    for (const v of x as Set<unknown>) out.add(child(v, depth, memo));
    return out;
  }
  let out: unknown = x;
  if (proto === Date.prototype) out = new Date((x as Date).getTime());
  else if (proto === RegExp.prototype) {
    const r = new RegExp(x as RegExp);
    r.lastIndex = (x as RegExp).lastIndex;
    out = r;
  } else if (proto === ArrayBuffer.prototype) out = (x as ArrayBuffer).slice(0);
  else if (TYPED_PROTOTYPES.has(proto)) out = (x as Uint8Array).slice();
  else if (proto === DataView.prototype) {
    const d = x as DataView;
    out = new DataView(d.buffer.slice(d.byteOffset, d.byteOffset + d.byteLength));
  }
  // Anything else (a class instance, a function, a Buffer ...) is shared as it is.
  memo?.set(x, out);
  return out;
}
