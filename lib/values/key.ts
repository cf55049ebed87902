/**
 * Keys compare by value: `keyOf` turns a value into a key for a plain JS `Map`
 * such that two values get the same key exactly when `equals` says they are
 * equal, and `equals` is that equality.
 *
 * The equality (API.md, "Value equality in detail"):
 * - primitives by JS `Map`'s SameValueZero: `NaN` equals `NaN`, `0` equals
 *   `-0`, `1` and `1n` differ, symbols by identity;
 * - arrays element by element (holes read as `undefined`; other own properties
 *   are ignored), `Date`s by time (all invalid dates are equal);
 * - plain objects (prototype `Object.prototype` or `null`) when they have the
 *   same own enumerable string keys, in any order, with equal values; symbol
 *   keys are ignored;
 * - other class instances likewise, and only with instances of the same class;
 * - `Map`s and `Set`s by their contents (order ignored), typed arrays and byte
 *   buffers by type and contents, `RegExp`s by source and flags, boxed
 *   primitives by `valueOf()`;
 * - functions, promises, errors and weak collections by identity.
 *
 * Values nested deeper than 1000 levels (in practice: cyclic values) are
 * refused with an `ArgumentError`. A key must not be mutated while a map holds it.
 */

import {
  ARRAY,
  BOXED,
  BYTES,
  bytesOf,
  bytesTag,
  classTag,
  DATE,
  IDENTITY,
  INSTANCE,
  identityId,
  kindOf,
  MAP,
  MAX_DEPTH,
  PLAIN,
  REGEXP,
  SET,
  sortedKeys,
  TYPED,
  tooDeep,
} from './kind.js';

/**
 * A key for a plain JS `Map` that makes values equal by `equals` collide and
 * nothing else. Numbers, bigints, booleans, `undefined`, `null`, symbols and
 * strings are returned unchanged (a `Map` already compares them as we want),
 * except a string beginning with `'\u0000'`, which is escaped. Functions and
 * other identity-compared objects are returned unchanged. Every other object
 * becomes a string beginning with `'\u0000'` that encodes its contents.
 * @example
 * keyOf([1, 'a']) === keyOf([1, 'a']);
 * // => true
 */
export function keyOf(x: unknown): unknown {
  if (typeof x === 'string') return x.charCodeAt(0) === 0 ? `\u0000${encodeString(x)}` : x;
  if (typeof x === 'object') {
    if (x === null) return x;
    const kind = kindOf(x);
    return kind === IDENTITY ? x : `\u0000${encodeObject(x, kind, 0)}`;
  }
  // Functions are compared by identity: the function itself is its key.
  return x;
}

/**
 * The self-delimiting encoding of any value (no two values unequal by
 * `equals` share one, and no encoding is a prefix of another), used inside
 * `keyOf` and wherever an object needs a canonical string.
 */
export function encode(x: unknown, depth: number): string {
  switch (typeof x) {
    case 'number':
      // String(-0) is '0' and String(NaN) is 'NaN': SameValueZero for free.
      return `n${x};`;
    case 'string':
      return encodeString(x);
    case 'boolean':
      return x ? 't' : 'f';
    case 'undefined':
      return 'u';
    case 'bigint':
      return `b${x};`;
    case 'symbol':
      return encodeSymbol(x);
    case 'object':
      return x === null ? 'z' : encodeObject(x, kindOf(x), depth);
    default:
      // Functions are compared by identity.
      return typeof x === 'function' ? `i${identityId(x)};` : 'u';
  }
}

function encodeString(s: string): string {
  return `s${s.length}:${s}`;
}

function encodeSymbol(s: symbol): string {
  const registered = Symbol.keyFor(s);
  return registered === undefined ? `y${identityId(s)};` : `Y${encodeString(registered)}`;
}

function encodeObject(x: object, kind: number, depth: number): string {
  if (depth >= MAX_DEPTH) throw tooDeep();
  const d = depth + 1;
  switch (kind) {
    case ARRAY: {
      const a = x as readonly unknown[];
      let out = `a${a.length}:`;
      for (let i = 0; i < a.length; i++) out += encode(a[i], d);
      return out;
    }
    case DATE:
      return `d${(x as Date).getTime()};`;
    case PLAIN:
      return encodeProps(x, d);
    case INSTANCE:
      return `c${encodeString(classTag(x))}${encodeProps(x, d)}`;
    case MAP: {
      const parts: string[] = [];
      for (const [k, v] of x as ReadonlyMap<unknown, unknown>) parts.push(encode(k, d) + encode(v, d));
      return `M${parts.length}:${parts.sort().join('')}`;
    }
    case SET: {
      const parts: string[] = [];
      for (const v of x as ReadonlySet<unknown>) parts.push(encode(v, d));
      return `S${parts.length}:${parts.sort().join('')}`;
    }
    case TYPED: {
      const a = x as unknown as ArrayLike<number | bigint>;
      let out = `T${encodeString(bytesTag(x))}${a.length}:`;
      // Elements are all numbers or all bigints: their decimal forms never contain ','.
      for (let i = 0; i < a.length; i++) out += `${a[i]},`;
      return out;
    }
    case BYTES: {
      const bytes = bytesOf(x);
      return `B${encodeString(bytesTag(x))}${bytes.length}:${bytes.join(',')};`;
    }
    case REGEXP: {
      const r = x as RegExp;
      return `r${encodeString(r.source)}${encodeString(r.flags)}`;
    }
    case BOXED:
      return `x${encode(x.valueOf(), d)}`;
    default:
      return `i${identityId(x)};`;
  }
}

function encodeProps(x: object, depth: number): string {
  const keys = sortedKeys(x);
  const o = x as Readonly<Record<string, unknown>>;
  let out = `o${keys.length}:`;
  for (const k of keys) out += encodeString(k) + encode(o[k], depth);
  return out;
}

/**
 * Value equality: the equivalence `keyOf` encodes (see the module comment).
 * @example
 * equals({ a: 1, b: [NaN] }, { b: [NaN], a: 1 });
 * // => true
 */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  return equalObjects(a, b, 0);
}

function equalValues(a: unknown, b: unknown, depth: number): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) {
    return typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b);
  }
  return equalObjects(a, b, depth);
}

const isEnumerable = Object.prototype.propertyIsEnumerable;

function equalObjects(a: object, b: object, depth: number): boolean {
  const kind = kindOf(a);
  if (kindOf(b) !== kind) return false;
  if (depth >= MAX_DEPTH) throw tooDeep();
  const d = depth + 1;
  switch (kind) {
    case ARRAY: {
      const x = a as readonly unknown[];
      const y = b as readonly unknown[];
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (!equalValues(x[i], y[i], d)) return false;
      return true;
    }
    case DATE: {
      const x = (a as Date).getTime();
      const y = (b as Date).getTime();
      return x === y || (Number.isNaN(x) && Number.isNaN(y));
    }
    case PLAIN:
      return equalProps(a, b, d);
    case INSTANCE:
      return Object.getPrototypeOf(a) === Object.getPrototypeOf(b) && equalProps(a, b, d);
    case MAP:
    case SET:
      // Contents compared as multisets: canonical encodings are the simplest exact rule.
      return (
        (a as ReadonlySet<unknown>).size === (b as ReadonlySet<unknown>).size &&
        encodeObject(a, kind, depth) === encodeObject(b, kind, depth)
      );
    case TYPED: {
      const x = a as unknown as ArrayLike<number | bigint>;
      const y = b as unknown as ArrayLike<number | bigint>;
      if (x.length !== y.length || bytesTag(a) !== bytesTag(b)) return false;
      for (let i = 0; i < x.length; i++) {
        const p = x[i];
        const q = y[i];
        if (p !== q && !(Number.isNaN(p) && Number.isNaN(q))) return false;
      }
      return true;
    }
    case BYTES: {
      if (bytesTag(a) !== bytesTag(b)) return false;
      const x = bytesOf(a);
      const y = bytesOf(b);
      if (x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
      return true;
    }
    case REGEXP:
      return (a as RegExp).source === (b as RegExp).source && (a as RegExp).flags === (b as RegExp).flags;
    case BOXED:
      return equalValues(a.valueOf(), b.valueOf(), d);
    default:
      return false; // identity, and a !== b
  }
}

function equalProps(a: object, b: object, depth: number): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const x = a as Readonly<Record<string, unknown>>;
  const y = b as Readonly<Record<string, unknown>>;
  for (const k of keys) {
    if (!isEnumerable.call(b, k) || !equalValues(x[k], y[k], depth)) return false;
  }
  return true;
}
