/**
 * fast-check properties of the wide operators, each against the plain-array
 * reference of spec/reference.ts, over keys that compare by value (arrays,
 * plain objects, Dates, NaN, -0/0, strings, numbers) and random partition
 * counts, including more partitions than elements.
 */
import test from 'ava';
import fc from 'fast-check';
import type { RDD } from '../lib/index.js';
import { context } from './helpers.js';
import {
  bag,
  distinctRef,
  groupRef,
  intersectionRef,
  type JoinKind,
  joinRef,
  naturalRef,
  reduceRef,
  refKey,
  subtractRef,
} from './reference.js';

const RUNS = { numRuns: 100 };

/** Keys with many collisions by value between distinct objects. */
const key: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -4, max: 4 }),
  fc.constantFrom(0, -0, Number.NaN, 1.5, Number.NEGATIVE_INFINITY, 'a', 'b', '', '\u{1F600}', null, true),
  fc.tuple(fc.integer({ min: 0, max: 2 }), fc.constantFrom('a', 'b')),
  fc.constant([1, 'a']),
  fc.record({ a: fc.integer({ min: 0, max: 1 }), b: fc.constantFrom('x', 'y') }),
  fc.integer({ min: 0, max: 2 }).map((t) => new Date(t * 1000)),
);
const value = fc.integer({ min: -100, max: 100 });
const pairs = fc.array(fc.tuple(key, value), { maxLength: 40 });
const slices = fc.integer({ min: 1, max: 8 });
const outPartitions = fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined });
const add = (a: number, b: number): number => a + b;
const max = (a: number, b: number): number => Math.max(a, b);

test('reduceByKey(f) ≡ group-then-fold, and ≡ groupByKey then fold', async (t) => {
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(pairs, slices, outPartitions, async (data, n, out) => {
        const rdd = context().parallelize(data, n);
        const expected = bag(reduceRef(data, add));
        const reduced = bag(await rdd.reduceByKey(add, out).collect());
        const folded = bag(
          await rdd
            .groupByKey(out)
            .mapValues((vs) => vs.reduce(add))
            .collect(),
        );
        const maxes = bag(await rdd.reduceByKey(max, out).collect());
        return (
          refKey(reduced) === refKey(expected) &&
          refKey(folded) === refKey(expected) &&
          refKey(maxes) === refKey(bag(reduceRef(data, max)))
        );
      }),
      RUNS,
    ),
  );
});

test('join, leftOuterJoin, rightOuterJoin, fullOuterJoin ≡ nested-loop joins', async (t) => {
  const kinds: JoinKind[] = ['inner', 'left', 'right', 'full'];
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(pairs, pairs, slices, slices, outPartitions, async (a, b, n, m, out) => {
        const sc = context();
        const left = sc.parallelize(a, n);
        const right = sc.parallelize(b, m);
        const run: Record<JoinKind, () => RDD<unknown>> = {
          inner: () => left.join(right, out),
          left: () => left.leftOuterJoin(right, out),
          right: () => left.rightOuterJoin(right, out),
          full: () => left.fullOuterJoin(right, out),
        };
        for (const kind of kinds) {
          const got = bag(await run[kind]().collect());
          const want = bag(joinRef(a, b, kind));
          if (refKey(got) !== refKey(want)) return false;
        }
        return true;
      }),
      RUNS,
    ),
  );
});

test('sortBy: the output is sorted and a permutation of the input', async (t) => {
  const element = fc.oneof(
    fc.double(),
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom(0, -0, Number.NaN),
    fc.string({ maxLength: 3 }),
    // Lone surrogates and astral characters: code point order, not UTF-16 unit order.
    fc.string({ unit: 'binary', maxLength: 3 }),
    fc.tuple(fc.integer({ min: 0, max: 3 }), fc.string({ maxLength: 2 })),
  );
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(
        fc.array(element, { maxLength: 60 }),
        slices,
        fc.boolean(),
        outPartitions,
        async (xs, n, ascending, out) => {
          const sorted = await context()
            .parallelize(xs, n)
            .sortBy((x) => x, ascending, out)
            .collect();
          if (refKey(bag(sorted)) !== refKey(bag(xs))) return false;
          for (let i = 1; i < sorted.length; i++) {
            const c = naturalRef(sorted[i - 1], sorted[i]);
            if (ascending ? c > 0 : c < 0) return false;
          }
          return true;
        },
      ),
      RUNS,
    ),
  );
});

test('sortByKey with a key function: sorted by keyfunc(key), a permutation, partitions in order', async (t) => {
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: -50, max: 50 }), value), { maxLength: 60 }),
        slices,
        fc.boolean(),
        outPartitions,
        async (data, n, ascending, out) => {
          const kf = (k: number): number => Math.abs(k) % 7;
          const glom = await context().parallelize(data, n).sortByKey(ascending, out, kf).glom().collect();
          const flat = glom.flat();
          if (refKey(bag(flat)) !== refKey(bag(data))) return false;
          for (let i = 1; i < flat.length; i++) {
            const c = kf((flat[i - 1] as [number, number])[0]) - kf((flat[i] as [number, number])[0]);
            if (ascending ? c > 0 : c < 0) return false;
          }
          // A key never straddles two partitions.
          const home = new Map<number, number>();
          return glom.every((p, i) =>
            p.every(([k]) => {
              const h = home.get(kf(k)) ?? i;
              home.set(kf(k), i);
              return h === i;
            }),
          );
        },
      ),
      RUNS,
    ),
  );
});

test('distinct ≡ set semantics under value equality (array keys included)', async (t) => {
  t.deepEqual(
    await context()
      .parallelize<unknown>([[1, 'a'], [1, 'a'], { a: [1] }, { a: [1] }, new Date(3), new Date(3)], 2)
      .distinct()
      .collect()
      .then(bag),
    bag([[1, 'a'], { a: [1] }, new Date(3)]),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(key, { maxLength: 50 }), slices, outPartitions, async (xs, n, out) => {
      const got = await context().parallelize(xs, n).distinct(out).collect();
      return refKey(bag(got)) === refKey(bag(distinctRef(xs)));
    }),
    RUNS,
  );
});

test('partitionBy(n) puts equal keys in the same partition and loses nothing', async (t) => {
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(pairs, slices, fc.integer({ min: 1, max: 9 }), async (data, n, parts) => {
        const glom = await context().parallelize(data, n).partitionBy(parts).glom().collect();
        if (glom.length !== parts || refKey(bag(glom.flat())) !== refKey(bag(data))) return false;
        const home = new Map<string, number>();
        return glom.every((p, i) =>
          p.every(([k]) => {
            const h = home.get(refKey(k)) ?? i;
            home.set(refKey(k), i);
            return h === i;
          }),
        );
      }),
      RUNS,
    ),
  );
});

test('groupByKey then flatten ≡ the input multiset; groups ≡ the reference', async (t) => {
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(pairs, slices, outPartitions, async (data, n, out) => {
        const grouped = await context().parallelize(data, n).groupByKey(out).collect();
        const flat = grouped.flatMap(([k, vs]) => vs.map((v) => [k, v]));
        return (
          refKey(bag(flat)) === refKey(bag(data)) &&
          refKey(bag(grouped.map(([k, vs]) => [k, bag(vs)]))) ===
            refKey(bag(groupRef(data).map(([k, vs]) => [k, bag(vs)])))
        );
      }),
      RUNS,
    ),
  );
});

test('subtract and intersection ≡ the reference; subtractByKey ≡ filter by absent key', async (t) => {
  await t.notThrowsAsync(() =>
    fc.assert(
      fc.asyncProperty(
        fc.array(key, { maxLength: 40 }),
        fc.array(key, { maxLength: 40 }),
        slices,
        slices,
        outPartitions,
        async (xs, ys, n, m, out) => {
          const sc = context();
          const a = sc.parallelize(xs, n);
          const b = sc.parallelize(ys, m);
          const sub = await a.subtract(b, out).collect();
          const inter = await a.intersection(b, out).collect();
          const ka = a.map((x): [unknown, unknown] => [x, x]);
          const kb = b.map((y): [unknown, number] => [y, 0]);
          const subByKey = await ka.subtractByKey(kb, out).keys().collect();
          return (
            refKey(bag(sub)) === refKey(bag(subtractRef(xs, ys))) &&
            refKey(bag(inter)) === refKey(bag(intersectionRef(xs, ys))) &&
            refKey(bag(subByKey)) === refKey(bag(subtractRef(xs, ys)))
          );
        },
      ),
      RUNS,
    ),
  );
});
