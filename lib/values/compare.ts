/**
 * Natural order (API.md, "Default ordering"): the order of `sortBy`,
 * `sortByKey`, `top`, `takeOrdered`, `max` and `min` without a key function.
 *
 * Across types a fixed rank: undefined < null < boolean < number and bigint
 * < string < Date < array < other objects < symbols. Within a type:
 * - numbers and bigints numerically (`1 < 1.5 < 2n`), `NaN` after
 *   `Infinity` and equal to itself, `0` equal to `-0`; a number and a bigint
 *   of the same value (`1`, `1n`) are different keys, so the number comes first;
 * - strings by Unicode code point (`'\uFFFF' < '\u{10000}'`), lone surrogates
 *   at their own code point; booleans `false < true`; `Date`s by time, invalid
 *   dates last;
 * - arrays lexicographically, element by element, a prefix first;
 * - other objects by kind: plain objects, class instances (by class name
 *   first), `Map`s, `Set`s, typed arrays, byte buffers, `RegExp`s, boxed
 *   primitives, then identity-compared objects (functions, promises, errors)
 *   in the order this process first met them. Plain objects compare as their
 *   entries sorted by key, lexicographically (key, then value); `Map`s as
 *   their entries and `Set`s as their elements, each sorted in this order.
 * - symbols: registered ones (`Symbol.for`) by key, then the others in the
 *   order this process first met them.
 *
 * `compare(a, b) === 0` exactly when `equals(a, b)`: the order is total on the
 * value-equality classes, so sorting is deterministic up to equal values.
 */

import {
  ARRAY,
  BOXED,
  BYTES,
  bytesOf,
  bytesTag,
  classTag,
  DATE,
  INSTANCE,
  identityId,
  kindOf,
  MAP,
  MAX_DEPTH,
  PLAIN,
  REGEXP,
  SET,
  TYPED,
  tooDeep,
} from './kind.js';

const RANK_UNDEFINED = 0;
const RANK_NULL = 1;
const RANK_BOOLEAN = 2;
const RANK_NUMBER = 3;
const RANK_STRING = 4;
const RANK_DATE = 5;
const RANK_ARRAY = 6;
const RANK_OBJECT = 7;
const RANK_SYMBOL = 8;

/** Order of object kinds within RANK_OBJECT, indexed by kind (see kind.ts). */
const OBJECT_KIND_ORDER: Readonly<Record<number, number>> = {
  [PLAIN]: 0,
  [INSTANCE]: 1,
  [MAP]: 2,
  [SET]: 3,
  [TYPED]: 4,
  [BYTES]: 5,
  [REGEXP]: 6,
  [BOXED]: 7,
};
const IDENTITY_ORDER = 8;

/**
 * Natural order: negative if `a` sorts before `b`, positive if after, 0 when
 * they are equal values.
 * @example
 * [10, 9, NaN, -Infinity, 2n].sort(compare);
 * // => [-Infinity, 2n, 9, 10, NaN]
 */
export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a < b) return -1;
    if (a > b) return 1;
    return compareNaN(a, b);
  }
  if (typeof a === 'string' && typeof b === 'string') return compareStrings(a, b);
  return compareValues(a, b, 0);
}

/**
 * A comparator ordering by `key(x)` in natural order, descending when
 * `ascending` is false.
 * @example
 * [[1, 'b'], [2, 'a']].sort(compareBy((p) => p[1]));
 * // => [[2, 'a'], [1, 'b']]
 */
export function compareBy<T, K>(key: (x: T) => K, ascending = true): (a: T, b: T) => number {
  return ascending ? (a, b) => compare(key(a), key(b)) : (a, b) => compare(key(b), key(a));
}

/** For two numbers neither less nor greater than the other: equal, or NaN involved (NaN is last). */
function compareNaN(a: number, b: number): number {
  if (a === b) return 0;
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  return -1;
}

const HIGH_START = 0xd800;
const LOW_START = 0xdc00;
const SURROGATE_END = 0xe000;

function isHigh(c: number): boolean {
  return c >= HIGH_START && c < LOW_START;
}

function isLow(c: number): boolean {
  return c >= LOW_START && c < SURROGATE_END;
}

/** Any UTF-16 surrogate: without one, code unit order is code point order. */
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether every value is a string without a surrogate: then JavaScript's
 * `<`, and `Array.prototype.sort()` without a comparator, order them in
 * natural order.
 */
export function allPlainStrings(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'string' || SURROGATE.test(v)) return false;
  }
  return true;
}

/**
 * Strings by Unicode code point, without allocating. UTF-16 code unit order
 * (JS `<`) differs from code point order only where a surrogate meets a unit
 * at or above U+E000, so JavaScript's native comparison is used when neither
 * string contains a surrogate (a native regexp scan).
 */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const ca = a.charCodeAt(0);
  const cb = b.charCodeAt(0);
  if (ca !== cb && ca < HIGH_START && cb < HIGH_START) return ca - cb; // NaN (empty) falls through
  if (!SURROGATE.test(a) && !SURROGATE.test(b)) return a < b ? -1 : 1;
  return compareCodePoints(a, b);
}

/** Code point order by finding the first differing code unit and looking at its neighbours. */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (i === n) return a.length - b.length; // a prefix sorts first
  const ca = a.charCodeAt(i);
  const cb = b.charCodeAt(i);
  if (ca < HIGH_START && cb < HIGH_START) return ca - cb;
  if (i > 0 && isHigh(a.charCodeAt(i - 1))) {
    // Both strings have the same high surrogate just before i.
    const pairA = isLow(ca);
    const pairB = isLow(cb);
    if (pairA && pairB) return ca - cb; // two pairs with the same high half
    if (pairA) return 1; // a supplementary code point beats b's lone high surrogate
    if (pairB) return -1;
  }
  return codePointAt(a, i, ca) - codePointAt(b, i, cb);
}

/** The code point starting at unit i (c = s.charCodeAt(i)); a lone surrogate is its own code point. */
function codePointAt(s: string, i: number, c: number): number {
  if (isHigh(c) && i + 1 < s.length) {
    const next = s.charCodeAt(i + 1);
    if (isLow(next)) return (c - HIGH_START) * 0x400 + (next - LOW_START) + 0x10000;
  }
  return c;
}

function rankOf(x: unknown): number {
  switch (typeof x) {
    case 'undefined':
      return RANK_UNDEFINED;
    case 'boolean':
      return RANK_BOOLEAN;
    case 'number':
    case 'bigint':
      return RANK_NUMBER;
    case 'string':
      return RANK_STRING;
    case 'symbol':
      return RANK_SYMBOL;
    default: {
      if (x === null) return RANK_NULL;
      if (typeof x !== 'object') return RANK_OBJECT; // functions
      const kind = kindOf(x);
      return kind === ARRAY ? RANK_ARRAY : kind === DATE ? RANK_DATE : RANK_OBJECT;
    }
  }
}

function compareValues(a: unknown, b: unknown, depth: number): number {
  if (a === b) return 0;
  const ra = rankOf(a);
  const rb = rankOf(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case RANK_BOOLEAN:
      return a ? 1 : -1; // a !== b
    case RANK_NUMBER:
      return compareNumeric(a as number | bigint, b as number | bigint);
    case RANK_STRING:
      return compareStrings(a as string, b as string);
    case RANK_DATE:
      return compare((a as Date).getTime(), (b as Date).getTime());
    case RANK_ARRAY:
      return compareArrays(a as readonly unknown[], b as readonly unknown[], depth);
    case RANK_OBJECT:
      return compareObjects(a as object, b as object, depth);
    case RANK_SYMBOL:
      return compareSymbols(a as symbol, b as symbol);
    default:
      return 0; // undefined, null
  }
}

/** Numbers and bigints by value; NaN last; a number before a bigint of the same value. */
function compareNumeric(a: number | bigint, b: number | bigint): number {
  // Relational operators compare numbers and bigints by their exact mathematical values.
  if (a < b) return -1;
  if (a > b) return 1;
  const nanA = typeof a === 'number' && Number.isNaN(a);
  const nanB = typeof b === 'number' && Number.isNaN(b);
  if (nanA || nanB) return nanA === nanB ? 0 : nanA ? 1 : -1;
  if (typeof a === typeof b) return 0;
  return typeof a === 'number' ? -1 : 1;
}

function compareArrays(a: readonly unknown[], b: readonly unknown[], depth: number): number {
  if (depth >= MAX_DEPTH) throw tooDeep();
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = compareValues(a[i], b[i], depth + 1);
    if (c !== 0) return c;
  }
  return a.length - b.length;
}

function compareSymbols(a: symbol, b: symbol): number {
  const ka = Symbol.keyFor(a);
  const kb = Symbol.keyFor(b);
  if (ka !== undefined && kb !== undefined) return compareStrings(ka, kb);
  if (ka !== undefined) return -1;
  if (kb !== undefined) return 1;
  return identityId(a) - identityId(b);
}

function compareObjects(a: object, b: object, depth: number): number {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const oa = OBJECT_KIND_ORDER[ka] ?? IDENTITY_ORDER;
  const ob = OBJECT_KIND_ORDER[kb] ?? IDENTITY_ORDER;
  if (oa !== ob) return oa - ob;
  if (depth >= MAX_DEPTH) throw tooDeep();
  const d = depth + 1;
  switch (ka) {
    case PLAIN:
      return compareArrays(sortedEntries(a), sortedEntries(b), depth);
    case INSTANCE:
      return (
        compareStrings(classTag(a), classTag(b)) || compareArrays(sortedEntries(a), sortedEntries(b), depth)
      );
    case MAP:
      return compareArrays(
        sortedValues([...(a as ReadonlyMap<unknown, unknown>)], d),
        sortedValues([...(b as ReadonlyMap<unknown, unknown>)], d),
        depth,
      );
    case SET:
      return compareArrays(
        sortedValues([...(a as ReadonlySet<unknown>)], d),
        sortedValues([...(b as ReadonlySet<unknown>)], d),
        depth,
      );
    case TYPED:
      return (
        compareStrings(bytesTag(a), bytesTag(b)) ||
        compareArrays(
          Array.from(a as unknown as ArrayLike<unknown>),
          Array.from(b as unknown as ArrayLike<unknown>),
          depth,
        )
      );
    case BYTES:
      return (
        compareStrings(bytesTag(a), bytesTag(b)) ||
        compareArrays(Array.from(bytesOf(a)), Array.from(bytesOf(b)), depth)
      );
    case REGEXP:
      return (
        compareStrings((a as RegExp).source, (b as RegExp).source) ||
        compareStrings((a as RegExp).flags, (b as RegExp).flags)
      );
    case BOXED:
      return compareValues(a.valueOf(), b.valueOf(), d);
    default:
      return identityId(a) - identityId(b); // compared by identity, and a !== b
  }
}

/** [key, value] pairs of the own enumerable string keys, sorted by key in code point order. */
function sortedEntries(x: object): [string, unknown][] {
  return Object.entries(x).sort((p, q) => compareStrings(p[0], q[0]));
}

function sortedValues(values: unknown[], depth: number): unknown[] {
  return values.sort((p, q) => compareValues(p, q, depth));
}
