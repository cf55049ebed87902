/**
 * Per-batch bodies of the element-wise narrow operators. Each is one
 * synchronous loop; the executor composes neighbours into one fused pipeline.
 */
import type { BatchOpFactory } from './types.js';

/** Per-batch body of `rdd.map`. */
export const map =
  <T, U>(f: (x: T) => U): BatchOpFactory<T, U> =>
  () => ({
    step: (batch, out) => {
      for (let i = 0; i < batch.length; i++) out.push(f(batch[i] as T));
    },
  });

/** Per-batch body of `rdd.filter` (keeps elements for which the predicate is truthy). */
export const filter =
  <T>(pred: (x: T) => unknown): BatchOpFactory<T, T> =>
  () => ({
    step: (batch, out) => {
      for (let i = 0; i < batch.length; i++) {
        const x = batch[i] as T;
        if (pred(x)) out.push(x);
      }
    },
  });

/** Appends every element of an Iterable result (arrays fast). */
function pushAll<U>(out: U[], r: Iterable<U>): void {
  if (Array.isArray(r)) for (let j = 0; j < r.length; j++) out.push(r[j] as U);
  else for (const y of r) out.push(y);
}

/** Per-batch body of `rdd.flatMap`: `f` returns an Iterable (an array, a Set, a generator ...). */
export const flatMap =
  <T, U>(f: (x: T) => Iterable<U>): BatchOpFactory<T, U> =>
  () => ({
    step: (batch, out) => {
      for (let i = 0; i < batch.length; i++) pushAll(out, f(batch[i] as T));
    },
  });

/** Per-batch body of `rdd.mapValues`. */
export const mapValues =
  <K, V, U>(f: (v: V) => U): BatchOpFactory<[K, V], [K, U]> =>
  () => ({
    step: (batch, out) => {
      for (let i = 0; i < batch.length; i++) {
        const kv = batch[i] as [K, V];
        out.push([kv[0], f(kv[1])]);
      }
    },
  });

/** Per-batch body of `rdd.flatMapValues`. */
export const flatMapValues =
  <K, V, U>(f: (v: V) => Iterable<U>): BatchOpFactory<[K, V], [K, U]> =>
  () => ({
    step: (batch, out) => {
      for (let i = 0; i < batch.length; i++) {
        const [k, v] = batch[i] as [K, V];
        for (const u of f(v)) out.push([k, u]);
      }
    },
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
