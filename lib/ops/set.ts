/**
 * The set operators over whole elements: `distinct`, `subtract`,
 * `intersection`. Each keys every element by itself (so compares by value)
 * and shuffles; the output is laid out by the hash of whole elements, not of
 * their first item, so it exposes no partitioner (a later join shuffles it).
 */
import { cogroupPairs, keysOut } from './group.js';
import { hashShuffle, type Partitioning } from './shuffle-op.js';
import type { ShuffleSpec } from './types.js';

const identity = (x: unknown): unknown => x;
/** Every element as the key of a pair. */
const asKeys: ShuffleSpec['prepare'] = () => (x) => [x, true];

export type SetArgs = Partitioning;

export const distinct = hashShuffle<SetArgs>(
  () => ({
    prepare: asKeys,
    combine: {
      create: identity,
      merge: (c) => c,
      mergeCombiners: (a) => a,
      mapSide: true,
      keepsFirst: true,
    },
    reduce: ({ records }) => keysOut(records),
  }),
  { keepsPartitioner: false, rekeys: true },
);

export const subtract = hashShuffle<SetArgs>(
  () => ({
    prepare: asKeys,
    reduce: ({ records }) => {
      const groups = cogroupPairs(records);
      const out: unknown[] = [];
      for (let g = 0; g < groups.length; g++) {
        const [k, sides] = groups[g] as [unknown, unknown[][]];
        if ((sides[1] ?? []).length === 0) for (let i = 0; i < (sides[0] ?? []).length; i++) out.push(k);
      }
      return [out];
    },
  }),
  { keepsPartitioner: false, rekeys: true },
);

export const intersection = hashShuffle<SetArgs>(
  () => ({
    prepare: asKeys,
    reduce: ({ records }) => [
      cogroupPairs(records)
        .filter(([, [vs = [], ws = []]]) => vs.length > 0 && ws.length > 0)
        .map(([k]) => k),
    ],
  }),
  { keepsPartitioner: false, rekeys: true },
);
