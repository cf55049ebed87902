/**
 * Issue 13, point 1: what a task's own copies of object elements cost. A
 * task reading `parallelize`d data or a cached partition gets copies of
 * its objects (PySpark's tasks get freshly deserialised elements): 1 M
 * `{ a, b }` objects → map → count, straight from `parallelize` and from a
 * cached RDD, against hand-written loops over the same array (one reading
 * the objects in place, one copying each first), and 1 M numbers (never
 * copied) for contrast.
 *
 *   npx tsx bench/values.ts [n]
 */
import { Context } from 'sparkling-rdd';
import { type Figure, table, time } from './util.js';

const n = Number(process.argv[2] ?? 1e6);
const objects = Array.from({ length: n }, (_, i) => ({ a: i, b: n - i }));
const numbers = Array.from({ length: n }, (_, i) => i);
const sc = new Context({ workers: 0 });

const hand = await time(() => {
  let c = 0;
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i] as { a: number; b: number };
    if (o.a + o.b === n) c++;
  }
  return c;
}, 5);
const handCopy = await time(() => {
  let c = 0;
  for (let i = 0; i < objects.length; i++) {
    const o = { ...(objects[i] as { a: number; b: number }) };
    if (o.a + o.b === n) c++;
  }
  return c;
}, 5);
const viaParallelize = await time(
  () =>
    sc
      .parallelize(objects, 8)
      .map((o) => o.a + o.b)
      .count(),
  5,
);
const cached = sc.parallelize(objects, 8).cache();
await cached.count();
const viaCache = await time(() => cached.map((o) => o.a + o.b).count(), 5);
const cachedCount = await time(() => cached.count(), 5);
const numbersParallelize = await time(
  () =>
    sc
      .parallelize(numbers, 8)
      .map((x) => x + 1)
      .count(),
  5,
);
for (const r of [viaParallelize, viaCache, cachedCount, numbersParallelize])
  if (r.result !== n) throw new Error(`count ${r.result}, not ${n}`);

const rows: Figure[] = [
  { name: 'hand-written loop over the objects', seconds: hand.seconds },
  { name: 'hand-written loop copying each ({ ...o })', seconds: handCopy.seconds },
  { name: 'sparkling parallelize(objects, 8).map.count', seconds: viaParallelize.seconds },
  { name: 'sparkling cached.map.count (cache read)', seconds: viaCache.seconds },
  { name: 'sparkling cached.count', seconds: cachedCount.seconds },
  { name: 'sparkling parallelize(numbers, 8).map.count', seconds: numbersParallelize.seconds },
].map((r) => ({ ...r, perElementNs: (r.seconds * 1e9) / n }));
console.log(
  table(
    `{ a, b } objects → map → count, ${n.toLocaleString('en')} elements`,
    rows,
    'hand-written loop over the objects',
  ),
);
sc.stop();
