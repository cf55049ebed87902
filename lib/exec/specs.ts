/** A shuffle node's map-side and reduce-side functions, built once per node (per thread) from its arguments. */
import { InternalError } from '../errors.js';
import { opOf } from '../ops/registry.js';
import type { ShuffleSpec } from '../ops/types.js';
import type { PlanNode } from '../plan/nodes.js';

const specs = new WeakMap<PlanNode, ShuffleSpec>();

/** What a shuffle node's operator does on the map and reduce sides, built once per node from its arguments. */
export function shuffleSpecOf(node: PlanNode): ShuffleSpec {
  let spec = specs.get(node);
  if (spec === undefined) {
    const def = opOf(node);
    if (def.kind !== 'shuffle') throw new InternalError(`${node.op} is not a shuffle`);
    spec = def.spec(node.args);
    specs.set(node, spec);
  }
  return spec;
}
