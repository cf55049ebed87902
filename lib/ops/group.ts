/**
 * Reduce-side bodies of the wide operators: what a reduce task makes of the
 * pairs routed to it (already combined by key when the operator combines).
 */
import { arrayGrowth, tableGrowth } from '../util/growth.js';
import { allPlainStrings, compare } from '../values/compare.js';
import { keyOf } from '../values/key.js';
import { numericOrder, numericSort, sortedNumbers } from './radix.js';

type Pair = [unknown, unknown];

/** Loops that build a reduce partition's output check the memory budget every WATCH_MASK + 1 records. */
const WATCH_MASK = 4095;

/** Pairs as they are (reduceByKey, combineByKey, partitionBy ...). */
export function* pairsOut(records: readonly (readonly Pair[])[]): Generator<unknown[]> {
  for (const r of records) yield r as Pair[];
}

/** Keys only (distinct). */
export function* keysOut(records: readonly (readonly Pair[])[]): Generator<unknown[]> {
  for (const r of records) yield r.map((kv) => kv[0]);
}

/**
 * Groups every parent's values by key: `[key, [values of parent 0, values of parent 1, ...]]`,
 * keys in first-seen order (parents in order), values in arrival order.
 */
export function cogroupPairs(
  records: readonly (readonly Pair[])[],
  watch?: (extra?: number) => void,
): [unknown, unknown[][]][] {
  const n = records.length;
  const byKey = new Map<unknown, [unknown, unknown[][]]>();
  for (let p = 0; p < n; p++) {
    const pairs = records[p] as readonly Pair[];
    for (let i = 0; i < pairs.length; i++) {
      if ((i & WATCH_MASK) === WATCH_MASK) watch?.(tableGrowth(byKey.size));
      const kv = pairs[i] as Pair;
      const k = kv[0];
      const id = keyOf(k);
      let entry = byKey.get(id);
      if (entry === undefined) {
        entry = [k, emptyGroups(n)];
        byKey.set(id, entry);
      }
      (entry[1][p] as unknown[]).push(kv[1]);
    }
  }
  return [...byKey.values()];
}

/** `n` empty arrays (a literal for two parents, the join family's case). */
function emptyGroups(n: number): unknown[][] {
  if (n === 2) return [[], []];
  const groups: unknown[][] = [];
  for (let p = 0; p < n; p++) groups.push([]);
  return groups;
}

/**
 * PySpark's join family over two cogrouped sides; `undefined` stands for a
 * missing side. `watch` (the memory budget) is checked once per group, and
 * within a group every few thousand pairs made.
 */
export function joinGroups(
  groups: readonly [unknown, unknown[][]][],
  keepLeftOnly: boolean,
  keepRightOnly: boolean,
  watch?: (extra?: number) => void,
): [unknown, [unknown, unknown]][] {
  const out: [unknown, [unknown, unknown]][] = [];
  let next = WATCH_MASK;
  for (let g = 0; g < groups.length; g++) {
    if (out.length > next) {
      watch?.(arrayGrowth(out.length));
      next = out.length + WATCH_MASK;
    }
    const group = groups[g] as [unknown, unknown[][]];
    const k = group[0];
    const sides = group[1];
    const vs = sides[0] ?? [];
    const ws = sides[1] ?? [];
    if (vs.length > 0 && ws.length > 0) {
      for (let i = 0; i < vs.length; i++) {
        for (let j = 0; j < ws.length; j++) out.push([k, [vs[i], ws[j]]]);
        if (out.length > next) {
          watch?.(arrayGrowth(out.length));
          next = out.length + WATCH_MASK;
        }
      }
    } else if (vs.length > 0) {
      if (keepLeftOnly) for (let i = 0; i < vs.length; i++) out.push([k, [vs[i], undefined]]);
    } else if (keepRightOnly) for (let j = 0; j < ws.length; j++) out.push([k, [undefined, ws[j]]]);
  }
  return out;
}

/**
 * The permutation that sorts `keys` (stable), natural order, by comparator:
 * JavaScript's `<` when every key is a string without a surrogate (a third
 * faster than `compare` on 500 k words).
 */
function comparatorOrder(keys: readonly unknown[], ascending: boolean): number[] {
  const order = Array.from(keys, (_, i) => i);
  if (allPlainStrings(keys)) {
    const ks = keys as readonly string[];
    const up = (a: number, b: number): number => {
      const x = ks[a] as string;
      const y = ks[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    };
    order.sort(ascending ? up : (a, b) => up(b, a));
  } else order.sort(ascending ? (a, b) => compare(keys[a], keys[b]) : (a, b) => compare(keys[b], keys[a]));
  return order;
}

/** The permutation that sorts `keys` (stable), natural order: a radix sort when every key is a number. */
function sortOrder(keys: readonly unknown[], ascending: boolean): ArrayLike<number> {
  return numericOrder(keys, ascending) ?? comparatorOrder(keys, ascending);
}

/** Keys and values sorted by key (or by `keyfunc(key)`), stable, as pairs: for sortByKey. */
export function sortPairs(
  keys: readonly unknown[],
  values: readonly unknown[],
  ascending: boolean,
  keyfunc?: (k: unknown) => unknown,
): [unknown, unknown][] {
  const order = sortOrder(keyfunc === undefined ? keys : keys.map(keyfunc), ascending);
  const out: [unknown, unknown][] = new Array(keys.length);
  for (let i = 0; i < out.length; i++) {
    const j = order[i] as number;
    out[i] = [keys[j], values[j]];
  }
  return out;
}

/**
 * The values sorted by their keys, stable: for sortBy. When the values are
 * the keys (the same array): numbers are read back from the sorted patterns,
 * in order, rather than gathered through the permutation; plain strings are
 * sorted by the native sort without a comparator (half the time of an index
 * sort), reversed for descending order (equal strings are interchangeable).
 */
export function sortedValues(
  keys: readonly unknown[],
  values: readonly unknown[],
  ascending: boolean,
): unknown[] {
  if (values === keys && allPlainStrings(keys)) {
    const out = keys.slice().sort();
    return ascending ? out : out.reverse();
  }
  const numeric = numericSort(keys, ascending);
  if (numeric !== null && values === keys) {
    const numbers = sortedNumbers(numeric);
    if (numbers !== null) return numbers;
  }
  const order = numeric?.order ?? comparatorOrder(keys, ascending);
  const out: unknown[] = new Array(keys.length);
  for (let i = 0; i < out.length; i++) out[i] = values[order[i] as number];
  return out;
}
