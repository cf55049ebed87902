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

function body(kernels: readonly Kernel[], emit: (v: string) => string): string {
  const indexed = kernels.filter((k) => k.kind === 'flatMap').length <= INDEXED_FLATMAPS;
  let inner = (v: string) => emit(v);
  for (let i = kernels.length - 1; i >= 0; i--) {
    const next = inner;
    const k = kernels[i] as Kernel;
    const out = `v${i + 1}`;
    switch (k.kind) {
      case 'map':
        inner = (v) => `at = ${i}; const ${out} = f${i}(${v});\n${next(out)}`;
        break;
      case 'filter':
        inner = (v) => `at = ${i}; if (f${i}(${v})) {\n${next(v)}\n}`;
        break;
      case 'flatMap':
        inner = indexed
          ? (v) => {
              // A plain array by index (what for...of would read, without an iterator object per element).
              const [r, j, rest] = [`r${i}`, `j${i}`, next(out)];
              return `at = ${i}; const ${r} = f${i}(${v});
if (Array.isArray(${r}) && ${r}[Symbol.iterator] === arrayValues) {
  for (let ${j} = 0; ${j} < ${r}.length; ${j}++) {
    const ${out} = ${r}[${j}];\n${rest}\nat = ${i};
  }
} else {
  for (const ${out} of ${r}) {\n${rest}\nat = ${i};\n}
}`;
            }
          : (v) => `at = ${i}; for (const ${out} of f${i}(${v})) {\n${next(out)}\nat = ${i};\n}`;
        break;
    }
  }
  return inner('v0');
}

/** Numbers each compiled chain: V8 caches code by source text, so identical text would share one function's feedback. */
let chains = 0;

function compile(
  kernels: readonly Kernel[],
  emit: (v: string) => string,
  arg: string,
  prologue = '',
): unknown {
  return generate(
    kernels,
    emit,
    arg,
    prologue,
  )(KernelFailure, Array.prototype[Symbol.iterator], ...kernels.map((k) => k.fn));
}

function generate(
  kernels: readonly Kernel[],
  emit: (v: string) => string,
  arg: string,
  prologue: string,
): (...args: unknown[]) => unknown {
  const params = kernels.map((_, i) => `f${i}`);
  const source = `// fused chain ${++chains}
return function fusedStep(batch, ${arg}, from = 0, to = batch.length) {
  ${prologue}
  let at = -1;
  try {
    for (let i = from; i < to; i++) {
      const v0 = batch[i];
      ${body(kernels, emit)}
    }
  } catch (e) {
    throw new KernelFailure(at, e);
  }
};`;
  return new Function('KernelFailure', 'arrayValues', ...params, source) as (...args: unknown[]) => unknown;
}

/** Compiles a kernel chain whose results go to an `emit` callback. */
export function compileSink(kernels: readonly Kernel[]): KernelStep {
  return compile(kernels, (v) => `at = ${kernels.length}; emit(${v});`, 'emit') as KernelStep;
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
  if (acc !== undefined || accs.has(id)) accs.set(id, merge(acc, kv[1]));
  else {
    ${FIRST}
  }
}`;
}

/**
 * A key's first element: its accumulator, and the key itself when it is not
 * its own `keyOf` (or is -0, which a Map would give back as 0).
 */
const FIRST = `accs.set(id, create(kv[1]));
    if (id !== k || Object.is(k, -0)) keys.set(id, k);`;

const TARGET_LOCALS = 'const { accs, keys, prepare, notPair, keyOf, create, merge } = target;';

/** The `[key, accumulator]` pairs of a `CombineTarget`, in first-seen order. */
export function* combined(target: CombineTarget): Generator<[unknown, unknown]> {
  const { accs, keys } = target;
  for (const [id, acc] of accs) yield [keys.size > 0 && keys.has(id) ? keys.get(id) : id, acc];
}

/** The same fold as a plain function, for elements that do not come from a compiled chain. */
export function combineSink(target: CombineTarget): (x: unknown) => void {
  return new Function(
    'target',
    `${TARGET_LOCALS}\nreturn function combineSink(x) {\n${combineCode('x')}\n};`,
  )(target) as (x: unknown) => void;
}

/**
 * Compiles a kernel chain that folds its results straight into a
 * `CombineTarget` (reduceByKey's map side and its kin): no call to a sink per
 * element, and the map lookup and `merge` call sites belong to this chain.
 */
export function compileCombine(kernels: readonly Kernel[]): KernelCombineStep {
  const emit = (v: string) => `at = ${kernels.length};\n${combineCode(v)}`;
  return compile(kernels, emit, 'target', TARGET_LOCALS) as KernelCombineStep;
}

/** Compiles a kernel chain whose results are appended to an array. */
export function compileBatch(kernels: readonly Kernel[]): KernelBatchStep {
  return compile(kernels, (v) => `out.push(${v});`, 'out') as KernelBatchStep;
}
