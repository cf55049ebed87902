/**
 * The base of `RDD`: identity, the plan, caching and checkpointing. Every
 * RDD stands for one plan node; its methods (lib/rdd/*.ts, one family per
 * file, assembled into the one `RDD` class in lib/rdd.ts) check their
 * arguments, append a node and carry the documentation. The work happens in
 * lib/exec and lib/ops.
 */

import type { Context } from '../context.js';
import { ArgumentError } from '../errors.js';
import { countPartitions } from '../exec/run.js';
import { type ArgsOf, makeNode, type OpName } from '../ops/registry.js';
import { explain } from '../plan/explain.js';
import type { PlanNode } from '../plan/nodes.js';
import type { RDD } from '../rdd.js';
import { guard } from './guard.js';

// biome-ignore lint/correctness/noUnusedVariables: T is the element type every family of methods uses
export class RDDCore<T> {
  /** The Context this RDD belongs to. */
  readonly context: Context;
  #node: PlanNode;
  #name: string | undefined;
  /** Set by `localCheckpoint()` until the lineage is cut. */
  #checkpoint = false;

  /** @internal RDDs are made by a Context and by transformations, not by `new`. */
  constructor(context: Context, node: PlanNode) {
    this.context = context;
    this.#node = node;
  }

  /**
   * @internal The plan node this RDD stands for. A locally checkpointed RDD
   * whose partitions are all cached stands for a node without parents from
   * then on: new RDDs made from it no longer carry its lineage.
   */
  get _node(): PlanNode {
    if (this.#checkpoint) {
      const node = this.#node;
      const runtime = this.context._runtime;
      const count = node.numPartitions ?? runtime.known.get(node);
      if (count !== undefined && runtime.isMaterialized(node.id, count)) {
        this.#node = makeNode(node.id, 'localCheckpoint', { of: node.op, numPartitions: count }, []);
        this.#checkpoint = false;
      }
    }
    return this.#node;
  }

  /** @internal A new RDD over a new node of operator `op` reading `parents` (this RDD by default). */
  protected _make<U, K extends OpName>(
    op: K,
    args: ArgsOf<K>,
    parents: readonly PlanNode[] = [this._node],
  ): RDD<U> {
    return this.context._rdd<U>(makeNode(this.context._newId(), op, args, parents));
  }

  /** @internal */
  _checkSameContext(other: unknown, name: string): void {
    if (!(other instanceof RDDCore)) throw new ArgumentError(`${name} must be an RDD`);
    if (other.context !== this.context) throw new ArgumentError(`${name} belongs to another Context`);
  }

  // ---------------------------------------------------------------- identity

  /**
   * The RDD's id, unique within its Context.
   * @example
   * sc.parallelize([1]).id() >= 0;
   * // => true
   */
  id(): number {
    return this.#node.id;
  }

  /**
   * The name given by `setName`, or `undefined`.
   * @example
   * sc.parallelize([1]).name();
   * // => undefined
   */
  name(): string | undefined {
    return this.#name;
  }

  /**
   * Names this RDD (shown nowhere else; PySpark's `setName`). Returns this RDD.
   * @example
   * sc.parallelize([1]).setName('numbers').name();
   * // => 'numbers'
   */
  setName(name: string): this {
    if (typeof name !== 'string') throw new ArgumentError(`name must be a string, got ${String(name)}`);
    this.#name = name;
    return this;
  }

  /**
   * The logical plan, one line per operator, in Spark's `toDebugString` layout:
   * `(n)` partitions (`?` until it is known: a file source lists its files at
   * the first action or `getNumPartitions()`), `[k]` the RDD id, `+-` a
   * shuffle, and the lines on one `|` rail are fused into one per-partition
   * pipeline (a stage).
   * @example
   * sc.parallelize([1, 2, 3], 2).map((x) => x * 2).filter((x) => x > 2).explain();
   * // => '(2) filter[2]\n |  map[1]\n |  parallelize[0]'
   */
  explain(): string {
    const runtime = this.context._runtime;
    const node = this._node;
    const stages = runtime.executor?.describe(node);
    return explain(node, {
      isCached: (id) => runtime.isPersisted(id),
      count: (n) => runtime.known.get(n),
      ...(stages === undefined ? {} : { stages }),
    });
  }

  /**
   * PySpark's name for `explain()`.
   * @example
   * sc.parallelize([1, 2], 2).toDebugString();
   * // => '(2) parallelize[0]'
   */
  toDebugString(): string {
    return this.explain();
  }

  /**
   * The number of partitions (a file source may list files to know it).
   * @example
   * await sc.parallelize([1, 2, 3], 3).getNumPartitions();
   * // => 3
   */
  getNumPartitions(): Promise<number> {
    guard('getNumPartitions');
    return countPartitions(this.context._runtime, this._node);
  }

  // ---------------------------------------------------------------- caching

  /**
   * Keeps partitions in memory once computed: each is computed whole the first
   * time an action touches it, once, and later actions read it from memory.
   * Marks this RDD (like PySpark) and returns it.
   * @example
   * const rdd = sc.parallelize([1, 2, 3]).map((x) => x + 1).cache();
   * await rdd.collect();
   * // => [2, 3, 4]
   */
  cache(): this {
    this.context._runtime.persist(this.#node.id);
    return this;
  }

  /**
   * Same as `cache()`: sparkling keeps partitions in memory only, so the storage level is accepted and ignored.
   * @example
   * sc.parallelize([1]).persist().isCached;
   * // => true
   */
  persist(_storageLevel?: unknown): this {
    return this.cache();
  }

  /**
   * Drops the cached partitions and stops caching. Returns this RDD. (A
   * locally checkpointed RDD loses its data: its lineage is gone.)
   * @example
   * sc.parallelize([1]).cache().unpersist().isCached;
   * // => false
   */
  unpersist(_blocking?: boolean): this {
    this.context._runtime.unpersist(this.#node.id);
    return this;
  }

  /**
   * Whether `cache()`/`persist()` (or `localCheckpoint()`) was called (PySpark's `is_cached`).
   * @example
   * sc.parallelize([1]).isCached;
   * // => false
   */
  get isCached(): boolean {
    return this.context._runtime.isPersisted(this.#node.id);
  }

  /**
   * Marks this RDD for local checkpointing (PySpark's `localCheckpoint`): its
   * partitions are kept in memory the first time they are computed, and once
   * all are, its lineage is cut — RDDs made from it afterwards start from the
   * kept partitions, so an iterative job (a loop that maps or unions its
   * previous result thousands of times) keeps a short plan. The data lives
   * only in memory: `unpersist()` loses it. Returns this RDD.
   * @example
   * let rdd = sc.parallelize([1, 2, 3], 2);
   * for (let i = 0; i < 3; i++) { rdd = rdd.map((x) => x * 2).localCheckpoint(); await rdd.count(); };
   * rdd.map((x) => x + 1).explain();
   * // => '(2) map[4]\n |  localCheckpoint[3] of=map cached'
   */
  localCheckpoint(): this {
    this.cache();
    this.#checkpoint = true;
    return this;
  }

  /**
   * Whether `localCheckpoint()` was called (PySpark's `isLocallyCheckpointed`).
   * @example
   * sc.parallelize([1]).localCheckpoint().isLocallyCheckpointed();
   * // => true
   */
  isLocallyCheckpointed(): boolean {
    return this.#checkpoint || this.#node.op === 'localCheckpoint';
  }
}
