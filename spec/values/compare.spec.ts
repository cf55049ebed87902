import test from 'ava';
import fc from 'fast-check';
import { ArgumentError } from '../../lib/errors.js';
import { compare, compareBy, equals } from '../../lib/values/index.js';
import { cloneShuffled, Point, sortWith, tiny, trickyString, value } from './arbitraries.js';

// A reference order written independently of lib/values/compare.ts: slow and obvious.

function refRank(x: unknown): number {
  if (x === undefined) return 0;
  if (x === null) return 1;
  if (typeof x === 'boolean') return 2;
  if (typeof x === 'number' || typeof x === 'bigint') return 3;
  if (typeof x === 'string') return 4;
  if (x instanceof Date) return 5;
  if (Array.isArray(x)) return 6;
  return 7;
}

/** A finite number or a bigint as an exact integer multiple of 2^-1074. */
function scaled(x: number | bigint): bigint {
  if (typeof x === 'bigint') return x << 1074n;
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(x));
  const bits = view.getBigUint64(0);
  const exponent = Number(bits >> 52n);
  const mantissa = bits & ((1n << 52n) - 1n);
  const magnitude = exponent === 0 ? mantissa : (mantissa | (1n << 52n)) << BigInt(exponent - 1);
  return x < 0 ? -magnitude : magnitude;
}

function sign(x: number | bigint): number {
  return x > 0 ? 1 : x < 0 ? -1 : 0;
}

function refNumeric(a: number | bigint, b: number | bigint): number {
  const nanA = typeof a === 'number' && Number.isNaN(a);
  const nanB = typeof b === 'number' && Number.isNaN(b);
  if (nanA || nanB) return Number(nanA) - Number(nanB);
  const infinite = (x: number | bigint) => (typeof x === 'number' && !Number.isFinite(x) ? sign(x) : 0);
  if (infinite(a) !== 0 || infinite(b) !== 0) return sign(infinite(a) - infinite(b));
  const byValue = sign(scaled(a) - scaled(b));
  if (byValue !== 0) return byValue;
  return typeof a === typeof b ? 0 : typeof a === 'number' ? -1 : 1;
}

function refStrings(a: string, b: string): number {
  const x = Array.from(a, (c) => c.codePointAt(0)!);
  const y = Array.from(b, (c) => c.codePointAt(0)!);
  return refSequences(x, y, (p, q) => sign(p - q));
}

function refSequences<T>(x: readonly T[], y: readonly T[], cmp: (p: T, q: T) => number): number {
  for (let i = 0; i < x.length && i < y.length; i++) {
    const c = cmp(x[i]!, y[i]!);
    if (c !== 0) return c;
  }
  return sign(x.length - y.length);
}

function refCompare(a: unknown, b: unknown): number {
  const r = refRank(a) - refRank(b);
  if (r !== 0) return sign(r);
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'number' || typeof a === 'bigint') return refNumeric(a, b as number | bigint);
  if (typeof a === 'string') return refStrings(a, b as string);
  if (a instanceof Date) return refNumeric(a.getTime(), (b as Date).getTime());
  if (Array.isArray(a)) return refSequences(a, b as unknown[], refCompare);
  if (typeof a === 'object' && a !== null) {
    const entries = (o: object) => Object.entries(o).sort((p, q) => refStrings(p[0], q[0]));
    return refSequences(entries(a), entries(b as object), refCompare);
  }
  return 0; // undefined, null
}

test('compare: numbers and bigints numerically, NaN last, a number before an equal bigint', (t) => {
  t.true(compare(1, 2) < 0);
  t.true(compare(10, 9) > 0);
  t.is(compare(-0, 0), 0);
  t.is(compare(Number.NaN, Number.NaN), 0);
  t.true(compare(Number.NaN, Number.POSITIVE_INFINITY) > 0);
  t.true(compare(Number.POSITIVE_INFINITY, Number.NaN) < 0);
  t.true(compare(Number.NaN, 10n ** 400n) > 0);
  t.true(compare(Number.POSITIVE_INFINITY, 10n ** 400n) > 0);
  t.true(compare(Number.NEGATIVE_INFINITY, -(10n ** 400n)) < 0);
  t.true(compare(1, 1n) < 0);
  t.true(compare(1n, 1.5) < 0);
  t.true(compare(2 ** 53, 2n ** 53n + 1n) < 0);
  t.true(compare(2n ** 53n + 1n, 2 ** 53 + 2) < 0);
  t.deepEqual(sortWith([10, 9, Number.NaN, Number.NEGATIVE_INFINITY, 2n, 2, -0, 1.5], compare), [
    Number.NEGATIVE_INFINITY,
    -0,
    1.5,
    2,
    2n,
    9,
    10,
    Number.NaN,
  ]);
});

test('compare: strings by code point, not by UTF-16 unit', (t) => {
  t.true(compare('\uFFFF', '\u{10000}') < 0);
  t.true('\uFFFF' > '\u{10000}'); // what JS's own order says
  t.true(compare('\uE000', '\uD800') > 0); // a lone surrogate is its own code point
  t.true(compare('\uD800\uDC00', '\uD800') > 0);
  t.true(compare('\uD800\uDC00', '\uD800a') > 0);
  t.true(compare('x\uD800\uDC00', 'x\uE000') > 0);
  t.true(compare('a', 'ab') < 0);
  t.true(compare('', 'a') < 0);
  t.true(compare('B', 'a') < 0);
  t.is(compare('\u{10000}', '\u{10000}'), 0);
  t.deepEqual(sortWith(['b', '\u{1F600}', '\uFFFF', 'a', 'A', ''], compare), [
    '',
    'A',
    'a',
    'b',
    '\uFFFF',
    '\u{1F600}',
  ]);
});

test('compare: the fixed rank across types', (t) => {
  const date = new Date(0);
  const ordered = [undefined, null, false, true, -1, 5n, 'a', date, [], [0], {}, { a: 1 }];
  t.deepEqual(sortWith([...ordered].reverse(), compare), ordered);
  t.deepEqual(sortWith([{ a: 1 }, 'z', undefined, [1], date, 3, null, true], compare), [
    undefined,
    null,
    true,
    3,
    'z',
    date,
    [1],
    { a: 1 },
  ]);
});

test('compare: Dates by time, invalid dates last; arrays lexicographically', (t) => {
  t.true(compare(new Date(1), new Date(2)) < 0);
  t.is(compare(new Date(5), new Date(5)), 0);
  t.true(compare(new Date(Number.NaN), new Date(8.64e15)) > 0);
  t.is(compare(new Date(Number.NaN), new Date(Number.NaN)), 0);
  t.true(compare([1, 2], [1, 3]) < 0);
  t.true(compare([1, 2], [1, 2, 0]) < 0);
  t.true(compare([2], [1, 9, 9]) > 0);
  t.true(compare([1, 'a'], [1, 'b']) < 0);
  t.is(compare([Number.NaN, -0], [Number.NaN, 0]), 0);
});

test('compare: plain objects by sorted entries, independent of key order', (t) => {
  t.is(compare({ a: 1, b: 2 }, { b: 2, a: 1 }), 0);
  t.true(compare({ a: 1 }, { a: 2 }) < 0);
  t.true(compare({ a: 2 }, { b: 0 }) < 0);
  t.true(compare({}, { a: 0 }) < 0);
  t.true(compare({ a: 1 }, { a: 1, b: 0 }) < 0);
  t.true(compare({ b: 1 }, { a: 1, c: 0 }) > 0);
});

test('compare: other objects after plain ones, by kind, then symbols', (t) => {
  const s = Symbol('s');
  const ordered = [{ z: 1 }, new Point(0, 0), new Map([[1, 2]]), new Set([1]), Uint8Array.of(1), /a/, s];
  t.deepEqual(sortWith([...ordered].reverse(), compare), ordered);
  t.true(compare(new Map([[1, 2]]), new Map([[1, 3]])) < 0);
  t.is(
    compare(
      new Map<unknown, number>([
        [[1], 1],
        ['a', 2],
      ]),
      new Map<unknown, number>([
        ['a', 2],
        [[1], 1],
      ]),
    ),
    0,
  );
  t.is(compare(new Set([1, 2]), new Set([2, 1])), 0);
  t.true(compare(new Set([1, 2]), new Set([1, 3])) < 0);
  t.true(compare(new Point(1, 0), new Point(2, 0)) < 0);
  t.true(compare(Symbol.for('a'), Symbol.for('b')) < 0);
  t.is(compare(s, s), 0);
});

test('compare: cyclic values are refused', (t) => {
  const a: unknown[] = [];
  a.push(a);
  const b: unknown[] = [];
  b.push(b);
  t.throws(() => compare(a, b), { instanceOf: ArgumentError });
});

test('compareBy: orders by a key, ascending or descending', (t) => {
  const rows: [number, string][] = [
    [1, 'b'],
    [2, 'a'],
    [3, 'c'],
  ];
  t.deepEqual([...rows].sort(compareBy((r) => r[1])), [
    [2, 'a'],
    [1, 'b'],
    [3, 'c'],
  ]);
  t.deepEqual([...rows].sort(compareBy((r) => r[1], false)), [
    [3, 'c'],
    [1, 'b'],
    [2, 'a'],
  ]);
  t.deepEqual(
    [...rows].sort(compareBy((r) => r[0], false)).map((r) => r[0]),
    [3, 2, 1],
  );
});

test('property: strings compare like their code point sequences', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(trickyString, fc.string()), fc.oneof(trickyString, fc.string()), (a, b) => {
        return Math.sign(compare(a, b)) === refStrings(a, b);
      }),
      { numRuns: 20000 },
    ),
  );
});

test('property: compare agrees with the reference order, and so does sorting', (t) => {
  fc.assert(
    fc.property(value, value, (a, b) => Math.sign(compare(a, b)) === refCompare(a, b)),
    { numRuns: 5000 },
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(value, { maxLength: 30 }), (xs) => {
        const mine = sortWith(xs, compare);
        const reference = sortWith(xs, refCompare);
        return mine.every((x, i) => x === reference[i] || (Number.isNaN(x) && Number.isNaN(reference[i])));
      }),
      { numRuns: 1000 },
    ),
  );
});

test('property: compare is antisymmetric, and 0 exactly for equal values', (t) => {
  fc.assert(
    fc.property(fc.oneof(tiny, value), fc.oneof(tiny, value), (a, b) => {
      const ab = Math.sign(compare(a, b));
      return ab === -Math.sign(compare(b, a)) && (ab === 0) === equals(a, b);
    }),
    { numRuns: 10000 },
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(tiny, value), (a) => compare(a, cloneShuffled(a)) === 0),
      { numRuns: 3000 },
    ),
  );
});

test('property: compare is transitive (sorted output is ordered pairwise)', (t) => {
  fc.assert(
    fc.property(tiny, tiny, tiny, (a, b, c) => {
      if (compare(a, b) <= 0 && compare(b, c) <= 0) return compare(a, c) <= 0;
      return true;
    }),
    { numRuns: 10000 },
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(tiny, { maxLength: 25 }), (xs) => {
        const sorted = sortWith(xs, compare);
        for (let i = 0; i < sorted.length; i++) {
          for (let j = i + 1; j < sorted.length; j++) if (compare(sorted[i], sorted[j]) > 0) return false;
        }
        return true;
      }),
      { numRuns: 1000 },
    ),
  );
});
