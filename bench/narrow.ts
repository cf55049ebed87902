/**
 * Issue 2's benchmark: `parallelize(range(0, 1e7), 8).map(x => x * 2).filter(x => x % 3 === 0).sum()`
 * against a hand-written loop over the same array, in the same process.
 *
 *   npx tsx bench/narrow.ts [n]
 */
import { Context } from 'sparkling-rdd';
import { type Figure, table, time } from './util.js';

const n = Number(process.argv[2] ?? 1e7);
const data = Array.from({ length: n }, (_, i) => i);
const sc = new Context();

const hand = await time(() => {
  let s = 0;
  for (let i = 0; i < data.length; i++) {
    const y = (data[i] as number) * 2;
    if (y % 3 === 0) s += y;
  }
  return s;
});
const viaParallelize = await time(() =>
  sc
    .parallelize(data, 8)
    .map((x) => x * 2)
    .filter((x) => x % 3 === 0)
    .sum(),
);
const viaRange = await time(() =>
  sc
    .range(0, n, 1, 8)
    .map((x) => x * 2)
    .filter((x) => x % 3 === 0)
    .sum(),
);
if (viaParallelize.result !== hand.result || viaRange.result !== hand.result)
  throw new Error(`results differ: ${hand.result} ${viaParallelize.result} ${viaRange.result}`);

const rows: Figure[] = [
  { name: 'hand-written loop', seconds: hand.seconds },
  { name: 'sparkling parallelize(array, 8)', seconds: viaParallelize.seconds },
  { name: 'sparkling range(0, n, 1, 8)', seconds: viaRange.seconds },
].map((r) => ({ ...r, perElementNs: (r.seconds * 1e9) / n }));
console.log(table(`map → filter → sum over ${n.toLocaleString('en')} numbers`, rows, 'hand-written loop'));
