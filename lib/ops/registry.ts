/**
 * The operator registry: the one list of sparkling's operators. A plan node
 * names its operator (`node.op`); everything about it — its kind, how it
 * runs, how it prints, how its partition count and partitioner follow from
 * its parents — is the definition listed here, in the operator's module.
 * Adding an operator is one module, one line here, one `RDD` (or `Context`)
 * method and one spec (see ARCHITECTURE.md).
 */
import { InternalError } from '../errors.js';
import {
  type Dependency,
  defaultShufflePartitions,
  freezeNode,
  type OpArgs,
  type PlanNode,
} from '../plan/nodes.js';
import { type Partitioner, samePartitioner } from '../plan/partitioner.js';
import {
  aggregateByKey,
  combineByKey,
  foldByKey,
  groupBy,
  groupByKey,
  partitionBy,
  reduceByKey,
} from './by-key.js';
import { cartesian } from './cartesian.js';
import { localCheckpoint } from './checkpoint.js';
import { coalesce } from './coalesce.js';
import { glom } from './glom.js';
import {
  cogroup,
  fullOuterJoin,
  groupWith,
  join,
  leftOuterJoin,
  rightOuterJoin,
  subtractByKey,
} from './join.js';
import {
  countByKey,
  filter,
  flatMap,
  flatMapValues,
  keyBy,
  keys,
  lookup,
  map,
  mapValues,
  values,
} from './map.js';
import { mapAsync } from './map-async.js';
import { mapPartitions, mapPartitionsWithIndex, mapPartitionsWithSplit } from './map-partitions.js';
import { emptyRDD, parallelize, range } from './parallelize.js';
import { pipe } from './pipe.js';
import { repartition } from './repartition.js';
import { randomSplit, sample, sampleByKey } from './sample.js';
import { distinct, intersection, subtract } from './set.js';
import { repartitionAndSortWithinPartitions, sortBy, sortByKey } from './sort.js';
import { binaryFiles, binaryRecords, textFile, wholeTextFiles } from './text-file.js';
import type { OpDef } from './types.js';
import { union } from './union.js';
import { zip } from './zip.js';
import { zipWithIndex, zipWithUniqueId } from './zip-with-index.js';

/** Every operator, by the name the user calls it by. */
export const OPS = {
  // sources
  parallelize,
  range,
  emptyRDD,
  textFile,
  wholeTextFiles,
  binaryFiles,
  binaryRecords,
  localCheckpoint,
  // element-wise
  map,
  flatMap,
  filter,
  keyBy,
  keys,
  values,
  mapValues,
  flatMapValues,
  countByKey,
  lookup,
  // per batch, per partition
  glom,
  sample,
  randomSplit,
  sampleByKey,
  zipWithIndex,
  zipWithUniqueId,
  mapPartitions,
  mapPartitionsWithIndex,
  mapPartitionsWithSplit,
  mapAsync,
  pipe,
  // combining parents
  union,
  coalesce,
  zip,
  cartesian,
  // shuffles
  combineByKey,
  reduceByKey,
  foldByKey,
  aggregateByKey,
  groupByKey,
  groupBy,
  partitionBy,
  sortByKey,
  sortBy,
  repartitionAndSortWithinPartitions,
  join,
  leftOuterJoin,
  rightOuterJoin,
  fullOuterJoin,
  cogroup,
  groupWith,
  subtractByKey,
  subtract,
  intersection,
  distinct,
  repartition,
} as const;

export type OpName = keyof typeof OPS;

/** The arguments an operator's nodes carry. */
export type ArgsOf<K extends OpName> = (typeof OPS)[K] extends OpDef<infer A> ? A : never;

const table: ReadonlyMap<string, OpDef> = new Map(Object.entries(OPS) as [string, OpDef][]);

/** The definition of a node's operator. */
export function opOf(node: PlanNode): OpDef {
  const def = table.get(node.op);
  if (def === undefined) throw new InternalError(`no operator ${node.op} in the registry`);
  return def;
}

/** Whether an operator of this name exists (a decoded stage names only registered operators). */
export function isOp(name: string): name is OpName {
  return table.has(name);
}

/**
 * A new plan node of operator `op` over `parents`: its kind, dependencies,
 * partitioner, partition count (when known without I/O) and printed
 * attributes all follow from the operator's definition.
 */
export function makeNode<K extends OpName>(
  id: number,
  op: K,
  args: ArgsOf<K>,
  parents: readonly PlanNode[],
): PlanNode {
  return buildNode(id, op, OPS[op] as OpDef, args as OpArgs, parents);
}

/** `makeNode` for an operator named at run time (a decoded stage). */
export function buildNode(
  id: number,
  op: string,
  def: OpDef,
  args: OpArgs,
  parents: readonly PlanNode[],
): PlanNode {
  const counts = parents.map((p) => p.numPartitions);
  const first = parents[0];
  let numPartitions: number | undefined;
  let partitioner: Partitioner | undefined;
  let route: Partitioner | undefined;
  let deps: Dependency[] = parents.map(() => 'narrow');
  switch (def.kind) {
    case 'source':
      numPartitions = def.knownPartitions(args);
      break;
    case 'kernel':
    case 'batch':
      numPartitions = first?.numPartitions;
      partitioner = def.keepsPartitioner ? first?.partitioner : undefined;
      break;
    case 'partition':
      numPartitions = first?.numPartitions;
      partitioner = def.keepsPartitioner(args) ? first?.partitioner : undefined;
      break;
    case 'combine':
      numPartitions = counts.every((c) => c !== undefined)
        ? def.partitions(args, counts as number[])
        : undefined;
      partitioner = def.partitioner?.(args, parents);
      break;
    case 'shuffle': {
      numPartitions =
        def.requested(args) ??
        defaultShufflePartitions(
          counts,
          parents.map((p) => p.partitioner),
          samePartitioner,
          def.rekeys,
        );
      route = def.route(args, numPartitions, id);
      const r = route;
      // A parent already laid out by the route is read in place, unless the shuffle keys elements afresh.
      deps = parents.map((p) => (!def.rekeys && samePartitioner(r, p.partitioner) ? 'narrow' : 'shuffle'));
      partitioner = def.keepsPartitioner ? route : undefined;
      break;
    }
  }
  return freezeNode({
    id,
    op,
    kind: def.kind,
    args,
    parents,
    deps,
    partitioner,
    ...(route === undefined ? {} : { route }),
    numPartitions,
    attrs: def.describe?.(args) ?? [],
  });
}
