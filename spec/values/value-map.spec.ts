import test from 'ava';
import fc from 'fast-check';
import { equals, ValueMap, ValueSet } from '../../lib/values/index.js';
import { cloneShuffled, tiny } from './arbitraries.js';

test('ValueMap: get, has, set and delete compare keys by value', (t) => {
  const key = [1, 'a'];
  const m = new ValueMap<unknown, number>();
  m.set(key, 1);
  t.is(m.get([1, 'a']), 1);
  t.true(m.has([1, 'a']));
  t.false(m.has([1, 'b']));
  t.is(m.get([1, 'b']), undefined);
  m.set([1, 'a'], 2);
  t.is(m.size, 1);
  t.is(m.get(key), 2);
  m.set({ b: 2, a: 1 }, 3);
  t.is(m.get({ a: 1, b: 2 }), 3);
  m.set(new Date(5), 4);
  t.is(m.get(new Date(5)), 4);
  t.is(m.size, 3);
  t.true(m.delete([1, 'a']));
  t.false(m.delete([1, 'a']));
  t.false(m.has(key));
  t.is(m.size, 2);
});

test('ValueMap: iteration yields the first-inserted original keys in insertion order', (t) => {
  const first = [1, 'a'];
  const obj = { x: [2] };
  const m = new ValueMap<unknown, string>();
  m.set('s', 'string');
  m.set(first, 'one');
  m.set(obj, 'obj');
  m.set([1, 'a'], 'uno');
  m.set({ x: [2] }, 'object');
  const keys = [...m.keys()];
  t.is(keys.length, 3);
  t.is(keys[0], 's');
  t.is(keys[1], first);
  t.is(keys[2], obj);
  t.deepEqual([...m.values()], ['string', 'uno', 'object']);
  t.deepEqual(
    [...m],
    [
      ['s', 'string'],
      [[1, 'a'], 'uno'],
      [{ x: [2] }, 'object'],
    ],
  );
  t.is([...m.entries()][1]![0], first);
  const seen: unknown[] = [];
  m.forEach((v, k, map) => {
    seen.push(k, v);
    t.is(map, m);
  });
  t.deepEqual(seen, ['s', 'string', first, 'uno', obj, 'object']);
});

test('ValueMap: is a Map; the constructor takes entries like Map', (t) => {
  const m = new ValueMap<unknown, number>([
    [[1], 1],
    [[1], 2],
    ['k', 3],
  ]);
  t.true(m instanceof Map);
  t.true(m instanceof ValueMap);
  t.is(Object.prototype.toString.call(m), '[object Map]');
  t.is(m.size, 2);
  t.is(m.get([1]), 2);
  t.is(m.get('k'), 3);
  t.is(new ValueMap().size, 0);
  t.is(new ValueMap(null).size, 0);
  t.is(new ValueMap(new Map([[[0], 'z']])).get([0]), 'z');
  t.is(m.set([2], 4), m);
});

test('ValueMap: primitive keys keep Map semantics; NUL-led strings do not collide with objects', (t) => {
  const m = new ValueMap<unknown, string>();
  m.set(Number.NaN, 'nan');
  m.set(-0, 'zero');
  m.set(1n, 'big');
  m.set('\u0000a1:n1;', 'nul string');
  m.set([1], 'array');
  t.is(m.get(Number.NaN), 'nan');
  t.is(m.get(0), 'zero');
  t.is(m.get(1), undefined);
  t.is(m.get(1n), 'big');
  t.is(m.get('\u0000a1:n1;'), 'nul string');
  t.is(m.get([1]), 'array');
  t.is(m.size, 5);
  t.is(m.get([Number.NaN]), undefined);
  m.set([Number.NaN, -0], 'nan array');
  t.is(m.get([Number.NaN, 0]), 'nan array');
});

test('ValueMap: functions are keys by identity', (t) => {
  const f = () => 1;
  const m = new ValueMap<unknown, number>([[f, 1]]);
  t.is(m.get(f), 1);
  t.is(
    m.get(() => 1),
    undefined,
  );
  t.true(m.delete(f));
  t.is(m.size, 0);
});

test('ValueMap: clear empties the map and its index', (t) => {
  const m = new ValueMap<unknown, number>([
    [[1], 1],
    ['a', 2],
  ]);
  m.clear();
  t.is(m.size, 0);
  t.false(m.has([1]));
  const again = [1];
  m.set(again, 3);
  t.is([...m.keys()][0], again);
  t.is(m.get([1]), 3);
});

test('ValueSet: add, has and delete by value; iteration yields originals', (t) => {
  const first = { a: 1, b: [2] };
  const s = new ValueSet<unknown>([first, { b: [2], a: 1 }, 1, 1, [1], Number.NaN, Number.NaN]);
  t.true(s instanceof Set);
  t.is(s.size, 4);
  t.is([...s][0], first);
  t.true(s.has({ a: 1, b: [2] }));
  t.true(s.has([1]));
  t.false(s.has([2]));
  t.is(s.add([1]), s);
  t.is(s.size, 4);
  t.true(s.delete({ b: [2], a: 1 }));
  t.false(s.delete({ b: [2], a: 1 }));
  t.false(s.has(first));
  t.is(s.size, 3);
  t.deepEqual([...s], [1, [1], Number.NaN]);
  s.clear();
  t.is(s.size, 0);
  t.false(s.has([1]));
});

type Op = { op: 'set'; key: unknown; value: number } | { op: 'delete'; key: unknown } | { op: 'clear' };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key: tiny, value: fc.integer() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key: tiny }) },
  { weight: 1, arbitrary: fc.constant({ op: 'clear' as const }) },
);

test('property: ValueMap behaves like an insertion-ordered association list with equals', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), fc.array(tiny, { maxLength: 10 }), (ops, probes) => {
        const m = new ValueMap<unknown, number>();
        let model: [unknown, number][] = [];
        const find = (k: unknown) => model.findIndex(([mk]) => equals(mk, k));
        for (const o of ops) {
          if (o.op === 'clear') {
            m.clear();
            model = [];
          } else if (o.op === 'set') {
            m.set(cloneShuffled(o.key), o.value);
            const i = find(o.key);
            if (i < 0) model.push([o.key, o.value]);
            else model[i] = [model[i]![0], o.value];
          } else {
            const i = find(o.key);
            if (m.delete(o.key) !== i >= 0) return false;
            if (i >= 0) model.splice(i, 1);
          }
        }
        if (m.size !== model.length) return false;
        const entries = [...m];
        for (let i = 0; i < model.length; i++) {
          if (!equals(entries[i]![0], model[i]![0]) || entries[i]![1] !== model[i]![1]) return false;
        }
        for (const k of [...probes, ...ops.flatMap((o) => (o.op === 'clear' ? [] : [o.key]))]) {
          const i = find(k);
          if (m.has(k) !== i >= 0 || m.get(k) !== (i >= 0 ? model[i]![1] : undefined)) return false;
        }
        return true;
      }),
      { numRuns: 1000 },
    ),
  );
});

test('property: ValueSet holds one original per equality class', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.array(tiny, { maxLength: 30 }), (xs) => {
        const s = new ValueSet(xs);
        const model: unknown[] = [];
        for (const x of xs) if (!model.some((y) => equals(x, y))) model.push(x);
        const items = [...s];
        return (
          s.size === model.length &&
          items.every((x, i) => x === model[i] || (Number.isNaN(x) && Number.isNaN(model[i]))) &&
          xs.every((x) => s.has(cloneShuffled(x)))
        );
      }),
      { numRuns: 1000 },
    ),
  );
});
