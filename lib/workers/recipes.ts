/**
 * How each RDD was made: the public method, what it was called on and its
 * arguments. A worker thread cannot receive a plan node (nodes hold
 * closures), but it can make the same RDDs by calling the same methods on a
 * Context of its own, with the user's functions rebuilt from their source.
 * Replaying a call allocates the same ids when it starts from the same next
 * id (construction is deterministic), so a node is named by its id on both
 * sides, including the inner nodes of a composite method (`join` is a
 * cogroup, a shuffle and a flatMapValues).
 *
 * Recording wraps the transformation methods once, at load: the outermost
 * public call wins, so a composite is replayed as the user called it, never
 * as the library closures it is built from.
 */
import { Context } from '../context.js';
import type { PlanNode } from '../plan/nodes.js';
import { RDD } from '../rdd.js';

/** One public call that made an RDD. */
export interface Recipe {
  readonly method: string;
  /** The Context (sources, `sc.union`) or RDD the method was called on. */
  readonly target: Context | RDD<unknown>;
  readonly args: readonly unknown[];
  /** The first RDD id the call allocated: a replay starts from it. */
  readonly firstId: number;
  /** For a method returning several RDDs (`randomSplit`): which one. */
  readonly pick?: number;
}

const recipes = new WeakMap<PlanNode, Recipe>();

/** The recipe of the public call that made `node`, if one did. */
export function recipeOf(node: PlanNode): Recipe | undefined {
  return recipes.get(node);
}

/** Every RDD method that makes a new RDD (lazily). */
export const RDD_TRANSFORMATIONS = [
  'map',
  'flatMap',
  'filter',
  'mapPartitions',
  'mapPartitionsWithIndex',
  'mapPartitionsWithSplit',
  'glom',
  'keyBy',
  'keys',
  'values',
  'mapValues',
  'flatMapValues',
  'sample',
  'sampleByKey',
  'randomSplit',
  'union',
  'zip',
  'zipWithIndex',
  'zipWithUniqueId',
  'cartesian',
  'coalesce',
  'pipe',
  'combineByKey',
  'reduceByKey',
  'foldByKey',
  'aggregateByKey',
  'groupByKey',
  'groupBy',
  'partitionBy',
  'sortByKey',
  'sortBy',
  'repartitionAndSortWithinPartitions',
  'join',
  'leftOuterJoin',
  'rightOuterJoin',
  'fullOuterJoin',
  'cogroup',
  'groupWith',
  'subtractByKey',
  'subtract',
  'intersection',
  'distinct',
  'repartition',
] as const;

/** Every Context method that makes an RDD. */
export const CONTEXT_SOURCES = [
  'parallelize',
  'range',
  'textFile',
  'wholeTextFiles',
  'binaryFiles',
  'binaryRecords',
  'emptyRDD',
  'union',
] as const;

type Method = (this: unknown, ...args: unknown[]) => unknown;

function wrap(proto: object, name: string, contextOf: (self: unknown) => Context): void {
  const methods = proto as Record<string, Method>;
  const original = methods[name];
  if (typeof original !== 'function') throw new Error(`no method ${name} to record`);
  const recorded = function (this: unknown, ...args: unknown[]): unknown {
    const firstId = contextOf(this)._peekId();
    const out = original.apply(this, args);
    const target = this as Context | RDD<unknown>;
    const keep = (rdd: unknown, pick?: number) => {
      if (rdd instanceof RDD && rdd !== this && rdd._node.id >= firstId)
        recipes.set(rdd._node, {
          method: name,
          target,
          args,
          firstId,
          ...(pick === undefined ? {} : { pick }),
        });
    };
    if (Array.isArray(out)) for (const [i, r] of out.entries()) keep(r, i);
    else keep(out);
    return out;
  };
  Object.defineProperty(recorded, 'name', { value: name });
  methods[name] = recorded;
}

let installed = false;

/** Wraps the transformation methods so that each RDD remembers its recipe. Idempotent. */
export function recordRecipes(): void {
  if (installed) return;
  installed = true;
  for (const name of RDD_TRANSFORMATIONS) wrap(RDD.prototype, name, (self) => (self as RDD<unknown>).context);
  for (const name of CONTEXT_SOURCES) wrap(Context.prototype, name, (self) => self as Context);
}
