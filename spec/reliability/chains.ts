/**
 * Model-based properties: random chains of 1–6 operators over random data and
 * random partition counts, each run through sparkling and through a
 * plain-array model of the same chain (built on spec/reference.ts), then
 * compared.
 *
 * A chain is data (a list of `Step`s naming their functions from the tables
 * below), so fast-check shrinks it and a failure prints the shrunk chain as
 * code, with what differed, e.g.
 *
 *   rdd = sc.parallelize([0,-3], 1)
 *     .map(TO_PAIRS.mod)
 *     .distinct(2)
 *     .reduceByKey(REDUCE.sum)
 *   collect(): block 0 at index 0: expected (in any order) [[0,-3]], got [[0,0]]
 *
 * The model tracks the element shape (plain values; pairs with numeric
 * values; pairs with any values; pairs whose values are groupByKey arrays,
 * whose order is unspecified and which are compared sorted) and inserts a
 * converter when a drawn operator does not fit the shape. It knows the output
 * as a sequence of *blocks*: bags whose relative order is defined, their
 * insides not. parallelize and narrow operators keep exact order (every block
 * one element), union and coalesce concatenate, a shuffle gives one bag,
 * `sortBy` one block per run of equal keys. Where the model cannot predict
 * the output (`sample`, or `zipWithIndex` after a shuffle) it checks what is
 * defined (a sub-multiset, a subsequence, indices 0..n-1 in order, the same
 * result twice) and then adopts sparkling's output, so the rest of the chain
 * also checks that recomputing an RDD gives the same sequence. It tracks the
 * partition count (checked at the end of every chain) and the partitioner,
 * which decides whether a self-join or self-union is aligned. `cache()` is
 * checked by an action at that point and by collecting the result twice.
 * Chains whose output would explode (joins of joins on one key) are skipped.
 *
 * `FC_SEED` and `FC_RUNS` override the fixed seed and run count.
 *
 * The machinery of spec/reliability/model.spec.ts (local mode) and of the
 * smaller run on the Spark test cluster in spec/spark/conformance.spec.ts.
 * Not a spec file.
 */
import fc from 'fast-check';
import { Context, type RDD } from '../../lib/index.js';
import {
  bag,
  distinctRef,
  groupRef,
  isSubsequence,
  joinRef,
  naturalRef,
  reduceRef,
  refKey,
  sortByRef,
} from '../reference.js';

export const SEED = Number(process.env.FC_SEED ?? 20260501);
export const RUNS = Number(process.env.FC_RUNS ?? 3000);
/** A chain whose output would grow past this many elements (joins of joins on one key) is skipped. */
const MAX_ELEMENTS = 2000;

// ------------------------------------------------------------ named functions
// Every function is deterministic, total over the data, and respects value
// equality (it gives equal results for -0 and 0, and for two equal arrays).

/** A number from anything: itself, or a length. */
const num = (x: unknown): number =>
  typeof x === 'number' ? x : typeof x === 'string' || Array.isArray(x) ? x.length : 0;
export const sortNat = (xs: readonly unknown[]): unknown[] => [...xs].sort(naturalRef);

const MAP = {
  dbl: (x: unknown): unknown =>
    typeof x === 'number' ? x * 2 : typeof x === 'string' ? x + x : Array.isArray(x) ? [...x, ...x] : x,
  str: (x: unknown): unknown => (typeof x === 'string' ? x : JSON.stringify(x)),
  size: (x: unknown): unknown => (typeof x === 'number' ? x % 3 : num(x)),
  wrap: (x: unknown): unknown => [x],
  neg: (x: unknown): unknown => (typeof x === 'number' ? -x : x),
};
const FLAT = {
  dup: (x: unknown): unknown[] => [x, x],
  spread: (x: unknown): unknown[] => (Array.isArray(x) ? x : typeof x === 'string' ? [...x] : [x]),
  upto: (x: unknown): unknown[] =>
    Array.from({ length: typeof x === 'number' ? Math.floor(Math.abs(x)) % 3 || 0 : 1 }, (_, i) => i),
};
const PRED = {
  odd: (x: unknown): boolean => refKey(x).length % 2 === 1,
  third: (x: unknown): boolean => refKey(x).length % 3 !== 0,
  noA: (x: unknown): boolean => !refKey(x).includes('a'),
  none: (): boolean => false,
};
/** Plain value to a pair with a numeric value. */
const TO_PAIRS = {
  mod: (x: unknown): [unknown, number] => [
    typeof x === 'number'
      ? x % 3
      : typeof x === 'string'
        ? x.slice(0, 1)
        : Array.isArray(x)
          ? x.length
          : null,
    num(x),
  ],
  arr: (x: unknown): [unknown, number] => [[typeof x === 'number' ? x % 3 : num(x), typeof x], num(x)],
  self: (x: unknown): [unknown, number] => [x, num(x)],
};
/** mapValues functions: the first three for plain values, the last three for groupByKey's arrays. */
const VALUES = {
  inc: (v: unknown): unknown => (typeof v === 'number' ? v + 1 : v),
  num,
  wrap: (v: unknown): unknown => [v],
  count: (vs: unknown): unknown => (vs as unknown[]).length,
  sorted: (vs: unknown): unknown => sortNat(vs as unknown[]),
  total: (vs: unknown): unknown => (vs as unknown[]).reduce((a: number, v) => a + num(v), 0),
};
const GROUP_FN: Record<ValuesFn, ValuesFn> = {
  inc: 'total',
  num: 'count',
  wrap: 'sorted',
  count: 'count',
  sorted: 'sorted',
  total: 'total',
};
const PLAIN_FN: Record<ValuesFn, ValuesFn> = {
  inc: 'inc',
  num: 'num',
  wrap: 'wrap',
  count: 'num',
  sorted: 'wrap',
  total: 'inc',
};
/** Commutative and associative, also over NaN, ±Infinity, -0 and halves (sums of these are exact). */
const REDUCE = {
  sum: (a: number, b: number): number => a + b,
  min: (a: number, b: number): number => Math.min(a, b),
  max: (a: number, b: number): number => Math.max(a, b),
};
const SORT_KEY = {
  id: (x: unknown): unknown => x,
  len: (x: unknown): unknown => refKey(x).length,
  first: (x: unknown): unknown => (Array.isArray(x) ? x[0] : x),
};

type MapFn = keyof typeof MAP;
type FlatFn = keyof typeof FLAT;
type PredFn = keyof typeof PRED;
type PairFn = keyof typeof TO_PAIRS;
type ValuesFn = keyof typeof VALUES;
type ReduceFn = keyof typeof REDUCE;
type SortKey = keyof typeof SORT_KEY;
const names = <T extends object>(o: T): (keyof T)[] => Object.keys(o) as (keyof T)[];

// ------------------------------------------------------------------- chains

/** plain values; pairs with numeric values; pairs with any values; pairs with groupByKey's arrays. */
type Shape = 'plain' | 'num' | 'any' | 'group';

type Data = { data: unknown[]; slices: number };
export type Source = ({ kind: 'plain' } & Data) | ({ kind: 'pairs' } & Data) | { kind: 'empty' };
/** The second RDD of a join or union: the chain's own RDD, or a new one. */
type Other = 'self' | Data;

export type Step =
  | { op: 'map'; fn: MapFn }
  | { op: 'flatMap'; fn: FlatFn }
  | { op: 'filter'; fn: PredFn; onKey: boolean }
  | { op: 'toPairs'; fn: PairFn }
  | { op: 'keyBy'; fn: MapFn }
  | { op: 'keys' }
  | { op: 'values' }
  | { op: 'mapValues'; fn: ValuesFn }
  | { op: 'reduceByKey'; fn: ReduceFn; n?: number | undefined }
  | { op: 'groupByKey'; n?: number | undefined }
  | { op: 'join'; other: Other; n?: number | undefined }
  | { op: 'distinct'; n?: number | undefined }
  | { op: 'sortBy'; key: SortKey; ascending: boolean; n?: number | undefined }
  | { op: 'union'; other: Other }
  | { op: 'coalesce'; n: number; shuffle: boolean }
  | { op: 'repartition'; n: number }
  | { op: 'zipWithIndex' }
  | { op: 'sample'; withReplacement: boolean; fraction: number; seed: number }
  | { op: 'cache' };

/** A drawn operator, before it is fitted to the shape: pair operators say how to make pairs if needed. */
export type Drawn =
  | Exclude<Step, { op: 'union' | 'mapValues' | 'reduceByKey' | 'groupByKey' | 'join' | 'keys' | 'values' }>
  | { op: 'union'; other: 'self' | { plain: unknown[]; pairs: unknown[]; slices: number } }
  | ((
      | { op: 'mapValues'; fn: ValuesFn }
      | { op: 'reduceByKey'; fn: ReduceFn; n?: number | undefined }
      | { op: 'groupByKey'; n?: number | undefined }
      | { op: 'join'; other: Other; n?: number | undefined }
      | { op: 'keys' }
      | { op: 'values' }
    ) & { via: PairFn });

/** Keys that collide often, by value: -0 and 0, NaN, equal arrays. */
const key = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.constantFrom(-0, Number.NaN, 0.5, Number.POSITIVE_INFINITY, 'a', 'b', '', 'ab', null, true),
  fc.tuple(fc.integer({ min: 0, max: 1 }), fc.constantFrom('a', 'b')),
);
const element = fc.oneof(
  key,
  fc.integer({ min: -20, max: 20 }),
  fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 3 }),
);
const value = fc.oneof(fc.integer({ min: -9, max: 9 }), fc.constantFrom(0.5, -0, Number.NaN));
const plainData = fc.array(element, { maxLength: 40, size: 'medium' });
const pairData = fc.array(fc.tuple(key, value), { maxLength: 30, size: 'medium' });
const count = fc.integer({ min: 1, max: 9 });
const maybeCount = fc.option(count, { nil: undefined });
const via = fc.constantFrom(...names(TO_PAIRS));

export const source: fc.Arbitrary<Source> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('plain' as const), data: plainData, slices: count }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('pairs' as const), data: pairData, slices: count }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'empty' as const }) },
);
const otherPairs: fc.Arbitrary<Other> = fc.oneof(
  fc.constant('self' as const),
  fc.record({ data: pairData, slices: count }),
);

export const drawn: fc.Arbitrary<Drawn> = fc.oneof(
  fc.record({ op: fc.constant('map' as const), fn: fc.constantFrom(...names(MAP)) }),
  fc.record({ op: fc.constant('flatMap' as const), fn: fc.constantFrom(...names(FLAT)) }),
  fc.record({
    op: fc.constant('filter' as const),
    fn: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('odd', 'third', 'noA') }, fc.constant('none')),
    onKey: fc.boolean(),
  }),
  fc.record({ op: fc.constant('toPairs' as const), fn: via }),
  fc.record({ op: fc.constant('keyBy' as const), fn: fc.constantFrom(...names(MAP)) }),
  fc.record({ op: fc.constantFrom('keys' as const, 'values' as const), via }),
  fc.record({ op: fc.constant('mapValues' as const), fn: fc.constantFrom(...names(VALUES)), via }),
  fc.record({
    op: fc.constant('reduceByKey' as const),
    fn: fc.constantFrom(...names(REDUCE)),
    n: maybeCount,
    via,
  }),
  fc.record({ op: fc.constant('groupByKey' as const), n: maybeCount, via }),
  fc.record({ op: fc.constant('join' as const), other: otherPairs, n: maybeCount, via }),
  fc.record({ op: fc.constant('distinct' as const), n: maybeCount }),
  fc.record({
    op: fc.constant('sortBy' as const),
    key: fc.constantFrom(...names(SORT_KEY)),
    ascending: fc.boolean(),
    n: maybeCount,
  }),
  fc.record({
    op: fc.constant('union' as const),
    other: fc.oneof(
      fc.constant('self' as const),
      fc.record({ plain: plainData, pairs: pairData, slices: count }),
    ),
  }),
  fc.record({ op: fc.constant('coalesce' as const), n: count, shuffle: fc.boolean() }),
  fc.record({ op: fc.constant('repartition' as const), n: count }),
  fc.record({ op: fc.constant('zipWithIndex' as const) }),
  fc.record({
    op: fc.constant('sample' as const),
    withReplacement: fc.boolean(),
    fraction: fc.oneof({ weight: 8, arbitrary: fc.constantFrom(0.3, 0.7, 1, 1.5) }, fc.constant(0)),
    seed: fc.integer({ min: 0, max: 1000 }),
  }),
  fc.record({ op: fc.constant('cache' as const) }),
);

/** The operators allowed on groupByKey's output: none of them looks at the order inside a group. */
const GROUP_SAFE = new Set<Step['op']>([
  'filter',
  'coalesce',
  'repartition',
  'cache',
  'sample',
  'sortBy',
  'keys',
]);

/** The shape after `step`. */
function shapeAfter(shape: Shape, step: Step): Shape {
  switch (step.op) {
    case 'map':
    case 'flatMap':
    case 'keys':
    case 'values':
      return 'plain';
    case 'toPairs':
    case 'reduceByKey':
    case 'zipWithIndex':
      return 'num';
    case 'keyBy':
    case 'join':
      return 'any';
    case 'groupByKey':
      return 'group';
    case 'mapValues':
      return step.fn === 'inc' ? shape : step.fn === 'wrap' || step.fn === 'sorted' ? 'any' : 'num';
    case 'union':
      return step.other === 'self' || shape === 'plain' || shape === 'any' ? shape : 'any';
    default:
      return shape;
  }
}

/** Fits the drawn operators to the shapes they meet: converters first where needed, parameters adjusted. */
export function fitChain(src: Source, ops: readonly Drawn[]): Step[] {
  const steps: Step[] = [];
  const st: { shape: Shape } = { shape: src.kind === 'pairs' ? 'num' : 'plain' };
  const push = (s: Step): void => {
    steps.push(s);
    st.shape = shapeAfter(st.shape, s);
  };
  for (const d of ops) {
    const needsPairs = 'via' in d;
    const groupOk = GROUP_SAFE.has(d.op) || d.op === 'mapValues' || (d.op === 'union' && d.other === 'self');
    if (st.shape === 'group' && !groupOk) push({ op: 'mapValues', fn: 'count' });
    if (needsPairs && st.shape === 'plain') push({ op: 'toPairs', fn: d.via });
    if (d.op === 'reduceByKey' && st.shape === 'any') push({ op: 'mapValues', fn: 'num' });
    switch (d.op) {
      case 'mapValues':
        push({ op: 'mapValues', fn: (st.shape === 'group' ? GROUP_FN : PLAIN_FN)[d.fn] });
        break;
      case 'reduceByKey':
        push({ op: 'reduceByKey', fn: d.fn, n: d.n });
        break;
      case 'groupByKey':
        push({ op: 'groupByKey', n: d.n });
        break;
      case 'join':
        push({ op: 'join', other: d.other, n: d.n });
        break;
      case 'keys':
      case 'values':
        push({ op: d.op });
        break;
      case 'filter':
        push({ op: 'filter', fn: d.fn, onKey: st.shape === 'group' || (st.shape !== 'plain' && d.onKey) });
        break;
      case 'sortBy':
        push({ ...d, key: st.shape === 'group' ? 'first' : d.key });
        break;
      case 'union':
        push({
          op: 'union',
          other:
            d.other === 'self'
              ? 'self'
              : { data: st.shape === 'plain' ? d.other.plain : d.other.pairs, slices: d.other.slices },
        });
        break;
      case 'sample':
        push({ ...d, fraction: d.withReplacement ? d.fraction : Math.min(d.fraction, 1) });
        break;
      default:
        push(d);
    }
  }
  return steps;
}

// ----------------------------------------------------------------- printing

const show = (x: unknown): string => fc.stringify(x);
const opt = (n: number | undefined): string => (n === undefined ? '' : `, ${n}`);
const other = (o: Other): string => (o === 'self' ? 'rdd' : `sc.parallelize(${show(o.data)}, ${o.slices})`);

function call(s: Step): string {
  switch (s.op) {
    case 'map':
    case 'keyBy':
      return `${s.op}(MAP.${s.fn})`;
    case 'flatMap':
      return `flatMap(FLAT.${s.fn})`;
    case 'filter':
      return s.onKey ? `filter(([k]) => PRED.${s.fn}(k))` : `filter(PRED.${s.fn})`;
    case 'toPairs':
      return `map(TO_PAIRS.${s.fn})`;
    case 'keys':
    case 'values':
    case 'zipWithIndex':
    case 'cache':
      return `${s.op}()`;
    case 'mapValues':
      return `mapValues(VALUES.${s.fn})`;
    case 'reduceByKey':
      return `reduceByKey(REDUCE.${s.fn}${opt(s.n)})`;
    case 'groupByKey':
    case 'distinct':
      return `${s.op}(${s.n ?? ''})`;
    case 'join':
      return `join(${other(s.other)}${opt(s.n)})`;
    case 'sortBy':
      return `sortBy(SORT_KEY.${s.key}, ${s.ascending}${opt(s.n)})`;
    case 'union':
      return `union(${other(s.other)})`;
    case 'coalesce':
      return `coalesce(${s.n}, ${s.shuffle})`;
    case 'repartition':
      return `repartition(${s.n})`;
    case 'sample':
      return `sample(${s.withReplacement}, ${s.fraction}, ${s.seed})`;
  }
}

function describe(src: Source, steps: readonly Step[]): string {
  const head = src.kind === 'empty' ? 'sc.emptyRDD()' : `sc.parallelize(${show(src.data)}, ${src.slices})`;
  return `rdd = ${head}${steps.map((s) => `\n  .${call(s)}`).join('')}`;
}

// -------------------------------------------------------------------- model

/** What the model knows of an RDD: its output as bags in a defined order, its partition count and partitioner. */
interface Model {
  shape: Shape;
  blocks: unknown[][];
  partitions: number;
  /** `hash<n>` for a hash partitioner (two of them with the same n are alike), or null. */
  partitioner: string | null;
}

const all = (m: Model): unknown[] => m.blocks.flat();
const exact = (m: Model): boolean => m.blocks.every((b) => b.length === 1);
const singles = (xs: readonly unknown[]): unknown[][] => xs.map((x) => [x]);
const oneBag = (xs: unknown[]): unknown[][] => (xs.length === 0 ? [] : [xs]);
const nonEmpty = (bs: unknown[][]): unknown[][] => bs.filter((b) => b.length > 0);

function flatBlocks(blocks: readonly unknown[][], f: (x: unknown) => unknown[]): unknown[][] {
  const out: unknown[][] = [];
  for (const b of blocks) {
    if (b.length === 1) for (const y of f(b[0])) out.push([y]);
    else out.push(b.flatMap(f));
  }
  return nonEmpty(out);
}

/** groupByKey's arrays sorted, so that outputs compare whatever order a group came in. */
function normalize(shape: Shape, xs: readonly unknown[]): unknown[] {
  return shape === 'group'
    ? xs.map((x) => [(x as unknown[])[0], sortNat((x as unknown[][])[1] as unknown[])])
    : [...xs];
}

/** Why `out` does not match the model's blocks, or undefined when it does. */
function mismatch(out: readonly unknown[], blocks: readonly unknown[][]): string | undefined {
  let at = 0;
  for (const [i, b] of blocks.entries()) {
    const seg = out.slice(at, at + b.length);
    if (refKey(bag(seg)) !== refKey(bag(b)))
      return `block ${i} at index ${at}: expected (in any order) ${show(b)}, got ${show(seg)}`;
    at += b.length;
  }
  return at === out.length ? undefined : `expected ${at} elements, got ${out.length}`;
}

function counts(xs: readonly unknown[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(refKey(x), (m.get(refKey(x)) ?? 0) + 1);
  return m;
}

class Mismatch extends Error {}
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Mismatch(what());
}

type Pairs = RDD<[unknown, unknown]>;
const pairs = (rdd: RDD<unknown>): Pairs => rdd as Pairs;
const loose = <T>(rdd: RDD<T>): RDD<unknown> => rdd as RDD<unknown>;

/** Collects `rdd` and checks it against `m`, with the step's name for the message. */
async function collectChecked(rdd: RDD<unknown>, m: Model, where: string): Promise<unknown[]> {
  const out = normalize(m.shape, await rdd.collect());
  const why = mismatch(out, m.blocks);
  check(why === undefined, () => `${where}: ${why}`);
  return out;
}

/** Runs one step on sparkling's RDD and on the model. */
async function step(sc: Context, rdd: RDD<unknown>, m: Model, s: Step): Promise<[RDD<unknown>, Model]> {
  const shape = shapeAfter(m.shape, s);
  const keep = { ...m, shape };
  const xs = all(m);
  switch (s.op) {
    case 'map': {
      const f = MAP[s.fn];
      return [rdd.map(f), { ...keep, blocks: m.blocks.map((b) => b.map(f)), partitioner: null }];
    }
    case 'toPairs': {
      const f = TO_PAIRS[s.fn];
      return [loose(rdd.map(f)), { ...keep, blocks: m.blocks.map((b) => b.map(f)), partitioner: null }];
    }
    case 'keyBy': {
      const f = MAP[s.fn];
      const kv = (x: unknown): unknown => [f(x), x];
      return [loose(rdd.keyBy(f)), { ...keep, blocks: m.blocks.map((b) => b.map(kv)), partitioner: null }];
    }
    case 'keys':
    case 'values': {
      const i = s.op === 'keys' ? 0 : 1;
      const f = (kv: unknown): unknown => (kv as unknown[])[i];
      const next = s.op === 'keys' ? pairs(rdd).keys() : pairs(rdd).values();
      return [next, { ...keep, blocks: m.blocks.map((b) => b.map(f)), partitioner: null }];
    }
    case 'flatMap': {
      const f = FLAT[s.fn];
      return [rdd.flatMap(f), { ...keep, blocks: flatBlocks(m.blocks, f), partitioner: null }];
    }
    case 'filter': {
      const p = PRED[s.fn];
      const f = s.onKey ? (x: unknown): boolean => p((x as unknown[])[0]) : p;
      return [rdd.filter(f), { ...keep, blocks: nonEmpty(m.blocks.map((b) => b.filter(f))) }];
    }
    case 'mapValues': {
      const f = VALUES[s.fn];
      const g = (kv: unknown): unknown => [(kv as unknown[])[0], f((kv as unknown[])[1])];
      return [loose(pairs(rdd).mapValues(f)), { ...keep, blocks: m.blocks.map((b) => b.map(g)) }];
    }
    case 'reduceByKey': {
      const f = REDUCE[s.fn];
      const n = s.n ?? m.partitions;
      const next = loose((rdd as RDD<[unknown, number]>).reduceByKey(f, s.n));
      const want = reduceRef(xs as [unknown, number][], f);
      return [next, { ...keep, blocks: oneBag(want), partitions: n, partitioner: `hash${n}` }];
    }
    case 'groupByKey': {
      const n = s.n ?? m.partitions;
      const want = groupRef(xs as [unknown, unknown][]).map(([k, vs]) => [k, sortNat(vs)]);
      return [
        loose(pairs(rdd).groupByKey(s.n)),
        { ...keep, blocks: oneBag(want), partitions: n, partitioner: `hash${n}` },
      ];
    }
    case 'join': {
      const rightXs = (s.other === 'self' ? xs : s.other.data) as [unknown, unknown][];
      const rightCounts = counts(rightXs.map(([k]) => k));
      const size = (xs as [unknown, unknown][]).reduce((a, [k]) => a + (rightCounts.get(refKey(k)) ?? 0), 0);
      fc.pre(size <= MAX_ELEMENTS);
      const right =
        s.other === 'self'
          ? pairs(rdd)
          : sc.parallelize(s.other.data as [unknown, unknown][], s.other.slices);
      const rightModel = s.other === 'self' ? m : { partitions: s.other.slices, partitioner: null };
      const aligned = m.partitioner !== null && m.partitioner === rightModel.partitioner;
      const n = s.n ?? (aligned ? m.partitions : m.partitions + rightModel.partitions);
      const want = joinRef(xs as [unknown, unknown][], rightXs, 'inner');
      return [
        loose(pairs(rdd).join(right, s.n)),
        { ...keep, blocks: oneBag(want), partitions: n, partitioner: `hash${n}` },
      ];
    }
    case 'distinct': {
      const n = s.n ?? m.partitions;
      // Laid out by whole elements, not by their first item: no partitioner, as in Spark.
      return [
        rdd.distinct(s.n),
        { ...keep, blocks: oneBag(distinctRef(xs)), partitions: n, partitioner: null },
      ];
    }
    case 'sortBy': {
      const k = SORT_KEY[s.key];
      return [
        rdd.sortBy(k, s.ascending, s.n),
        {
          ...keep,
          blocks: sortByRef(xs, k, s.ascending),
          partitions: s.n ?? m.partitions,
          partitioner: null,
        },
      ];
    }
    case 'union': {
      if (s.other === 'self') {
        // Alike partitioners: partition i is partition i of each side, so the order interleaves.
        const aligned = m.partitioner !== null;
        const model: Model = aligned
          ? { ...keep, blocks: oneBag([...xs, ...xs]) }
          : { ...keep, blocks: [...m.blocks, ...m.blocks], partitions: 2 * m.partitions, partitioner: null };
        return [rdd.union(rdd), model];
      }
      return [
        rdd.union(sc.parallelize(s.other.data, s.other.slices)),
        {
          ...keep,
          blocks: [...m.blocks, ...singles(s.other.data)],
          partitions: m.partitions + s.other.slices,
          partitioner: null,
        },
      ];
    }
    case 'coalesce': {
      const next = rdd.coalesce(s.n, s.shuffle);
      if (s.shuffle) return [next, { ...keep, blocks: oneBag(xs), partitions: s.n, partitioner: null }];
      return [next, { ...keep, partitions: Math.min(s.n, m.partitions), partitioner: null }];
    }
    case 'repartition':
      return [rdd.repartition(s.n), { ...keep, blocks: oneBag(xs), partitions: s.n, partitioner: null }];
    case 'zipWithIndex': {
      const next = loose(rdd.zipWithIndex());
      const model: Model = { ...keep, partitioner: null };
      if (exact(m)) return [next, { ...model, blocks: singles(xs.map((x, i) => [x, i])) }];
      // Which element gets which index depends on the order a shuffle left: check what is defined, adopt the rest.
      const out = (await next.collect()) as [unknown, number][];
      check(
        out.every(([, i], j) => i === j),
        () => `zipWithIndex: indices are not 0..n-1 in order: ${show(out)}`,
      );
      const why = mismatch(
        out.map(([x]) => x),
        m.blocks,
      );
      check(why === undefined, () => `zipWithIndex: the elements: ${why}`);
      return [next, { ...model, blocks: singles(out) }];
    }
    case 'sample': {
      const next = rdd.sample(s.withReplacement, s.fraction, s.seed);
      const out = normalize(m.shape, await next.collect());
      const again = normalize(m.shape, await next.collect());
      check(
        refKey(again) === refKey(out),
        () => `sample: a second run gave ${show(again)}, the first ${show(out)}`,
      );
      const have = counts(xs);
      const ok = [...counts(out)].every(([k, c]) => (have.get(k) ?? 0) >= (s.withReplacement ? 1 : c));
      check(ok, () => `sample: ${show(out)} is not drawn from ${show(xs)}`);
      check(
        !exact(m) || isSubsequence(out, xs, s.withReplacement),
        () => `sample: ${show(out)} is not in the order of ${show(xs)}`,
      );
      return [next, { ...keep, blocks: singles(out) }];
    }
    case 'cache': {
      const next = rdd.cache();
      await collectChecked(next, m, 'cache(), first action');
      return [next, keep];
    }
  }
}

async function runChain(src: Source, steps: readonly Step[], shared?: Context): Promise<void> {
  const sc = shared ?? new Context({ defaultParallelism: 2 });
  try {
    let rdd: RDD<unknown> =
      src.kind === 'empty' ? sc.emptyRDD<unknown>() : sc.parallelize<unknown>(src.data, src.slices);
    let m: Model = {
      shape: src.kind === 'pairs' ? 'num' : 'plain',
      blocks: src.kind === 'empty' ? [] : singles(src.data),
      partitions: src.kind === 'empty' ? 0 : src.slices,
      partitioner: null,
    };
    for (const s of steps) {
      [rdd, m] = await step(sc, rdd, m, s);
      fc.pre(all(m).length <= MAX_ELEMENTS);
    }
    const out = await collectChecked(rdd, m, 'collect()');
    if (steps.some((s) => s.op === 'cache')) {
      const again = normalize(m.shape, await rdd.collect());
      check(
        refKey(again) === refKey(out),
        () => `a second collect() gave ${show(again)}, the first ${show(out)}`,
      );
    }
    const n = await rdd.getNumPartitions();
    check(n === m.partitions, () => `getNumPartitions(): expected ${m.partitions}, got ${n}`);
  } finally {
    if (shared === undefined) sc.stop();
  }
}

/**
 * Runs the chain (on `sc` when given, else on a Context of its own, stopped
 * after), and on failure rethrows with the chain printed as code.
 */
export async function run(src: Source, steps: readonly Step[], sc?: Context): Promise<void> {
  try {
    await runChain(src, steps, sc);
  } catch (e) {
    if (fc.PreconditionFailure.isFailure(e)) throw e;
    const why =
      e instanceof Mismatch ? e.message : e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    throw new Error(`${describe(src, steps)}\n${why}`, { cause: e });
  }
}
