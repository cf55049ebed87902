import { readFileSync } from 'node:fs';
import test from 'ava';
import fc from 'fast-check';
import { exactPortableHash, partitionOf, portableHash, stringHash } from '../../lib/values/index.js';
import { cloneShuffled, pyMod, tiny, value } from './arbitraries.js';

const P61 = (1n << 61n) - 1n;

/** Python's `a % n` on bigints, as a number. */
function pyModBig(a: bigint, n: number): number {
  const r = a % BigInt(n);
  return Number(r < 0n ? r + BigInt(n) : r);
}

/** C's frexp: v = m·2^e with 0.5 <= |m| < 1 (v finite, non-zero). */
function frexp(v: number): [number, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, v);
  let shift = 0;
  if (((view.getUint32(0) >>> 20) & 0x7ff) === 0) {
    view.setFloat64(0, v * 2 ** 64); // subnormal: scale into the normal range, exactly
    shift = 64;
  }
  const hi = view.getUint32(0);
  const e = ((hi >>> 20) & 0x7ff) - 1022 - shift;
  view.setUint32(0, (hi & 0x800fffff) | (1022 << 20));
  return [view.getFloat64(0), e];
}

/** A line-by-line port of CPython 3.11's _Py_HashDouble, on bigints: the reference. */
function cpythonFloatHash(v: number): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) return v > 0 ? 314159n : -314159n;
  if (v === 0) return 0n;
  let [m, e] = frexp(v);
  let sign = 1n;
  if (m < 0) {
    sign = -1n;
    m = -m;
  }
  let x = 0n;
  while (m !== 0) {
    x = ((x << 28n) & P61) | (x >> 33n);
    m *= 268435456;
    e -= 28;
    const y = Math.trunc(m);
    m -= y;
    x += BigInt(y);
    if (x >= P61) x -= P61;
  }
  const s = BigInt(e >= 0 ? e % 61 : 61 - 1 - ((-1 - e) % 61));
  x = ((x << s) & P61) | (x >> (61n - s));
  const h = x * sign;
  return h === -1n ? -2n : h;
}

test('partitionOf: ints go where Python puts them, hash(-1) being -2', (t) => {
  t.is(partitionOf(7, 3), 1);
  t.is(partitionOf(-1, 3), 1); // hash(-1) == -2; -2 % 3 == 1
  t.is(partitionOf(-2, 3), 1);
  t.is(partitionOf(-3, 3), 0);
  t.is(partitionOf(-4, 3), 2);
  t.true(Object.is(partitionOf(-3, 3), 0));
  t.is(partitionOf(0, 1), 0);
  t.is(partitionOf(2.0, 2), 0);
  t.is(partitionOf(-1n, 3), 1);
  t.is(partitionOf(Number.MAX_SAFE_INTEGER, 10), 1);
});

test('portableHash: ints are themselves, except -1', (t) => {
  t.is(portableHash(0), 0);
  t.true(Object.is(portableHash(-0), 0));
  t.is(portableHash(2.0), 2);
  t.is(portableHash(-1), -2);
  t.is(portableHash(-1n), -2);
  t.is(portableHash(-2), -2);
  t.is(portableHash(12345678901234n), 12345678901234);
  t.is(portableHash(true), 1);
  t.is(portableHash(false), 0);
  t.is(portableHash(undefined), 0);
  t.is(portableHash(null), 0);
  t.is(portableHash(new Date(1234)), 1234);
  t.is(portableHash(new Date(Number.NaN)), 0);
});

// Expected values computed with CPython 3.11 and PySpark's portable_hash formula.
const pythonCases: [string, unknown, bigint, number[]][] = [
  ['(1, 2)', [1, 2], 3430029580082870073n, [1, 0, 1, 3]],
  ['()', [], 3430008n, [0, 0, 1, 8]],
  ['((1, 2),)', [[1, 2]], 6160245063577826818n, [0, 1, 2, 8]],
  ['(1.5, -1)', [1.5, -1], 4640420952163058749n, [1, 1, 1, 9]],
  ['(None, True, False)', [undefined, true, false], 5160239872013252146n, [0, 1, 1, 6]],
  ['(None, True, False) with null', [null, true, false], 5160239872013252146n, [0, 1, 1, 6]],
  ['((1,), (2, 3.5))', [[1], [2, 3.5]], 6653394413373906843n, [1, 0, 1, 3]],
  ['(-1,)', [-1], 9223368606834485779n, [1, 1, 4, 9]],
  ['(0,)', [0], 3430018290025n, [1, 1, 5, 5]],
  ['(2**100,)', [2n ** 100n], 549760893173731689n, [1, 0, 2, 9]],
  ['(1, ..., 10)', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 2113985688589985513n, [1, 2, 2, 3]],
  ['1.5', 1.5, 1152921504606846977n, [1, 2, 2, 7]],
  ['0.1', 0.1, 230584300921369408n, [0, 1, 6, 8]],
  ['-0.1', -0.1, -230584300921369408n, [0, 2, 1, 2]],
  ['1e300', 1e300, 1224995262755759164n, [0, 1, 5, 4]],
  ['2.0**-61', 2 ** -61, 1n, [1, 1, 1, 1]],
  ['-(2.0**-61)', -(2 ** -61), -2n, [0, 1, 5, 8]],
  ['5e-324', 5e-324, 16777216n, [0, 1, 1, 6]],
  ['1e-310', 1e-310, 615709907932414099n, [1, 1, 0, 9]],
  ['inf', Number.POSITIVE_INFINITY, 314159n, [1, 2, 6, 9]],
  ['-inf', Number.NEGATIVE_INFINITY, -314159n, [1, 1, 1, 1]],
  ['2.0**64', 2 ** 64, 8n, [0, 2, 1, 8]],
  ['-2.5', -2.5, -1152921504606846978n, [0, 0, 4, 2]],
  ['123.456', 123.456, 1051464412201451643n, [1, 0, 3, 3]],
  ['2.0**53 + 2', 2 ** 53 + 2, 9007199254740994n, [0, 1, 6, 4]],
  ['-1.0', -1.0, -2n, [0, 1, 5, 8]],
  ['2**61 - 1', 2n ** 61n - 1n, 0n, [0, 0, 0, 0]],
  ['2**61', 2n ** 61n, 1n, [1, 1, 1, 1]],
  ['-(2**61)', -(2n ** 61n), -2n, [0, 1, 5, 8]],
  ['2**100', 2n ** 100n, 549755813888n, [0, 2, 1, 8]],
  ['-(2**100)', -(2n ** 100n), -549755813888n, [0, 1, 6, 2]],
  ['2**64', 2n ** 64n, 8n, [0, 2, 1, 8]],
  ['-3', -3, -3n, [1, 0, 4, 7]],
  ['2**63', 2n ** 63n, 4n, [0, 1, 4, 4]],
];

test('portableHash and partitionOf: PySpark values for tuples, floats and big ints', (t) => {
  for (const [name, x, hash, partitions] of pythonCases) {
    t.is(exactPortableHash(x), hash, name);
    t.is(portableHash(x), Number(hash), name);
    t.deepEqual(
      [2, 3, 7, 10].map((n) => partitionOf(x, n)),
      partitions,
      name,
    );
  }
});

test('portableHash: [1, 2] is portable_hash((1, 2))', (t) => {
  t.is(exactPortableHash([1, 2]), 3430029580082870073n);
  t.is(portableHash([1, 2]), Number(3430029580082870073n));
  t.is(exactPortableHash(1.5), 1152921504606846977n);
});

test('stringHash: 32-bit FNV-1a test vectors, by content (objects and symbols hash with it)', (t) => {
  t.is(stringHash(''), 0x811c9dc5);
  t.is(stringHash('a'), 0xe40c292c);
  t.is(stringHash('foobar'), 0xbf9cf968);
  t.is(portableHash(Symbol('foobar')), 0xbf9cf968);
});

/** `[string, hash(string)]` from CPython 3.11 with PYTHONHASHSEED=0 (spec/fixtures/python_str_hash.py). */
const pythonStrings = JSON.parse(
  readFileSync(new URL('../fixtures/python-str-hash.json', import.meta.url), 'utf8'),
) as [string, string][];

test('strings hash as CPython 3.11+ hash(str) with PYTHONHASHSEED=0: ASCII, Latin-1, BMP, astral, lengths 0-40', (t) => {
  t.true(pythonStrings.length > 300);
  const widths = new Set<number>();
  for (const [s, h] of pythonStrings) {
    const want = BigInt(h);
    t.is(exactPortableHash(s), want, JSON.stringify(s));
    t.is(portableHash(s), Number(want), JSON.stringify(s));
    for (const n of [1, 2, 3, 7, 10, 0x7fff, 0x8000, 40000, 2 ** 31 + 11, 2 ** 32])
      t.is(
        partitionOf(s, n),
        Number(((want % BigInt(n)) + BigInt(n)) % BigInt(n)),
        `${JSON.stringify(s)} % ${n}`,
      );
    widths.add(Math.max(0, ...[...s].map((c) => c.codePointAt(0) as number)));
  }
  // Every PEP 393 width is in the table.
  t.true([...widths].some((w) => w > 0 && w < 0x80));
  t.true([...widths].some((w) => w >= 0x80 && w < 0x100));
  t.true([...widths].some((w) => w >= 0x100 && w < 0x10000));
  t.true([...widths].some((w) => w >= 0x10000));
});

test("strings: PySpark's layout of the issue's example and tuples holding strings", (t) => {
  t.is(portableHash(''), 0);
  t.is(exactPortableHash('spark'), 226417650480810963n);
  t.is(exactPortableHash('\u{1F600}'), -3536540696076613844n);
  t.deepEqual(
    ['a', 'b', 'c', '\u00e9', '\u{1F600}', 'spark'].map((s) => partitionOf(s, 3)),
    [1, 0, 1, 0, 1, 0],
  );
  const tuples: [unknown[], bigint, number[]][] = [
    [['a', 1], 102774922574124034n, [0, 1, 3, 4, 4034, 1081637016]],
    [['spark', ['x', 2.5]], 9014943194912571884n, [0, 2, 2, 4, 11884, 1387888455]],
    [['\u00e9', '\u{1F600}', undefined], 4731904417095654694n, [0, 1, 0, 4, 14694, 2137153984]],
    [[''], 3430018290025n, [1, 1, 5, 5, 10025, 486886602]],
  ];
  for (const [x, h, parts] of tuples) {
    t.is(exactPortableHash(x), h);
    t.deepEqual(
      [2, 3, 7, 10, 40000, 2 ** 31 + 11].map((n) => partitionOf(x, n)),
      parts,
    );
  }
});

test('property: partitionOf(k, n) is Python k % n for safe ints and bigints', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.maxSafeInteger(), fc.integer({ min: 1, max: 1000 }), (k, n) => {
        const expected = pyMod(k === -1 ? -2 : k, n);
        return partitionOf(k, n) === expected && partitionOf(BigInt(k), n) === expected;
      }),
      { numRuns: 5000 },
    ),
  );
});

test('property: numbers hash like CPython floats (checked against a port of _Py_HashDouble)', (t) => {
  const n = fc.integer({ min: 1, max: 2 ** 32 });
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.double({ min: -1e6, max: 1e6 }), fc.integer()), n, (x, k) => {
        const expected = cpythonFloatHash(x);
        return exactPortableHash(x) === expected && partitionOf(x, k) === pyModBig(expected, k);
      }),
      { numRuns: 10000 },
    ),
  );
});

test('property: a bigint and a number of the same value hash alike', (t) => {
  fc.assert(
    // m·2^s with a 53-bit m: exactly representable as a number.
    fc.property(fc.maxSafeInteger(), fc.integer({ min: 0, max: 40 }), (m, s) => {
      const b = BigInt(m) << BigInt(s);
      const x = m * 2 ** s;
      return exactPortableHash(x) === exactPortableHash(b) && partitionOf(x, 7) === partitionOf(b, 7);
    }),
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 200n), max: 2n ** 200n }), (b) => {
        const expected = b < 0n ? -(-b % P61) : b % P61;
        return exactPortableHash(b) === (expected === -1n ? -2n : expected);
      }),
    ),
  );
});

test('property: equal values hash alike and land in the same partition', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(value, tiny), fc.integer({ min: 1, max: 2 ** 32 }), (a, n) => {
        const b = cloneShuffled(a);
        return (
          Object.is(portableHash(a), portableHash(b)) &&
          exactPortableHash(a) === exactPortableHash(b) &&
          partitionOf(a, n) === partitionOf(b, n)
        );
      }),
      { numRuns: 3000 },
    ),
  );
});

test('property: portableHash rounds the exact hash, partitionOf is its exact Python modulo', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.oneof(value, tiny), fc.integer({ min: 1, max: 2 ** 32 }), (x, n) => {
        const exact = exactPortableHash(x);
        const p = partitionOf(x, n);
        return (
          portableHash(x) === Number(exact) &&
          p === pyModBig(exact, n) &&
          Number.isInteger(p) &&
          p >= 0 &&
          p < n
        );
      }),
      { numRuns: 3000 },
    ),
  );
});
