/**
 * fast-check arbitraries and helpers shared by the value-semantics specs.
 */

import fc from 'fast-check';

export class Point {
  constructor(
    public x: unknown,
    public y: unknown,
  ) {}
}

/** An unrelated class that is also called `Point`: its instances never equal a `Point`'s. */
export const OtherPoint = (() =>
  class Point {
    constructor(
      public x: unknown,
      public y: unknown,
    ) {}
  })();

/** Strings rich in the code units where UTF-16 order and code point order disagree. */
export const trickyString = fc.string({
  unit: fc.constantFrom(
    'a',
    'b',
    '\u0000',
    '\uD800',
    '\uDBFF',
    '\uDC00',
    '\uDFFF',
    '\uE000',
    '\uFFFF',
    '\u{10000}',
    '\u{10FFFF}',
  ),
  maxLength: 5,
});

/** Any primitive, weighted towards the tricky ones (NaN, -0, 1 vs 1n, NUL-led strings). */
export const primitive: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 2 ** 53, 1.5),
  fc.bigInt({ min: -3n, max: 3n }),
  fc.bigInt(),
  fc.string({ maxLength: 4 }),
  trickyString,
  fc.boolean(),
  fc.constant(undefined),
  fc.constant(null),
);

const date = fc.date({ noInvalidDate: false });

/** Nested values: primitives, Dates, arrays and plain objects (some with a null prototype). */
export const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; object: unknown }>(
  (tie) => ({
    value: fc.oneof({ depthSize: 'small' }, primitive, date, tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 4 }),
    object: fc.dictionary(fc.string({ maxLength: 3 }), tie('value'), { maxKeys: 4 }),
  }),
).value;

/** A few primitives that are pairwise unequal except for the deliberate pairs (0/-0). */
const tinyPrimitive = fc.constantFrom<unknown>(
  0,
  -0,
  1,
  Number.NaN,
  1n,
  '1',
  '',
  '\u0000',
  true,
  undefined,
  null,
  Number.POSITIVE_INFINITY,
);

/**
 * Values from a small domain, so that two independent draws are often equal:
 * every kind of value the module knows about.
 */
export const tiny: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    tinyPrimitive,
    fc.constantFrom(0, 1, Number.NaN).map((t) => new Date(t)),
    fc.array(tie('value'), { maxLength: 2 }),
    fc.dictionary(fc.constantFrom('a', 'b'), tie('value'), { maxKeys: 2 }),
    fc.tuple(tie('value'), tie('value')).map(([x, y]) => new Point(x, y)),
    fc.tuple(tie('value'), tie('value')).map(([x, y]) => new OtherPoint(x, y)),
    fc.array(fc.tuple(tie('value'), tie('value')), { maxLength: 2 }).map((e) => new Map(e)),
    fc.array(tie('value'), { maxLength: 2 }).map((v) => new Set(v)),
    fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }).map((a) => Uint8Array.from(a)),
    fc.array(fc.constantFrom(0, -0, Number.NaN), { maxLength: 2 }).map((a) => Float64Array.from(a)),
    fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }).map((a) => Uint8Array.from(a).buffer),
    fc.constantFrom(['a', ''], ['a', 'g'], ['b', '']).map(([s, f]) => new RegExp(s, f)),
    fc.constantFrom<unknown>(0, 1, '1', 1n).map((v) => Object(v) as unknown),
  ),
})).value;

/**
 * A deep copy with fresh identities that is equal by value: object keys in
 * reverse order, 0 and -0 swapped, Map and Set contents reversed, a
 * null-prototype object copied into a plain `{}` (and back).
 */
export function cloneShuffled(x: unknown): unknown {
  if (typeof x === 'number') return x === 0 ? (Object.is(x, 0) ? -0 : 0) : x;
  if (typeof x !== 'object' || x === null) return x;
  if (Array.isArray(x)) return x.map(cloneShuffled);
  if (x instanceof Date) return new Date(x.getTime());
  if (x instanceof Map)
    return new Map([...x].reverse().map(([k, v]) => [cloneShuffled(k), cloneShuffled(v)]));
  if (x instanceof Set) return new Set([...x].reverse().map(cloneShuffled));
  if (x instanceof Uint8Array || x instanceof Float64Array) return x.map((v) => (v === 0 ? -v : v));
  if (x instanceof ArrayBuffer) return x.slice(0);
  if (x instanceof RegExp) return new RegExp(x.source, x.flags);
  if (x instanceof Number || x instanceof String || x instanceof BigInt)
    return Object(x.valueOf()) as unknown;
  const proto: unknown = Object.getPrototypeOf(x);
  const out: object =
    proto === Object.prototype
      ? Object.create(null)
      : proto === null
        ? {}
        : Object.create(proto as object | null);
  const source = x as Record<string, unknown>;
  for (const k of Object.keys(x).reverse()) {
    // defineProperty, so a key named __proto__ stays an own property.
    Object.defineProperty(out, k, {
      value: cloneShuffled(source[k]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Python's `a % n` for a positive n. */
export function pyMod(a: number, n: number): number {
  const r = a % n;
  return r < 0 ? r + n : r + 0;
}

/** Sorts with a comparator that also sees `undefined` (Array.prototype.sort puts undefined last unasked). */
export function sortWith(xs: readonly unknown[], cmp: (a: unknown, b: unknown) => number): unknown[] {
  return xs
    .map((x) => [x] as const)
    .sort((p, q) => cmp(p[0], q[0]))
    .map((p) => p[0]);
}
