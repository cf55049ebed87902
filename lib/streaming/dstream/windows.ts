/**
 * Window operators: `window`, `reduceByWindow`, `reduceByKeyAndWindow`,
 * `countByWindow`, `countByValueAndWindow`, `groupByKeyAndWindow`. Window and
 * slide durations are seconds, converted to whole milliseconds, and must be
 * multiples of the parent's slide (batch) duration (an ArgumentError at the
 * call otherwise, as Spark).
 */
import * as args from '../../args.js';
import type { RDD } from '../../rdd.js';
import { freshCopy } from '../../util/clone.js';
import type { DStream } from '../dstream.js';
import { checkMultiple, millis, optionalMillis } from '../duration.js';
import { type DStreamCore, defaultPartitions, type StreamNode } from './core.js';
import { DStreamPairs } from './pairs.js';

/** Checks a window against `parent`'s slide: both durations in whole ms. */
function windowArguments(
  parent: DStreamCore<unknown>,
  windowDuration: unknown,
  slideDuration: unknown,
): [number, number] {
  const windowMs = millis('windowDuration', windowDuration);
  const slideMs = optionalMillis('slideDuration', slideDuration, parent._slideMs);
  const what = "the parent DStream's slide (batch) duration";
  checkMultiple('windowDuration', windowMs, parent._slideMs, what);
  checkMultiple('slideDuration', slideMs, parent._slideMs, what);
  return [windowMs, slideMs];
}

/** The times on `stream`'s grid in `(after, upTo]`. */
function timesIn(stream: DStream<unknown>, after: number, upTo: number): number[] {
  const zero = stream._ssc._zeroTime as number;
  const slide = stream._slideMs;
  const out: number[] = [];
  for (let t = zero + (Math.floor((after - zero) / slide) + 1) * slide; t <= upTo; t += slide) out.push(t);
  return out;
}

/** The union of `stream`'s RDDs in `(after, upTo]` (an empty RDD when there are none). */
function unionIn<T>(stream: DStream<T>, after: number, upTo: number): RDD<T> {
  const sc = stream._ssc.sparkContext;
  const rdds = stream.slice(after + 1, upTo);
  if (rdds.length === 0) return sc.emptyRDD<T>();
  return rdds.length === 1 ? (rdds[0] as RDD<T>) : sc.union(rdds);
}

/** Spark's WindowedDStream: the union of the parent's RDDs in the window. */
function windowedNode<T>(parent: DStream<T>, windowMs: number, slideMs: number): StreamNode<T> {
  // Each parent RDD is read by several windows: keep it (Spark persists it too).
  parent._cached = true;
  const p = parent as DStream<unknown>;
  return {
    parents: [p],
    slideMs,
    parentExtraMs: windowMs,
    compute: (time) => unionIn(parent, time - windowMs, time),
    checkpointRDDs: (time) => [[p, timesIn(p, time - windowMs, time)]],
  };
}

/** Combiner of one key: which of previous window / leaving batches / entering batches it has, and their values. */
type Slots = [number, unknown, number, unknown, number, unknown];
const PREV = 0;
const OLD = 1;
const NEW = 2;

/**
 * Spark's ReducedWindowedDStream: each window's value per key from the
 * previous window's, the batches that left and those that entered. `reduced`
 * is the parent reduced by key batch by batch. Each window is computed once
 * per slide and kept (a stateful node: lineage stays short).
 */
function reducedWindowedNode<K, V>(
  reduced: DStream<[K, V]>,
  func: (a: V, b: V) => V,
  invFunc: (a: V, b: V) => V,
  filterFunc: ((kv: [K, V]) => unknown) | undefined,
  windowMs: number,
  slideMs: number,
  numPartitions: number,
): StreamNode<[K, V]> {
  // Each batch's reduced RDD enters one window and leaves another: keep it.
  reduced._cached = true;
  const r = reduced as DStream<unknown>;
  return {
    parents: [r],
    slideMs,
    parentExtraMs: windowMs,
    mode: 'state',
    compute(time, self) {
      const sc = self._ssc.sparkContext;
      const parts: RDD<[K, [number, V]]>[] = [];
      const previous = self._generated.get(time - slideMs);
      if (previous !== undefined) parts.push(previous.mapValues(tagPrevious));
      // The previous window is (time - slide - window, time - slide], this one (time - window, time]:
      // the batches of the first not in the second left, those of the second not in the first entered.
      const left = unionIn(reduced, time - slideMs - windowMs, Math.min(time - slideMs, time - windowMs));
      const entered = unionIn(reduced, Math.max(time - slideMs, time - windowMs), time);
      parts.push(left.mapValues(tagOld), entered.mapValues(tagNew));
      const add = (c: Slots, tagged: [number, V]): Slots => {
        const slot = tagged[0] * 2;
        if (c[slot] === 0) {
          c[slot] = 1;
          c[slot + 1] = freshCopy(tagged[1]);
        } else c[slot + 1] = func(c[slot + 1] as V, tagged[1]);
        return c;
      };
      const merge = (a: Slots, b: Slots): Slots => {
        for (let slot = 0; slot < 6; slot += 2) {
          if (b[slot] === 0) continue;
          if (a[slot] === 0) {
            a[slot] = 1;
            a[slot + 1] = b[slot + 1];
          } else a[slot + 1] = func(a[slot + 1] as V, b[slot + 1] as V);
        }
        return a;
      };
      const finish = (c: Slots): V[] => {
        if (c[PREV * 2] === 0) return c[NEW * 2] === 0 ? [] : [c[NEW * 2 + 1] as V];
        let v = c[PREV * 2 + 1] as V;
        if (c[OLD * 2] !== 0) v = invFunc(v, c[OLD * 2 + 1] as V);
        if (c[NEW * 2] !== 0) v = func(v, c[NEW * 2 + 1] as V);
        return [v];
      };
      const merged = sc
        .union(parts)
        .combineByKey(
          (tagged: [number, V]) => add([0, undefined, 0, undefined, 0, undefined], tagged),
          add,
          merge,
          numPartitions,
        )
        .flatMapValues(finish);
      return filterFunc === undefined ? merged : merged.filter(filterFunc);
    },
    /** The latest window's values (at the last window time, which may be before `time`) and the batches later windows take out or keep. */
    checkpointRDDs: (time, self) => [
      [self as DStream<unknown>, [...self._generated.keys()]],
      [r, timesIn(r, time - windowMs - slideMs, time)],
    ],
  };
}

// No captured variables: these stages can run on worker threads.
const tagPrevious = <V>(v: V): [number, V] => [0, v];
const tagOld = <V>(v: V): [number, V] => [1, v];
const tagNew = <V>(v: V): [number, V] => [2, v];
const add = (a: number, b: number): number => a + b;
const subtract = (a: number, b: number): number => a - b;
const withOne = <T>(x: T): [T, number] => [x, 1];
const countNotZero = (kv: [unknown, number]): boolean => kv[1] !== 0;
const one = (): number => 1;
const withCount = <T>(x: T): [number, [T, number]] => [0, [x, 1]];
const hasElements = (kv: [unknown, [unknown, number]]): boolean => kv[1][1] > 0;
const counted = <T>(kv: [unknown, [T, number]]): T => kv[1][0];
const copyOf = <V>(vs: V[]): V[] => vs.slice();
const concat = <V>(a: V[], b: V[]): V[] => a.concat(b);

export class DStreamWindows<T> extends DStreamPairs<T> {
  /**
   * Every RDD holds the elements of the last `windowDuration` seconds,
   * one every `slideDuration` seconds (default: this stream's slide).
   */
  window(windowDuration: number, slideDuration?: number): DStream<T> {
    const [windowMs, slideMs] = windowArguments(this, windowDuration, slideDuration);
    return this._make('window', windowedNode(this as unknown as DStream<T>, windowMs, slideMs));
  }

  /**
   * One element per window: the window's elements reduced with
   * `reduceFunc`; none for an empty window. With `invReduceFunc` the value
   * is updated incrementally: the batches entering the window are reduced
   * in, those leaving it are taken out with `invReduceFunc(acc, old)`.
   */
  reduceByWindow(
    reduceFunc: (a: T, b: T) => T,
    invReduceFunc: ((a: T, b: T) => T) | undefined | null,
    windowDuration: number,
    slideDuration?: number,
  ): DStream<T> {
    const [windowMs, slideMs] = windowArguments(this, windowDuration, slideDuration);
    args.func('reduceFunc', reduceFunc);
    args.optionalFunc('invReduceFunc', invReduceFunc);
    if (invReduceFunc === undefined || invReduceFunc === null)
      return this.reduce(reduceFunc)
        .window(windowMs / 1000, slideMs / 1000)
        .reduce(reduceFunc);
    // Incremental: each value travels with the count of elements it covers, so an emptied window is dropped.
    return this.map(withCount)
      .reduceByKeyAndWindow(
        (a, b): [T, number] => [reduceFunc(a[0], b[0]), a[1] + b[1]],
        (a, b): [T, number] => [invReduceFunc(a[0], b[0]), a[1] - b[1]],
        windowMs / 1000,
        slideMs / 1000,
        1,
        hasElements,
      )
      .map(counted<T>);
  }

  /** The number of elements in each window, as its single element (0 for an empty window). */
  countByWindow(windowDuration: number, slideDuration?: number): DStream<number> {
    windowArguments(this, windowDuration, slideDuration);
    const sc = this._ssc.sparkContext;
    // Incremental sums of ones; an emptied window has no sum, and counts as 0 (as count() of an empty batch).
    return this.map(one)
      .reduceByWindow(add, subtract, windowDuration, slideDuration)
      .transform((sums) => sc.union([sums, sc.parallelize([0], 1)]))
      .reduce(add);
  }

  /** The count of each distinct element in each window; values whose count falls to 0 are dropped. */
  countByValueAndWindow(
    windowDuration: number,
    slideDuration?: number,
    numPartitions?: number,
  ): DStream<[T, number]> {
    windowArguments(this, windowDuration, slideDuration);
    return this.map(withOne<T>).reduceByKeyAndWindow(
      add,
      subtract,
      windowDuration,
      slideDuration,
      defaultPartitions(this, numPartitions),
      countNotZero,
    );
  }

  /** `groupByKey` over each window: each key's values in the window, oldest batch first. */
  groupByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    windowDuration: number,
    slideDuration?: number,
    numPartitions?: number,
  ): DStream<[K, V[]]> {
    windowArguments(this, windowDuration, slideDuration);
    const n = defaultPartitions(this, numPartitions);
    return this.groupByKey(n)
      .window(windowDuration, slideDuration)
      .combineByKey(copyOf<V>, concat<V>, concat<V>, n);
  }

  /**
   * `reduceByKey` over each window. Without `invFunc`, every window
   * reduces all its batches. With `invFunc` (`invFunc(func(x, y), x)` is
   * `y`), each window starts from the previous one's values: batches that
   * entered are reduced in with `func`, batches that left are taken out
   * with `invFunc`. As in Spark, a key whose value returns to the zero
   * stays unless `filterFunc` drops it: only pairs for which `filterFunc`
   * returns true are kept (and a dropped key starts afresh when it comes
   * back).
   */
  reduceByKeyAndWindow<K, V>(
    this: DStream<[K, V]>,
    func: (a: V, b: V) => V,
    invFunc: ((a: V, b: V) => V) | undefined | null,
    windowDuration: number,
    slideDuration?: number,
    numPartitions?: number,
    filterFunc?: (kv: [K, V]) => unknown,
  ): DStream<[K, V]> {
    const [windowMs, slideMs] = windowArguments(this, windowDuration, slideDuration);
    args.func('func', func);
    args.optionalFunc('invFunc', invFunc);
    args.optionalFunc('filterFunc', filterFunc);
    const n = defaultPartitions(this, numPartitions);
    const filter = filterFunc ?? undefined;
    if (invFunc === undefined || invFunc === null) {
      const windowed = this.reduceByKey(func, n)
        .window(windowMs / 1000, slideMs / 1000)
        .reduceByKey(func, n);
      return filter === undefined ? windowed : windowed.filter(filter);
    }
    // The batch-wise reduction is made before the windowed stream, so creation order stays parents first.
    const reduced = this.reduceByKey(func, n);
    return this._make(
      'reduceByKeyAndWindow',
      reducedWindowedNode(reduced, func, invFunc, filter, windowMs, slideMs, n),
    );
  }
}
