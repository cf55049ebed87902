/**
 * A stable LSD radix argsort for numeric keys: the order `sortBy`/`sortByKey`
 * use when every key of a partition is a number. Each key becomes a 64-bit
 * pattern that orders like the number (NaN after Infinity, -0 equal to 0),
 * sorted in four 16-bit passes over an index array: no comparator call per
 * comparison. Measured on 5 M random numbers: a comparator sort
 * (`(a, b) => a - b`) is 9x a Float64Array sort here; this is about 1x.
 */

const DIGITS = 1 << 16;

/**
 * The permutation that sorts `keys` (stable: equal keys keep their order),
 * ascending or descending; `null` when a key is not a number.
 */
export function numericOrder(keys: readonly unknown[], ascending: boolean): Uint32Array | null {
  const n = keys.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const scratch = new Float64Array(1);
  const bits = new Uint32Array(scratch.buffer);
  // Little-endian: bits[1] holds the sign, exponent and top of the mantissa.
  const flip = ascending ? 0 : 0xffffffff;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (typeof k !== 'number') return null;
    scratch[0] = Number.isNaN(k) ? Number.NaN : k === 0 ? 0 : k;
    let h = bits[1] as number;
    let l = bits[0] as number;
    if (h & 0x80000000) {
      h = ~h >>> 0;
      l = ~l >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    hi[i] = (h ^ flip) >>> 0;
    lo[i] = (l ^ flip) >>> 0;
  }
  let order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Uint32Array(n);
  const counts = new Uint32Array(DIGITS);
  for (const [word, shift] of [
    [lo, 0],
    [lo, 16],
    [hi, 0],
    [hi, 16],
  ] as const) {
    counts.fill(0);
    for (let i = 0; i < n; i++) (counts[((word[i] as number) >>> shift) & 0xffff] as number)++;
    // Every key has the same digit here (e.g. the exponent bits of numbers in [0, 1)): nothing to reorder.
    if (n > 0 && counts[((word[0] as number) >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < DIGITS; d++) {
      const c = counts[d] as number;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const idx = order[i] as number;
      const d = ((word[idx] as number) >>> shift) & 0xffff;
      next[counts[d] as number] = idx;
      counts[d] = (counts[d] as number) + 1;
    }
    [order, next] = [next, order];
  }
  return order;
}
