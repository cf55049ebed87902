/**
 * How the value-semantics functions (`keyOf`, `equals`, `compare`,
 * `portableHash`) classify an object. Internal: shared by those modules so the
 * three always agree on what kind of thing a value is.
 */

import { ArgumentError } from '../errors.js';

/** `Array.isArray`: compared element by element; holes read as `undefined`. */
export const ARRAY = 0;
/** `Date`: compared by `getTime()`; every invalid date is equal to every other. */
export const DATE = 1;
/** Prototype `Object.prototype` or `null`: own enumerable string keys, in any order. */
export const PLAIN = 2;
/** Any other class instance: same prototype and equal own enumerable string keys. */
export const INSTANCE = 3;
/** `Map` (and subclasses): the same multiset of (key, value) pairs, compared by value. */
export const MAP = 4;
/** `Set` (and subclasses): the same multiset of elements, compared by value. */
export const SET = 5;
/** Typed arrays (not `DataView`): same element type, same elements. `Buffer` counts as `Uint8Array`. */
export const TYPED = 6;
/** `ArrayBuffer`, `SharedArrayBuffer`, `DataView`: same kind, same bytes. */
export const BYTES = 7;
/** `RegExp`: same source and flags. */
export const REGEXP = 8;
/** `new Number(1)`, `new String('a')` ...: compared by `valueOf()`. */
export const BOXED = 9;
/** Functions, promises, errors, weak collections: compared by identity. */
export const IDENTITY = 10;

/** Classifies an object (or function) for the value-semantics functions. */
export function kindOf(x: object): number {
  if (Array.isArray(x)) return ARRAY;
  if (typeof x === 'function') return IDENTITY;
  const proto: unknown = Object.getPrototypeOf(x);
  if (proto === Object.prototype || proto === null) return PLAIN;
  if (x instanceof Date) return DATE;
  if (ArrayBuffer.isView(x)) return x instanceof DataView ? BYTES : TYPED;
  if (x instanceof ArrayBuffer || x instanceof SharedArrayBuffer) return BYTES;
  if (x instanceof Map) return MAP;
  if (x instanceof Set) return SET;
  if (x instanceof RegExp) return REGEXP;
  if (
    x instanceof Number ||
    x instanceof String ||
    x instanceof Boolean ||
    x instanceof BigInt ||
    x instanceof Symbol
  ) {
    return BOXED;
  }
  if (
    x instanceof Promise ||
    x instanceof Error ||
    x instanceof WeakMap ||
    x instanceof WeakSet ||
    x instanceof WeakRef
  ) {
    return IDENTITY;
  }
  return INSTANCE;
}

/** Recursion limit of `keyOf`, `equals` and `compare`; deeper values (or cyclic ones) are refused. */
export const MAX_DEPTH = 1000;

/** The error for a value nested deeper than `MAX_DEPTH`, which is almost always a cycle. */
export function tooDeep(): ArgumentError {
  return new ArgumentError(
    `cannot compare or hash a value nested deeper than ${MAX_DEPTH} levels (is it cyclic?)`,
  );
}

const identityIds = new WeakMap<object | symbol, number>();
let nextIdentityId = 0;

/**
 * A process-local number for an object or unregistered symbol compared by
 * identity: the order in which this process first met them.
 */
export function identityId(x: object | symbol): number {
  let id = identityIds.get(x);
  if (id === undefined) {
    id = nextIdentityId++;
    identityIds.set(x, id);
  }
  return id;
}

const classTags = new WeakMap<object, string>();
const classNameCounts = new Map<string, number>();

/**
 * A string naming an instance's class, distinct for distinct prototypes:
 * `Point#0` for the first prototype whose constructor is called `Point`,
 * `Point#1` for a second, unrelated class of the same name. Deterministic
 * across processes unless two classes share a name.
 */
export function classTag(x: object): string {
  const proto: unknown = Object.getPrototypeOf(x);
  if (typeof proto !== 'object' || proto === null) return '#';
  let tag = classTags.get(proto);
  if (tag === undefined) {
    const ctor: unknown = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value;
    const name = typeof ctor === 'function' ? ctor.name : '';
    const n = classNameCounts.get(name) ?? 0;
    classNameCounts.set(name, n + 1);
    tag = `${name}#${n}`;
    classTags.set(proto, tag);
  }
  return tag;
}

/** The type name of a typed array (`Buffer` reports `Uint8Array`), `DataView` or buffer. */
export function bytesTag(x: object): string {
  return Object.prototype.toString.call(x).slice(8, -1);
}

/** The bytes of an `ArrayBuffer`, `SharedArrayBuffer` or `DataView`, as a view (no copy). */
export function bytesOf(x: object): Uint8Array {
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  return new Uint8Array(x as ArrayBufferLike);
}

/** The sorted own enumerable string keys of an object (sorted by UTF-16 code unit). */
export function sortedKeys(x: object): string[] {
  return Object.keys(x).sort();
}
