/**
 * Fusion of element-wise operators into one generated loop.
 *
 * A run of `map`/`filter`/`flatMap` kernels is compiled into a single
 * function with one loop over the batch and one call site per user function,
 * so V8 sees each call site monomorphic and can inline it:
 *
 *   for (let i = 0; i < batch.length; i++) {
 *     const v0 = batch[i]; at = 0; const v1 = f0(v0);
 *     at = 1; if (f1(v1)) { emit(v1); }
 *   }
 *
 * Measured on this machine: map → filter → sum over 10 M numbers costs about
 * 2x a hand-written loop this way, against 5-10x for a chain of per-operator
 * batch functions (each materialising an array) or closures per element.
 * The loop ends either in `out.push(v)` (a batch to hand on) or in a sink
 * an action passes in (sum, count, collect ...), so the last batch is never
 * materialised. Each chain gets code of its own, compiled once and kept with
 * the chain: sharing generated code between chains of the same shape made
 * its call sites polymorphic and the second chain 2-3x slower (measured),
 * and so did identical source text, which V8's compilation cache shares, so
 * each chain's source carries its own number.
 */
import type { Kernel } from '../ops/types.js';
import { copyValue } from '../values/copy.js';
import { BadResult, isThenable } from './failures.js';

/** Which operator of the chain threw (an index past the last kernel: the emit/sink), and what it threw. */
export class KernelFailure extends Error {
  constructor(
    readonly index: number,
    readonly error: unknown,
  ) {
    super(`kernel ${index} failed`, { cause: error });
  }
}

/** A compiled chain: runs `batch[from..to)` (the whole batch by default) through every kernel and emits each result. */
export type KernelStep = (
  batch: readonly unknown[],
  emit: (x: unknown) => void,
  from?: number,
  to?: number,
) => void;
/** The same chain appending its results to `out`. */
export type KernelBatchStep = (batch: readonly unknown[], out: unknown[]) => void;

/**
 * Chains with at most this many flatMaps read an array result by index, and
 * any other iterable with `for...of`: each flatMap doubles the code after it,
 * so longer chains use `for...of` alone.
 */
const INDEXED_FLATMAPS = 2;

/** Kernels whose function's result is checked for a Promise on the first element of each batch. */
const CHECKED = new Set<Kernel['kind']>(['map', 'filter', 'mapValues', 'keyBy']);

/**
 * The first result of kernel `i` in this call (batch or range): checked for
 * a Promise (`c${i}`: not checked yet; `pending`: kernels not checked yet).
 * Only the loop's checking copy has it: once every checked kernel has seen a
 * result, the rest of the batch runs a copy without checks (a flag tested
 * per element cost 15-20% of a map → filter → sum, measured).
 */
const check = (i: number, r: string) =>
  `if (c${i}) { c${i} = false; pending--; if (isThenable(${r})) throw new BadResult('promise', ${r}); }`;
const pair = (v: string) =>
  `if (!Array.isArray(${v}) || ${v}.length !== 2) throw new BadResult('pair', ${v});`;

function body(kernels: readonly Kernel[], emit: (v: string) => string, checking: boolean): string {
  const checked = (i: number, r: string) => (checking ? check(i, r) : '');
  const flatMaps = kernels.filter((k) => k.kind === 'flatMap' || k.kind === 'flatMapValues').length;
  const indexed = flatMaps <= INDEXED_FLATMAPS;
  let inner = (v: string) => emit(v);
  for (let i = kernels.length - 1; i >= 0; i--) {
    const next = inner;
    const k = kernels[i] as Kernel;
    const out = `v${i + 1}`;
    const r = `r${i}`;
    switch (k.kind) {
      case 'map':
        inner = (v) => `at = ${i}; const ${out} = f${i}(${v}); ${checked(i, out)}\n${next(out)}`;
        break;
      case 'keyBy':
        inner = (v) =>
          `at = ${i}; const ${r} = f${i}(${v}); ${checked(i, r)}\nconst ${out} = [${r}, ${v}];\n${next(out)}`;
        break;
      case 'mapValues':
        inner = (v) =>
          `at = ${i}; ${pair(v)} const ${r} = f${i}(${v}[1]); ${checked(i, r)}\nconst ${out} = [${v}[0], ${r}];\n${next(out)}`;
        break;
      case 'keys':
      case 'values':
        inner = (v) =>
          `at = ${i}; ${pair(v)} const ${out} = ${v}[${k.kind === 'keys' ? 0 : 1}];\n${next(out)}`;
        break;
      case 'filter':
        inner = (v) => `at = ${i}; const ${r} = f${i}(${v}); ${checked(i, r)}\nif (${r}) {\n${next(v)}\n}`;
        break;
      case 'flatMap':
      case 'flatMapValues': {
        const ofValue = k.kind === 'flatMapValues';
        const call = ofValue ? `${pair('V')} const ${r} = f${i}(V[1]);` : `const ${r} = f${i}(V);`;
        const item = `e${i}`;
        const each = (v: string) =>
          `const ${out} = ${ofValue ? `[${v}[0], ${item}]` : item};\n${next(out)}\nat = ${i};`;
        const iterable = `if (${r} == null || typeof ${r}[Symbol.iterator] !== 'function') throw new BadResult('iterable', ${r});`;
        inner = indexed
          ? (v) => {
              // A plain array by index (what for...of would read, without an iterator object per element).
              const j = `j${i}`;
              return `at = ${i}; ${call.replaceAll('V', v)}
if (Array.isArray(${r}) && ${r}[Symbol.iterator] === arrayValues) {
  for (let ${j} = 0; ${j} < ${r}.length; ${j}++) {
    const ${item} = ${r}[${j}];\n${each(v)}
  }
} else {
  ${iterable}
  for (const ${item} of ${r}) {\n${each(v)}\n}
}`;
            }
          : (v) =>
              `at = ${i}; ${call.replaceAll('V', v)}\n${iterable}\nfor (const ${item} of ${r}) {\n${each(v)}\n}`;
        break;
      }
    }
  }
  return inner('v0');
}

/** Numbers each compiled chain: V8 caches code by source text, so identical text would share one function's feedback. */
let chains = 0;

/** Stands in for the function of a kernel without one (keys, values): never called. */
const none = (): never => {
  throw new Error('no function');
};

function compile(
  kernels: readonly Kernel[],
  emit: (v: string) => string,
  arg: string,
  prologue = '',
  own = false,
): unknown {
  return generate(kernels, emit, arg, prologue, own)(
    KernelFailure,
    BadResult,
    isThenable,
    copyValue,
    Array.prototype[Symbol.iterator],
    ...kernels.map((k) => ('fn' in k ? k.fn : none)),
  );
}

function generate(
  kernels: readonly Kernel[],
  emit: (v: string) => string,
  arg: string,
  prologue: string,
  own: boolean,
): (...args: unknown[]) => unknown {
  const params = kernels.map((_, i) => `f${i}`);
  // Reading data that outlives the task in place (parallelize's array): an object is the task's own copy.
  const read = own
    ? `const e0 = batch[i]; const v0 = typeof e0 === 'object' && e0 !== null ? copyValue(e0) : e0;`
    : 'const v0 = batch[i];';
  // One flag per checked kernel: its first result in this call (batch or range) is not checked yet.
  const flags = kernels.flatMap((k, i) => (CHECKED.has(k.kind) ? [`c${i} = true`] : []));
  const checking =
    flags.length === 0
      ? ''
      : `let ${flags.join(', ')}, pending = ${flags.length};
    for (; pending > 0 && i < to; i++) {
      ${read}
      ${body(kernels, emit, true)}
    }`;
  const source = `// fused chain ${++chains}
return function fusedStep(batch, ${arg}, from = 0, to = batch.length) {
  ${prologue}
  let at = -1;
  let i = from;
  try {
    ${checking}
    for (; i < to; i++) {
      ${read}
      ${body(kernels, emit, false)}
    }
  } catch (e) {
    throw new KernelFailure(at, e);
  }
};`;
  return new Function(
    'KernelFailure',
    'BadResult',
    'isThenable',
    'copyValue',
    'arrayValues',
    ...params,
    source,
  ) as (...args: unknown[]) => unknown;
}

/**
 * Compiles a kernel chain whose results go to an `emit` callback. With
 * `own`, the chain reads shared data in place and copies each object it
 * reads (see lib/values/copy.ts).
 */
export function compileSink(kernels: readonly Kernel[], own = false): KernelStep {
  return compile(kernels, (v) => `at = ${kernels.length}; emit(${v});`, 'emit', '', own) as KernelStep;
}

/**
 * What a combining shuffle's map side folds a partition into: one
 * accumulator per distinct key, by `keyOf`. The accumulator sits in the map
 * itself, not in a `[key, accumulator]` pair the map points to: a fold is
 * then one lookup and one store in the map's own table, as a hand-written
 * `counts.set(w, counts.get(w) + 1)` is, with no pair to reach through (two
 * more dependent memory reads per element, measured 10-15% of a word count).
 */
export interface CombineTarget {
  /** `keyOf(key)` to accumulator. */
  readonly accs: Map<unknown, unknown>;
  /** The first key seen for each `keyOf(key)` that is not the key itself (objects, arrays ...). */
  readonly keys: Map<unknown, unknown>;
  /** Turns an element into a pair; when absent, elements must be `[key, value]` pairs already. */
  readonly prepare: ((x: unknown) => [unknown, unknown]) | undefined;
  /** Throws the operator's error for an element that is not a pair. */
  readonly notPair: (x: unknown) => never;
  readonly keyOf: (k: unknown) => unknown;
  readonly create: (v: unknown) => unknown;
  /** Undefined when an accumulator never changes once created (distinct): one `has` per element. */
  readonly merge: ((acc: unknown, v: unknown) => unknown) | undefined;
}

/** A compiled chain that folds its results into a `CombineTarget`. */
export type KernelCombineStep = (
  batch: readonly unknown[],
  target: CombineTarget,
  from?: number,
  to?: number,
) => void;

/**
 * The fold of one element into a `CombineTarget` whose parts are locals of
 * the same names: the code of `combineSink` and of each compiled combining
 * chain, so V8 sees the map lookup and the user's `merge` in the loop itself.
 */
function combineCode(v: string): string {
  return `const kv = prepare === undefined ? ${v} : prepare(${v});
if (prepare === undefined && (!Array.isArray(kv) || kv.length !== 2)) notPair(kv);
const k = kv[0];
const id = keyOf(k);
if (merge === undefined) {
  if (!accs.has(id)) {
    ${FIRST}
  }
} else {
  const acc = accs.get(id);
  if (acc !== undefined || accs.has(id)) {
    const merged = merge(acc, kv[1]);
    if (checkMerge) { checkMerge = false; if (isThenable(merged)) throw new BadResult('promise', merged); }
    accs.set(id, merged);
  } else {
    ${FIRST}
  }
}`;
}

/**
 * A key's first element: its accumulator, and the key itself when it is not
 * its own `keyOf` (or is -0, which a Map would give back as 0).
 */
const FIRST = `const created = create(kv[1]);
    if (checkCreate) { checkCreate = false; if (isThenable(created)) throw new BadResult('promise', created); }
    accs.set(id, created);
    if (id !== k || Object.is(k, -0)) keys.set(id, k);`;

/** The target's parts as locals, and the flags of the first-result checks of `create` and `merge` (see BadResult). */
const TARGET_LOCALS = `const { accs, keys, prepare, notPair, keyOf, create, merge } = target;
let checkCreate = true, checkMerge = true;`;

/** The `[key, accumulator]` pairs of a `CombineTarget`, in first-seen order. */
export function* combined(target: CombineTarget): Generator<[unknown, unknown]> {
  const { accs, keys } = target;
  for (const [id, acc] of accs) yield [keys.size > 0 && keys.has(id) ? keys.get(id) : id, acc];
}

/** The same fold as a plain function, for elements that do not come from a compiled chain. */
export function combineSink(target: CombineTarget): (x: unknown) => void {
  return new Function(
    'target',
    'BadResult',
    'isThenable',
    `${TARGET_LOCALS}\nreturn function combineSink(x) {\n${combineCode('x')}\n};`,
  )(target, BadResult, isThenable) as (x: unknown) => void;
}

/**
 * Compiles a kernel chain that folds its results straight into a
 * `CombineTarget` (reduceByKey's map side and its kin): no call to a sink per
 * element, and the map lookup and `merge` call sites belong to this chain.
 */
export function compileCombine(kernels: readonly Kernel[], own = false): KernelCombineStep {
  const emit = (v: string) => `at = ${kernels.length};\n${combineCode(v)}`;
  return compile(kernels, emit, 'target', TARGET_LOCALS, own) as KernelCombineStep;
}

/** Compiles a kernel chain whose results are appended to an array. */
export function compileBatch(kernels: readonly Kernel[]): KernelBatchStep {
  return compile(kernels, (v) => `out.push(${v});`, 'out') as KernelBatchStep;
}
