/**
 * The cogroup family: `cogroup`, `groupWith`, the joins and `subtractByKey`.
 * One hash shuffle over every parent; a reduce task groups each key's values
 * per parent (lib/ops/group.ts) and turns the groups into output. A parent
 * already partitioned alike is read narrowly, without moving it.
 */
import { cogroupPairs, joinGroups } from './group.js';
import { hashShuffle, type Partitioning } from './shuffle-op.js';
import type { ShuffleOp } from './types.js';

type Groups = [unknown, unknown[][]][];

/** A cogroup-shaped shuffle whose reduce side finishes the groups with `finish`. */
export function cogrouping<A extends Partitioning>(
  finish: (groups: Groups, watch: (extra?: number) => void) => unknown[],
): ShuffleOp<A> {
  return hashShuffle<A>(() => ({
    reduce: ({ records, watch }) => [finish(cogroupPairs(records, watch), watch)],
  }));
}

/** No partition function: the joins take only a count. */
export type JoinArgs = Partitioning;

export const join = cogrouping<JoinArgs>((g, watch) => joinGroups(g, false, false, watch));
export const leftOuterJoin = cogrouping<JoinArgs>((g, watch) => joinGroups(g, true, false, watch));
export const rightOuterJoin = cogrouping<JoinArgs>((g, watch) => joinGroups(g, false, true, watch));
export const fullOuterJoin = cogrouping<JoinArgs>((g, watch) => joinGroups(g, true, true, watch));
export const cogroup = cogrouping<JoinArgs>((g) => g);
export const groupWith = cogrouping<JoinArgs>((g) => g);

export const subtractByKey = cogrouping<JoinArgs>((groups) => {
  const out: unknown[] = [];
  for (let g = 0; g < groups.length; g++) {
    const [k, sides] = groups[g] as [unknown, unknown[][]];
    const vs = sides[0] ?? [];
    if ((sides[1] ?? []).length === 0) for (let i = 0; i < vs.length; i++) out.push([k, vs[i]]);
  }
  return out;
});
