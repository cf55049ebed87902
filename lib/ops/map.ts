/**
 * Bodies of the narrow operators: stateless element-wise ones as kernels
 * (fused by code generation, see lib/exec/fuse.ts), stateful ones as
 * per-batch operators with per-partition state.
 */
import type { BatchOpFactory, Kernel } from './types.js';

/** Kernel of `rdd.map`. */
export const map = <T, U>(f: (x: T) => U): Kernel => ({ kind: 'map', fn: f });

/** Kernel of `rdd.filter` (keeps elements for which the predicate is truthy). */
export const filter = <T>(pred: (x: T) => unknown): Kernel => ({ kind: 'filter', fn: pred });

/** Kernel of `rdd.flatMap`: `f` returns an Iterable (an array, a Set, a generator ...). */
export const flatMap = <T, U>(f: (x: T) => Iterable<U>): Kernel => ({ kind: 'flatMap', fn: f });

/** Kernel of `rdd.mapValues`. */
export const mapValues = <K, V, U>(f: (v: V) => U): Kernel => map((kv: [K, V]): [K, U] => [kv[0], f(kv[1])]);

/** Kernel of `rdd.flatMapValues`. */
export const flatMapValues = <K, V, U>(f: (v: V) => Iterable<U>): Kernel =>
  flatMap((kv: [K, V]): [K, U][] => {
    const out: [K, U][] = [];
    for (const u of f(kv[1])) out.push([kv[0], u]);
    return out;
  });

/** Per-batch body of `rdd.glom`: the whole partition as one array (an empty partition gives `[]`). */
export const glom =
  <T>(): BatchOpFactory<T, T[]> =>
  () => {
    const all: T[] = [];
    return {
      step: (batch) => {
        for (let i = 0; i < batch.length; i++) all.push(batch[i] as T);
      },
      end: (out) => {
        out.push(all);
      },
    };
  };

/** Per-batch body of `rdd.zipWithIndex` for a partition whose first element has index `offset`. */
export const withIndex =
  <T>(offset: number): BatchOpFactory<T, [T, number]> =>
  () => {
    let next = offset;
    return {
      step: (batch, out) => {
        for (let i = 0; i < batch.length; i++) out.push([batch[i] as T, next++]);
      },
    };
  };

/** Per-batch body of `rdd.zipWithUniqueId`: element i of partition k of n gets `i·n + k`. */
export const withUniqueId =
  <T>(numPartitions: number): BatchOpFactory<T, [T, number]> =>
  (partition) => {
    let next = partition;
    return {
      step: (batch, out) => {
        for (let i = 0; i < batch.length; i++) {
          out.push([batch[i] as T, next]);
          next += numPartitions;
        }
      },
    };
  };
