import test from 'ava';
import fc from 'fast-check';
import { ArgumentError } from '../../lib/errors.js';
import { equals, keyOf } from '../../lib/values/index.js';
import { cloneShuffled, OtherPoint, Point, tiny, value } from './arbitraries.js';

/** Whether a `Map` treats x and y as the same key (SameValueZero). */
const sameKey = (x: unknown, y: unknown): boolean => [x].includes(y);

test('keyOf: primitives are their own keys', (t) => {
  for (const x of [
    0,
    1.5,
    -3,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    7n,
    true,
    false,
    undefined,
    null,
    'abc',
    '',
  ]) {
    t.true(Object.is(keyOf(x), x), String(x));
  }
  const s = Symbol('s');
  t.is(keyOf(s), s);
  const f = () => 1;
  t.is(keyOf(f), f);
});

test('keyOf: a Map keyed by keyOf gets SameValueZero for numbers and keeps 1 and 1n apart', (t) => {
  const m = new Map<unknown, number>();
  for (const x of [Number.NaN, Number.NaN, 0, -0, 1, 1n, '1']) m.set(keyOf(x), (m.get(keyOf(x)) ?? 0) + 1);
  t.deepEqual([...m.values()], [2, 2, 1, 1, 1]);
});

test('keyOf: strings starting with NUL are escaped, others are not', (t) => {
  t.is(keyOf('a\u0000'), 'a\u0000');
  const k = keyOf('\u0000x');
  t.is(typeof k, 'string');
  t.not(k, '\u0000x');
  t.is(keyOf('\u0000x'), k);
  t.not(keyOf('\u0000'), keyOf(''));
});

test('keyOf: objects encode to strings starting with NUL', (t) => {
  for (const x of [
    [1, 'a'],
    { a: 1 },
    new Date(0),
    new Point(1, 2),
    new Map(),
    new Set(),
    new Uint8Array(2),
    /a/,
  ]) {
    const k = keyOf(x);
    t.is(typeof k, 'string');
    t.is((k as string).charCodeAt(0), 0);
  }
});

test('equals and keyOf: the API.md cases', (t) => {
  const same: [unknown, unknown][] = [
    [
      [1, 'a'],
      [1, 'a'],
    ],
    [
      { a: 1, b: 2 },
      { b: 2, a: 1 },
    ],
    [new Date(1000), new Date(1000)],
    [new Date(Number.NaN), new Date(Number.NaN)],
    [Number.NaN, Number.NaN],
    [0, -0],
    [
      [Number.NaN, -0],
      [Number.NaN, 0],
    ],
    [{ a: [1, { b: new Date(5) }] }, { a: [1, { b: new Date(5) }] }],
    [Object.assign(Object.create(null), { a: 1 }), { a: 1 }],
    [new Point(1, [2]), new Point(1, [2])],
    [
      new Map<unknown, unknown>([
        [[1], 'x'],
        ['y', 2],
      ]),
      new Map<unknown, unknown>([
        ['y', 2],
        [[1], 'x'],
      ]),
    ],
    [new Set([[1], 2]), new Set([2, [1]])],
    [Uint8Array.of(1, 2), Buffer.from([1, 2])],
    [Float64Array.of(Number.NaN, -0), Float64Array.of(Number.NaN, 0)],
    [/a/g, /a/g],
    [Object(1), Object(1)],
    [new Array(2), [undefined, undefined]],
  ];
  for (const [i, [a, b]] of same.entries()) {
    t.true(equals(a, b), `same[${i}]`);
    t.true(equals(b, a));
    t.true(sameKey(keyOf(a), keyOf(b)));
  }
  const different: [unknown, unknown][] = [
    [1, 1n],
    [[1], [1n]],
    [[1], ['1']],
    [[1], { 0: 1 }],
    [['1'], { 0: '1' }],
    [
      [1, 2],
      [2, 1],
    ],
    [[1], [1, undefined]],
    [{ a: undefined }, {}],
    [{ a: 1 }, { a: 1, b: 2 }],
    [{ a: 1 }, { b: 1 }],
    [new Date(1), new Date(2)],
    [new Date(1), 1],
    [new Point(1, 2), { x: 1, y: 2 }],
    [new Point(1, 2), new OtherPoint(1, 2)],
    [new Map([[1, 2]]), new Map([[2, 1]])],
    [new Set([1]), [1]],
    [Uint8Array.of(1), Int8Array.of(1)],
    [Uint8Array.of(1), [1]],
    [/a/g, /a/],
    [Object(1), 1],
    [Object(1), Object(1n)],
    ['', '\u0000'],
    [null, undefined],
    [[[]], [[[]]]],
    [() => 1, () => 1],
    [Symbol('a'), Symbol('a')],
    [new Error('x'), new Error('x')],
  ];
  for (const [i, [a, b]] of different.entries()) {
    t.false(equals(a, b), `different[${i}]`);
    t.false(equals(b, a));
    t.false(sameKey(keyOf(a), keyOf(b)));
  }
});

test('equals and keyOf: registered symbols inside objects compare by key, others by identity', (t) => {
  const s = Symbol('s');
  t.true(equals([s], [s]));
  t.is(keyOf([s]), keyOf([s]));
  t.false(equals([s], [Symbol('s')]));
  t.not(keyOf([s]), keyOf([Symbol('s')]));
  t.is(keyOf([Symbol.for('r')]), keyOf([Symbol.for('r')]));
  t.not(keyOf([Symbol.for('r')]), keyOf(['r']));
});

test('equals and keyOf: functions inside objects compare by identity', (t) => {
  const f = () => 1;
  t.true(equals([f], [f]));
  t.is(keyOf({ f }), keyOf({ f }));
  t.false(equals([f], [() => 1]));
  t.not(keyOf([f]), keyOf([() => 1]));
});

test('equals and keyOf: cyclic values are refused with an ArgumentError', (t) => {
  const a: unknown[] = [];
  a.push(a);
  const b: unknown[] = [];
  b.push(b);
  t.throws(() => keyOf(a), { instanceOf: ArgumentError, message: /cyclic/ });
  t.throws(() => equals(a, b), { instanceOf: ArgumentError });
  t.true(equals(a, a));
});

test('equals and keyOf: a deep but finite value is fine', (t) => {
  let a: unknown = 0;
  let b: unknown = -0;
  for (let i = 0; i < 500; i++) {
    a = [a];
    b = [b];
  }
  t.true(equals(a, b));
  t.is(keyOf(a), keyOf(b));
});

test('property: a structural copy with shuffled keys is equal and has the same key', (t) => {
  fc.assert(
    fc.property(value, (a) => {
      const b = cloneShuffled(a);
      return equals(a, b) && equals(b, a) && sameKey(keyOf(a), keyOf(b));
    }),
    { numRuns: 2000 },
  );
  t.notThrows(() =>
    fc.assert(
      fc.property(tiny, (a) => {
        const b = cloneShuffled(a);
        return equals(a, b) && sameKey(keyOf(a), keyOf(b));
      }),
      { numRuns: 2000 },
    ),
  );
});

test('property: keyOf(a) and keyOf(b) are the same Map key exactly when equals(a, b)', (t) => {
  let equalPairs = 0;
  fc.assert(
    fc.property(tiny, tiny, (a, b) => {
      const eq = equals(a, b);
      if (eq) equalPairs++;
      return eq === equals(b, a) && eq === sameKey(keyOf(a), keyOf(b));
    }),
    { numRuns: 10000 },
  );
  fc.assert(
    fc.property(value, value, (a, b) => equals(a, b) === sameKey(keyOf(a), keyOf(b))),
    { numRuns: 2000 },
  );
  t.true(equalPairs > 20, `only ${equalPairs} equal pairs were drawn`);
});

test('property: no string collides with an object key, not even its own encoding', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(tiny, fc.string(), (o, s) => {
        if (typeof o !== 'object' || o === null) return true;
        const k = keyOf(o);
        return keyOf(k) !== k && keyOf(s) !== k && keyOf(`\u0000${s}`) !== k;
      }),
      { numRuns: 2000 },
    ),
  );
});
