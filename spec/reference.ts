/**
 * Plain-array references for the wide operators, and the helpers to compare
 * an RDD's output with them. Independent of `lib/values` on purpose: the
 * references get value equality from `refKey`, a canonical string written
 * here for the kinds of keys the specs use (numbers with NaN and -0,
 * strings, booleans, null, undefined, bigints, Dates, arrays, plain objects).
 */

/** A canonical string: equal exactly when the values are equal by API.md's value equality. */
export function refKey(x: unknown): string {
  if (x === undefined) return 'u';
  if (x === null) return 'z';
  switch (typeof x) {
    case 'number':
      return Number.isNaN(x) ? 'nNaN' : `n${x === 0 ? 0 : x}`;
    case 'bigint':
      return `b${x}`;
    case 'string':
      return `s${JSON.stringify(x)}`;
    case 'boolean':
      return x ? 't' : 'f';
    default:
      break;
  }
  if (x instanceof Date) return `d${Number.isNaN(x.getTime()) ? 'NaN' : x.getTime()}`;
  if (Array.isArray(x)) return `[${x.map(refKey).join(',')}]`;
  if (typeof x === 'object') {
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${refKey(o[k])}`).join(',')}}`;
  }
  throw new Error(`refKey: unsupported value ${String(x)}`);
}

/** The same value with every -0 replaced by 0 (deeply), for comparing outputs where either may survive. */
export function unzero<T>(x: T): T {
  if (typeof x === 'number') return (x === 0 ? 0 : x) as T;
  if (Array.isArray(x)) return x.map(unzero) as T;
  if (x instanceof Date || x === null || typeof x !== 'object') return x;
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [unzero(k), unzero(v)])) as T;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) out[k] = unzero(v);
  return out as T;
}

/** A multiset in a deterministic order (by `refKey`), -0 read as 0: compare two of these with deepEqual. */
export function bag<T>(xs: Iterable<T>): T[] {
  return [...xs]
    .map((x) => [refKey(x), unzero(x)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, x]) => x);
}

/** Groups `pairs` by key: keys in first-seen order (the first of equal keys kept), values in input order. */
export function groupRef<K, V>(pairs: readonly (readonly [K, V])[]): [K, V[]][] {
  const groups = new Map<string, [K, V[]]>();
  for (const [k, v] of pairs) {
    const id = refKey(k);
    const g = groups.get(id);
    if (g === undefined) groups.set(id, [k, [v]]);
    else g[1].push(v);
  }
  return [...groups.values()];
}

/** reduceByKey's reference: group, then fold each key's values left to right. */
export function reduceRef<K, V>(pairs: readonly (readonly [K, V])[], f: (a: V, b: V) => V): [K, V][] {
  return groupRef(pairs).map(([k, vs]) => [k, vs.slice(1).reduce(f, vs[0] as V)]);
}

/** cogroup's reference over any number of pair arrays. */
export function cogroupRef<K>(...sides: readonly (readonly (readonly [K, unknown])[])[]): [K, unknown[][]][] {
  const groups = new Map<string, [K, unknown[][]]>();
  sides.forEach((pairs, s) => {
    for (const [k, v] of pairs) {
      const id = refKey(k);
      let g = groups.get(id);
      if (g === undefined) groups.set(id, (g = [k, sides.map(() => [])]));
      (g[1][s] as unknown[]).push(v);
    }
  });
  return [...groups.values()];
}

export type JoinKind = 'inner' | 'left' | 'right' | 'full';

/** The join family by nested loops: every pair of values with equal keys; `undefined` for a missing side. */
export function joinRef<K, V, W>(
  a: readonly (readonly [K, V])[],
  b: readonly (readonly [K, W])[],
  kind: JoinKind,
): [K, [V | undefined, W | undefined]][] {
  const out: [K, [V | undefined, W | undefined]][] = [];
  const aKeys = a.map(([k]) => refKey(k));
  const bKeys = b.map(([k]) => refKey(k));
  a.forEach(([k, v], i) => {
    let matched = false;
    b.forEach(([, w], j) => {
      if (aKeys[i] === bKeys[j]) {
        matched = true;
        out.push([k, [v, w]]);
      }
    });
    if (!matched && (kind === 'left' || kind === 'full')) out.push([k, [v, undefined]]);
  });
  if (kind === 'right' || kind === 'full')
    b.forEach(([k, w], j) => {
      if (!aKeys.includes(bKeys[j] as string)) out.push([k, [undefined, w]]);
    });
  return out;
}

/** The distinct values, first of equal ones kept. */
export function distinctRef<T>(xs: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const x of xs) if (!seen.has(refKey(x))) seen.set(refKey(x), x);
  return [...seen.values()];
}

/** The elements of `a` whose value is not in `b`, duplicates kept. */
export function subtractRef<T>(a: readonly T[], b: readonly unknown[]): T[] {
  const drop = new Set(b.map(refKey));
  return a.filter((x) => !drop.has(refKey(x)));
}

/** The distinct elements of `a` whose value is also in `b`. */
export function intersectionRef<T>(a: readonly T[], b: readonly unknown[]): T[] {
  const keep = new Set(b.map(refKey));
  return distinctRef(a.filter((x) => keep.has(refKey(x))));
}

/** A reference order for `sortBy` checks on numbers and strings: numbers first, numerically, NaN last among them. */
export function numberOrder(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  // Not a - b: Infinity - Infinity is NaN.
  return a < b ? -1 : a > b ? 1 : 0;
}

const rank = (x: unknown): number => {
  if (x === undefined) return 0;
  if (x === null) return 1;
  if (typeof x === 'boolean') return 2;
  if (typeof x === 'number' || typeof x === 'bigint') return 3;
  if (typeof x === 'string') return 4;
  if (x instanceof Date) return 5;
  if (Array.isArray(x)) return 6;
  throw new Error(`naturalRef: unsupported value ${String(x)}`);
};

/**
 * API.md's natural order for the kinds the sort specs use (no plain objects):
 * a fixed rank across types; numbers numerically with NaN last; strings by
 * code point; Dates by time; arrays element by element, a prefix first.
 */
export function naturalRef(a: unknown, b: unknown): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number' && typeof b === 'number') return Math.sign(numberOrder(a, b));
  if (typeof a === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    const x = Array.from(a, (c) => c.codePointAt(0) as number);
    const y = Array.from(b, (c) => c.codePointAt(0) as number);
    return naturalRef(x, y);
  }
  if (a instanceof Date && b instanceof Date) return naturalRef(a.getTime(), b.getTime());
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const c = naturalRef(a[i], b[i]);
      if (c !== 0) return c;
    }
    return Math.sign(a.length - b.length);
  }
  return 0;
}

/**
 * sortBy's reference: the runs of elements with equal keys (by `naturalRef`),
 * the runs in key order; the order inside a run is unspecified.
 */
export function sortByRef<T>(xs: readonly T[], key: (x: T) => unknown, ascending = true): T[][] {
  const keyed = xs.map((x) => [key(x), x] as const).sort((a, b) => naturalRef(a[0], b[0]));
  const runs: T[][] = [];
  keyed.forEach(([k, x], i) => {
    const prev = keyed[i - 1];
    if (prev !== undefined && naturalRef(prev[0], k) === 0) (runs[runs.length - 1] as T[]).push(x);
    else runs.push([x]);
  });
  return ascending ? runs : runs.reverse();
}

/**
 * Whether `out` is `input` with each element kept at most once (or, with
 * `repeats`, any number of times in a row), in order: what a sample of an
 * ordered RDD without (with) replacement may be. Equality by `refKey`.
 */
export function isSubsequence(out: readonly unknown[], input: readonly unknown[], repeats = false): boolean {
  let j = 0;
  for (const x of input) {
    const k = refKey(x);
    if (repeats) while (j < out.length && refKey(out[j]) === k) j++;
    else if (j < out.length && refKey(out[j]) === k) j++;
  }
  return j === out.length;
}

/** Sorts the values inside each run of equal keys (by `refKey`), so that a sort's unspecified tie order compares equal. */
export function tiesInBag<K, V>(pairs: readonly (readonly [K, V])[]): [K, V][] {
  const out: [K, V][] = [];
  let i = 0;
  while (i < pairs.length) {
    const id = refKey((pairs[i] as readonly [K, V])[0]);
    let j = i;
    while (j < pairs.length && refKey((pairs[j] as readonly [K, V])[0]) === id) j++;
    out.push(...(bag(pairs.slice(i, j).map((p) => [p[0], p[1]] as [K, V])) as [K, V][]));
    i = j;
  }
  return out.map((p) => unzero(p));
}

/** PySpark's parallelize slicing: partition i of n holds indexes floor(i·len/n) up to floor((i+1)·len/n). */
export function slices<T>(xs: readonly T[], n: number): T[][] {
  return Array.from({ length: n }, (_, i) =>
    xs.slice(Math.floor((i * xs.length) / n), Math.floor(((i + 1) * xs.length) / n)),
  );
}

/** Python's `portable_hash(k) % n` for a safe integer key (hash(-1) is -2 in CPython). */
export function pyIntPartition(k: number, n: number): number {
  const h = k === -1 ? -2 : k;
  return ((h % n) + n) % n;
}
