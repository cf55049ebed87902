/**
 * A task works on its own copy (issue 13, point 1): user code that mutates
 * the elements it is given never changes `parallelize`'s source array, a
 * cached partition or an earlier result, with `workers: 0` as with worker
 * threads. `copyValue` copies what structured clone keeps and shares the rest.
 */
import test from 'ava';
import { copyValue, ownBatch } from '../../lib/values/copy.js';
import { ValueMap, ValueSet } from '../../lib/values/value-map.js';
import { context, PARTITIONS } from '../helpers.js';

// ------------------------------------------------------------------ copyValue

test('copyValue: primitives are themselves', (t) => {
  for (const x of [1, -0, Number.NaN, 'a', true, undefined, null, 5n, Symbol.for('s')]) t.is(copyValue(x), x);
});

test('copyValue: plain data is copied at every depth, equal and independent', (t) => {
  const x = {
    n: 1,
    list: [1, { deep: [2, 3] }, 'x'],
    map: new Map<unknown, unknown>([[{ k: 1 }, { v: [1] }]]),
    set: new Set<unknown>([[1, 2]]),
    when: new Date(5),
    re: /a+/gi,
    bytes: new Uint8Array([1, 2, 3]),
    floats: new Float64Array([0.5]),
    buffer: new ArrayBuffer(4),
    view: new DataView(new ArrayBuffer(2)),
  };
  x.re.lastIndex = 2;
  const c = copyValue(x);
  t.deepEqual(c, x);
  t.not(c, x);
  t.not(c.list, x.list);
  t.not(c.list[1], x.list[1]);
  t.not((c.list[1] as { deep: number[] }).deep, (x.list[1] as { deep: number[] }).deep);
  t.not(c.map, x.map);
  t.not([...c.map.keys()][0], [...x.map.keys()][0]);
  t.not(c.set, x.set);
  t.not(c.when, x.when);
  t.is(c.when.getTime(), 5);
  t.not(c.re, x.re);
  t.is(c.re.lastIndex, 2);
  t.not(c.bytes, x.bytes);
  t.not(c.bytes.buffer, x.bytes.buffer);
  t.not(c.buffer, x.buffer);
  t.not(c.view.buffer, x.view.buffer);
  c.list.push(4);
  (c.list[1] as { deep: number[] }).deep.push(4);
  c.bytes[0] = 9;
  t.deepEqual(x.list, [1, { deep: [2, 3] }, 'x']);
  t.is(x.bytes[0], 1);
});

test('copyValue: a null-prototype object stays one; ValueMap and ValueSet keep comparing by value', (t) => {
  const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: { b: 1 } });
  const c = copyValue(bare);
  t.is(Object.getPrototypeOf(c), null);
  t.deepEqual({ ...c }, { a: { b: 1 } });
  t.not(c.a, bare.a);
  const m = new ValueMap<unknown, unknown>([[[1, 'a'], { v: 1 }]]);
  const mc = copyValue(m);
  t.true(mc instanceof ValueMap);
  t.not(mc, m);
  t.deepEqual(mc.get([1, 'a']), { v: 1 });
  t.not(mc.get([1, 'a']), m.get([1, 'a']));
  const s = copyValue(new ValueSet<unknown>([[1, 2]]));
  t.true(s instanceof ValueSet && s.has([1, 2]));
});

test('copyValue: what structured clone would not keep is shared as it is (class instances, functions, Buffers)', (t) => {
  class Point {
    #secret = 1;
    constructor(
      readonly x: number,
      readonly y: number,
    ) {}
    get secret(): number {
      return this.#secret;
    }
  }
  const p = new Point(1, 2);
  const url = new URL('https://example.com/a');
  const fn = () => 1;
  const buf = Buffer.from('ab');
  for (const x of [p, url, fn, buf, new Error('e'), Promise.resolve(1)]) t.is(copyValue(x), x);
  // Inside copied plain data, they are shared too.
  const holder = { p, url, list: [p] };
  const c = copyValue(holder);
  t.not(c, holder);
  t.is(c.p, p);
  t.is(c.url, url);
  t.is(c.list[0], p);
  t.is(c.p.secret, 1);
});

test('copyValue: cycles and aliases inside one element are kept, deep nesting is copied', (t) => {
  const a: Record<string, unknown> = { name: 'a' };
  a.self = a;
  const shared = [1];
  a.twice = [shared, shared];
  const c = copyValue(a);
  t.not(c, a);
  t.is(c.self, c);
  const [x, y] = c.twice as number[][];
  t.is(x, y);
  t.not(x, shared);
  let deep: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < 1000; i++) deep = { next: deep };
  const d = copyValue(deep);
  t.not(d, deep);
  t.deepEqual(d, deep);
});

test('ownBatch: a batch without objects is itself; otherwise a new batch of copies', (t) => {
  const numbers = [1, 2, 3];
  t.is(ownBatch(numbers), numbers);
  const objects = [1, { a: 1 }, 'x'];
  const own = ownBatch(objects);
  t.not(own, objects);
  t.deepEqual(own, objects);
  t.not(own[1], objects[1]);
});

// ------------------------------------------------------------------ RDDs

for (const n of PARTITIONS)
  test(`a function that mutates its element never changes the source or another action's elements, at ${n} partitions`, async (t) => {
    const sc = context();
    const src = [{ n: 1 }, { n: 11 }, { n: 21 }];
    const rdd = sc.parallelize(src, n);
    t.deepEqual(
      await rdd
        .map((o) => {
          o.n += 1;
          return o.n;
        })
        .collect(),
      [2, 12, 22],
    );
    t.deepEqual(await rdd.map((o) => o.n).collect(), [1, 11, 21]);
    t.deepEqual(src, [{ n: 1 }, { n: 11 }, { n: 21 }]);
    // Through every way of reading a partition: fused in place, by batches, whole partitions, pulls.
    const bump = (o: { n: number }) => {
      o.n += 100;
      return o;
    };
    await rdd.foreach(bump);
    await rdd.map(bump).count();
    await rdd
      .glom()
      .map((p) => p.map(bump))
      .collect();
    await rdd
      .mapPartitions(async function* (it) {
        for await (const o of it) yield bump(o);
      })
      .collect();
    bump(await rdd.first());
    (await rdd.take(2)).map(bump);
    await rdd.union(rdd).map(bump).collect();
    await rdd
      .zip(rdd)
      .map(([a]) => bump(a))
      .collect();
    await rdd
      .keyBy((o) => o.n)
      .mapValues(bump)
      .collect();
    t.deepEqual(src, [{ n: 1 }, { n: 11 }, { n: 21 }]);
    // An earlier result is the caller's own too.
    const first = await rdd.collect();
    t.not(first[0], src[0]);
    first[0]!.n = 99;
    t.deepEqual(await rdd.collect(), src);
  });

test("a cached partition never changes: not by a collect's result, nor by a function that mutates", async (t) => {
  const sc = context();
  const c = sc.parallelize([{ x: 1 }, { x: 2 }], 2).cache();
  (await c.collect())[0]!.x = 999;
  t.deepEqual(await c.collect(), [{ x: 1 }, { x: 2 }]);
  const inc = c.map((o) => {
    o.x += 1;
    return o.x;
  });
  t.deepEqual(await inc.collect(), [2, 3]);
  t.deepEqual(await inc.collect(), [2, 3]);
  t.deepEqual(await c.collect(), [{ x: 1 }, { x: 2 }]);
  // The RDD cached after a map keeps what the map made, whatever later functions do to their copies.
  const made = sc
    .parallelize([1, 2], 2)
    .map((x) => ({ list: [x] }))
    .cache();
  await made.foreach((o) => {
    o.list.push(0);
  });
  t.deepEqual(await made.collect(), [{ list: [1] }, { list: [2] }]);
  t.is(await c.count(), 2);
});

test('nested data (arrays, Maps, Sets, Dates) is copied whole: pairs whose values are objects too', async (t) => {
  const sc = context();
  const src: [string, { tags: Set<string>; seen: Date[]; counts: Map<string, number> }][] = [
    ['a', { tags: new Set(['x']), seen: [new Date(1)], counts: new Map([['k', 1]]) }],
    ['b', { tags: new Set(['y']), seen: [new Date(2)], counts: new Map([['k', 2]]) }],
  ];
  const rdd = sc.parallelize(src, 2);
  await rdd
    .mapValues((v) => {
      v.tags.add('changed');
      v.seen[0]!.setTime(0);
      v.counts.set('k', -1);
      return v;
    })
    .collect();
  t.deepEqual([...src[0]![1].tags], ['x']);
  t.is(src[0]![1].seen[0]!.getTime(), 1);
  t.is(src[1]![1].counts.get('k'), 2);
  t.deepEqual(await rdd.mapValues((v) => v.counts.get('k')).collect(), [
    ['a', 1],
    ['b', 2],
  ]);
});

test('class instances are shared, not copied (a copy would lose private fields); numbers and strings are as they were', async (t) => {
  const sc = context();
  class Counter {
    #n = 0;
    add(): number {
      return ++this.#n;
    }
  }
  const counter = new Counter();
  const [same] = await sc.parallelize([counter], 1).collect();
  t.is(same, counter);
  t.is(
    await sc
      .parallelize([counter, counter], 2)
      .map((c) => c.add())
      .sum(),
    3,
  );
  t.deepEqual(await sc.parallelize(['a', 1, true, 2n, null, undefined], 2).collect(), [
    'a',
    1,
    true,
    2n,
    null,
    undefined,
  ]);
});
