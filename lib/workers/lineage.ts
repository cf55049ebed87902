/**
 * The lineage of a job as data a worker thread can receive: every public
 * call that made the RDDs the job reads, in dependency order, with function
 * arguments as source text (when they can be shipped) and other arguments
 * by structured clone. A call that cannot be replayed faithfully (a function
 * that captures variables, an argument that would not survive structured
 * clone) becomes a stand-in: a node with the same id and partitioner that a
 * worker never computes. Each node the job reads knows whether it can run
 * on a worker, and if not, why.
 */
import type { Accumulator } from '../accumulator.js';
import { Broadcast } from '../broadcast.js';
import type { Context } from '../context.js';
import { knownPartitions, type PlanNode, parentsOf } from '../plan/nodes.js';
import type { Partitioner } from '../plan/partitioner.js';
import { RDD } from '../rdd.js';
import { shipping } from './closure.js';
import { clonesFaithfully } from './protocol.js';
import { type Recipe, recipeOf } from './recipes.js';

/** An argument as sent: a cloned value, a shipped function, an RDD by id, or a container of those. */
export type Arg =
  | { readonly t: 'v'; readonly v: unknown }
  | { readonly t: 'fn'; readonly i: number }
  | { readonly t: 'rdd'; readonly id: number }
  | { readonly t: 'arr'; readonly a: readonly Arg[] }
  | { readonly t: 'obj'; readonly o: Readonly<Record<string, Arg>> };

/** A variable a shipped function captures that the worker binds: a broadcast or an accumulator, by id. */
export interface CaptureSpec {
  readonly name: string;
  readonly kind: 'broadcast' | 'accumulator';
  readonly id: number;
}

export interface FnSpec {
  readonly source: string;
  readonly captures: readonly CaptureSpec[];
}

/** What a worker needs to bind an accumulator: its zero and, for a custom param, the param's functions. */
export interface AccumulatorSpec {
  readonly id: number;
  readonly zero: unknown;
  /** Function indexes of the param's `zero` and `addInPlace`. */
  readonly param: { readonly zero: number; readonly addInPlace: number };
}

export type PartitionerSpec =
  | { readonly kind: 'hash'; readonly numPartitions: number | undefined }
  | { readonly kind: 'range'; readonly numPartitions: number | undefined; readonly id: number }
  | { readonly kind: 'custom'; readonly numPartitions: number | undefined; readonly fn: number | null };

/** One call to replay, or a stand-in node when the call cannot be replayed. */
export type Step =
  | {
      readonly kind: 'call';
      readonly id: number;
      readonly firstId: number;
      readonly method: string;
      /** The RDD the method is called on, by id; null for the Context. */
      readonly target: number | null;
      readonly args: readonly Arg[];
      readonly pick?: number;
    }
  | {
      readonly kind: 'stub';
      readonly id: number;
      readonly label: string;
      /** The count known without I/O: later calls decide on it (a union is aligned when counts match). */
      readonly knownPartitions: number | null;
      readonly partitioner: PartitionerSpec | null;
    };

/** Why a function or argument cannot go to a worker. */
export class Unshippable extends Error {}

function kindOf(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'object' && v !== null) return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}

/**
 * A job's tables, append-only so that a worker is sent only what it has not
 * seen: the calls to replay (dependency order), the shipped functions, the
 * captured accumulators; and, for the main thread, why nodes cannot run on a
 * worker.
 */
export class Encoder {
  readonly steps: Step[] = [];
  readonly fns: FnSpec[] = [];
  readonly accumulatorSpecs: AccumulatorSpec[] = [];
  /** Node id to the reason it cannot run on a worker. */
  readonly problems = new Map<number, string>();
  readonly broadcasts = new Map<number, Broadcast<unknown>>();
  readonly accumulators = new Map<number, Accumulator<unknown>>();
  /** Ids of the nodes the steps make (a worker can name them). */
  readonly covered = new Set<number>();
  private readonly fnIndex = new Map<unknown, number>();

  constructor(private readonly context: Context) {}

  /** Adds the steps making `node` and everything it reads (those not added yet). */
  add(node: PlanNode): void {
    this.visit(node);
  }

  /** Encodes an argument of a task (a fold's function); throws `Unshippable` with the reason. */
  encode(v: unknown, what: string): Arg {
    return this.encodeArg(v, what);
  }

  /** A function's index in the table, shipping what it captures; throws Unshippable with the reason. */
  private fnOf(fn: Function, what: string): number {
    const known = this.fnIndex.get(fn);
    if (known !== undefined) return known;
    const s = shipping(fn);
    if (!s.ok) throw new Unshippable(`${what} ${s.reason}`);
    const captures: CaptureSpec[] = [];
    for (const c of s.captures) {
      if (c.value instanceof Broadcast) {
        if (!c.value.isDestroyed && !clonesFaithfully(c.value.value))
          throw new Unshippable(`${what} captures broadcast '${c.name}' holding ${kindOf(c.value.value)}`);
        this.broadcasts.set(c.value._id, c.value);
        captures.push({ name: c.name, kind: 'broadcast', id: c.value._id });
      } else {
        const acc = c.value as Accumulator<unknown>;
        if (!this.accumulators.has(acc._id)) {
          this.accumulatorSpecs.push(this.accumulatorSpec(acc, what, c.name));
          this.accumulators.set(acc._id, acc);
        }
        captures.push({ name: c.name, kind: 'accumulator', id: acc._id });
      }
    }
    const i = this.fns.length;
    this.fns.push({ source: s.source, captures });
    this.fnIndex.set(fn, i);
    return i;
  }

  private accumulatorSpec(acc: Accumulator<unknown>, what: string, name: string): AccumulatorSpec {
    const { zero, addInPlace } = acc._param as { zero?: unknown; addInPlace?: unknown };
    const unshippable = (why: string) => new Unshippable(`${what} captures accumulator '${name}' ${why}`);
    if (typeof zero !== 'function' || typeof addInPlace !== 'function')
      throw unshippable('whose param has no zero()');
    let start: unknown;
    try {
      start = (zero as (v: unknown) => unknown).call(acc._param, acc.value);
    } catch {
      throw unshippable('whose zero() failed');
    }
    if (!clonesFaithfully(start)) throw unshippable(`holding ${kindOf(start)}`);
    try {
      return {
        id: acc._id,
        zero: start,
        param: {
          zero: this.fnOf(zero as Function, 'zero()'),
          addInPlace: this.fnOf(addInPlace as Function, 'addInPlace()'),
        },
      };
    } catch (e) {
      if (e instanceof Unshippable) throw unshippable(`whose param's ${e.message}`);
      throw e;
    }
  }

  private encodeArg(v: unknown, what: string): Arg {
    if (typeof v === 'function') return { t: 'fn', i: this.fnOf(v, what) };
    if (v instanceof RDD) {
      this.visitRdd(v);
      return { t: 'rdd', id: v._node.id };
    }
    if (Array.isArray(v)) return { t: 'arr', a: v.map((x) => this.encodeArg(x, what)) };
    if (typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype) {
      const o: Record<string, Arg> = {};
      for (const [k, x] of Object.entries(v)) o[k] = this.encodeArg(x, what);
      return { t: 'obj', o };
    }
    if (!clonesFaithfully(v))
      throw new Unshippable(`${what} gets ${kindOf(v)}, which structured clone would not keep`);
    return { t: 'v', v };
  }

  private partitionerSpec(p: Partitioner | undefined): PartitionerSpec | null {
    if (p === undefined) return null;
    if (p.kind !== 'custom') return p;
    let fn: number | null = null;
    try {
      fn = this.fnOf(p.fn, 'partitionFunc');
    } catch (e) {
      if (!(e instanceof Unshippable)) throw e;
    }
    return { kind: 'custom', numPartitions: p.numPartitions, fn };
  }

  /** Every node from `node` up to (not including) nodes made before `firstId`: the nodes one call made. */
  private madeBy(node: PlanNode, firstId: number, out: PlanNode[]): void {
    if (node.id < firstId || out.includes(node)) return;
    out.push(node);
    for (const p of parentsOf(node)) this.madeBy(p, firstId, out);
  }

  /** Every node `made` cannot run on a worker, for `reason` (naming the user's call); `node` stands in. */
  private stub(node: PlanNode, reason: string, made: readonly PlanNode[]): void {
    for (const n of made) this.problems.set(n.id, reason);
    this.steps.push({
      kind: 'stub',
      id: node.id,
      label: node.label,
      knownPartitions: knownPartitions(node) ?? null,
      partitioner: this.partitionerSpec(node.partitioner),
    });
  }

  private visitRdd(rdd: RDD<unknown>): void {
    if (rdd.context !== this.context) throw new Unshippable('reads an RDD of another Context');
    this.visit(rdd._node);
  }

  private visit(node: PlanNode): void {
    if (this.covered.has(node.id)) return;
    this.covered.add(node.id);
    const recipe: Recipe | undefined = recipeOf(node);
    if (recipe === undefined) {
      // Not made by a public call (built inside an action): its parents may still be.
      for (const p of parentsOf(node)) this.visit(p);
      this.stub(node, `${node.label}[${node.id}] was made inside an action`, [node]);
      return;
    }
    const made: PlanNode[] = [];
    this.madeBy(node, recipe.firstId, made);
    for (const n of made) this.covered.add(n.id);
    const what = `${node.label}[${node.id}]`;
    try {
      let target: number | null = null;
      if (recipe.target instanceof RDD) {
        this.visitRdd(recipe.target);
        target = recipe.target._node.id;
      }
      // parallelize: the data stays on the main thread; workers pull their slice.
      const args =
        recipe.method === 'parallelize'
          ? [{ t: 'v', v: [] } as Arg, this.encodeArg(recipe.args[1], what)]
          : recipe.args.map((a) => this.encodeArg(a, what));
      this.steps.push({
        kind: 'call',
        id: node.id,
        firstId: recipe.firstId,
        method: recipe.method,
        target,
        args,
        ...(recipe.pick === undefined ? {} : { pick: recipe.pick }),
      });
    } catch (e) {
      if (!(e instanceof Unshippable)) throw e;
      // Stages upstream of this call may still run on workers: their nodes go in the lineage.
      for (const n of made) for (const p of parentsOf(n)) if (p.id < recipe.firstId) this.visit(p);
      this.stub(node, e.message.startsWith(what) ? e.message : `${what} ${e.message}`, made);
    }
  }
}
