/**
 * A stable radix sort for numeric keys: the order `sortBy`/`sortByKey` use
 * when every key of a partition is a number. Each key becomes a 64-bit
 * pattern (two 32-bit words) that orders like the number (NaN after Infinity,
 * -0 equal to 0); the patterns are sorted most significant digit first, with
 * their indices, and no comparator call per comparison.
 *
 * Most significant digit first, because it only looks at the bits that tell
 * keys apart: each range starts at its highest differing bit (a range whose
 * keys are all equal is done at once), splits on up to 16 bits by a stable
 * counting scatter that moves the patterns with their indices, and goes on in
 * each bucket; a range of at most 24 keys is finished by insertion sort.
 * Measured on 2.5 M random numbers in [0, 1): 135-150 ms, against 220-270 ms
 * for the four-pass least significant digit sort it replaced (which read each
 * key through the index at every pass, a cache miss per element per pass) and
 * about 270 ms for a Float64Array sort. Keys with few distinct values are
 * slower (2.5 M integers below 1,000: 95-125 ms, against 75-80 ms).
 */

/** Ranges this small are finished by insertion sort. */
const SMALL = 24;
const MAX_DIGIT_BITS = 16;

/** Sorted keys: the permutation, and the keys' patterns in sorted order. */
export interface NumericSort {
  /** `order[i]` is the index of the i-th key in sorted order. */
  readonly order: Uint32Array;
  /** The high and low words of the sorted keys' patterns. */
  readonly hi: Uint32Array;
  readonly lo: Uint32Array;
  readonly ascending: boolean;
  /** Whether a key was -0 (its pattern is 0's, so `sortedNumbers` cannot give it back). */
  readonly negativeZero: boolean;
}

/** The arrays one sort works in: the patterns and indices, and as much scratch space. */
interface Work {
  hi: Uint32Array;
  lo: Uint32Array;
  idx: Uint32Array;
  hi2: Uint32Array;
  lo2: Uint32Array;
  idx2: Uint32Array;
  /** Digit counts, one array per recursion depth (a range's counts outlive its buckets' sorts). */
  counts: Uint32Array[];
}

/**
 * Sorts `keys` (stable: equal keys keep their order), ascending or
 * descending; `null` when a key is not a number.
 */
export function numericSort(keys: readonly unknown[], ascending: boolean): NumericSort | null {
  const n = keys.length;
  const hi = new Uint32Array(n);
  const lo = new Uint32Array(n);
  const idx = new Uint32Array(n);
  const scratch = new Float64Array(1);
  const bits = new Uint32Array(scratch.buffer);
  // Little-endian: bits[1] holds the sign, exponent and top of the mantissa.
  const flip = ascending ? 0 : 0xffffffff;
  let negativeZero = false;
  for (let i = 0; i < n; i++) {
    const k = keys[i];
    if (typeof k !== 'number') return null;
    if (k === 0) {
      if (1 / k < 0) negativeZero = true;
      scratch[0] = 0;
    } else scratch[0] = Number.isNaN(k) ? Number.NaN : k;
    let h = bits[1] as number;
    let l = bits[0] as number;
    if (h & 0x80000000) {
      h = ~h;
      l = ~l;
    } else h |= 0x80000000;
    hi[i] = h ^ flip;
    lo[i] = l ^ flip;
    idx[i] = i;
  }
  const work: Work = {
    hi,
    lo,
    idx,
    hi2: new Uint32Array(n),
    lo2: new Uint32Array(n),
    idx2: new Uint32Array(n),
    counts: [],
  };
  sortRange(work, 0, n, 0);
  return { order: idx, hi, lo, ascending, negativeZero };
}

/** The permutation that sorts `keys` (see `numericSort`); `null` when a key is not a number. */
export function numericOrder(keys: readonly unknown[], ascending: boolean): Uint32Array | null {
  return numericSort(keys, ascending)?.order ?? null;
}

/**
 * The sorted keys themselves, read back from their patterns in order (no
 * gather through the permutation); `null` when a key was -0.
 */
export function sortedNumbers(sorted: NumericSort): number[] | null {
  if (sorted.negativeZero) return null;
  const { hi, lo } = sorted;
  const flip = sorted.ascending ? 0 : 0xffffffff;
  const scratch = new Float64Array(1);
  const bits = new Uint32Array(scratch.buffer);
  const out: number[] = new Array(hi.length);
  for (let i = 0; i < out.length; i++) {
    const h = (hi[i] as number) ^ flip;
    const l = (lo[i] as number) ^ flip;
    if (h & 0x80000000) {
      bits[1] = h & 0x7fffffff;
      bits[0] = l;
    } else {
      bits[1] = ~h;
      bits[0] = ~l;
    }
    out[i] = scratch[0] as number;
  }
  return out;
}

/** Sorts `[s, e)` of the work arrays in place, by its keys' patterns, stably. */
function sortRange(work: Work, s: number, e: number, depth: number): void {
  const { hi, lo, idx } = work;
  if (e - s <= SMALL) {
    insertionSort(hi, lo, idx, s, e);
    return;
  }
  const h0 = hi[s] as number;
  const l0 = lo[s] as number;
  let dh = 0;
  let dl = 0;
  for (let i = s + 1; i < e; i++) {
    dh |= (hi[i] as number) ^ h0;
    dl |= (lo[i] as number) ^ l0;
  }
  if (dh === 0 && dl === 0) return;
  // About two keys per bucket, at most 2^16 buckets, never across the two words.
  const top = 31 - Math.clz32(dh !== 0 ? dh : dl);
  const width = Math.min(MAX_DIGIT_BITS, 30 - Math.clz32(e - s), top + 1);
  const shift = top + 1 - width;
  const mask = (1 << width) - 1;
  let counts = work.counts[depth];
  if (counts === undefined) work.counts[depth] = counts = new Uint32Array(1 << MAX_DIGIT_BITS);
  counts.fill(0, 0, mask + 1);
  if (dh !== 0) scatter(hi, lo, idx, work.hi2, work.lo2, work.idx2, s, e, shift, mask, counts);
  else scatter(lo, hi, idx, work.lo2, work.hi2, work.idx2, s, e, shift, mask, counts);
  // counts[d] is now where bucket d ends.
  let start = s;
  for (let d = 0; d <= mask; d++) {
    const end = counts[d] as number;
    if (end - start > 1) sortRange(work, start, end, depth + 1);
    start = end;
  }
}

/**
 * A stable counting sort of `[s, e)` by the digit `(word >>> shift) & mask`,
 * through the scratch arrays and back; leaves each bucket's end in `counts`.
 */
function scatter(
  word: Uint32Array,
  other: Uint32Array,
  idx: Uint32Array,
  word2: Uint32Array,
  other2: Uint32Array,
  idx2: Uint32Array,
  s: number,
  e: number,
  shift: number,
  mask: number,
  counts: Uint32Array,
): void {
  for (let i = s; i < e; i++) (counts[((word[i] as number) >>> shift) & mask] as number)++;
  let sum = s;
  for (let d = 0; d <= mask; d++) {
    const c = counts[d] as number;
    counts[d] = sum;
    sum += c;
  }
  for (let i = s; i < e; i++) {
    const w = word[i] as number;
    const d = (w >>> shift) & mask;
    const to = counts[d] as number;
    counts[d] = to + 1;
    word2[to] = w;
    other2[to] = other[i] as number;
    idx2[to] = idx[i] as number;
  }
  word.set(word2.subarray(s, e), s);
  other.set(other2.subarray(s, e), s);
  idx.set(idx2.subarray(s, e), s);
}

/** Insertion sort of `[s, e)` by pattern, stable. */
function insertionSort(hi: Uint32Array, lo: Uint32Array, idx: Uint32Array, s: number, e: number): void {
  for (let i = s + 1; i < e; i++) {
    const h = hi[i] as number;
    const l = lo[i] as number;
    const x = idx[i] as number;
    let j = i - 1;
    for (; j >= s; j--) {
      const hj = hi[j] as number;
      if (hj < h || (hj === h && (lo[j] as number) <= l)) break;
      hi[j + 1] = hj;
      lo[j + 1] = lo[j] as number;
      idx[j + 1] = idx[j] as number;
    }
    hi[j + 1] = h;
    lo[j + 1] = l;
    idx[j + 1] = x;
  }
}
