/**
 * A stage written down as plain data, so that it can run elsewhere: a worker
 * thread here, or a Node process on a Spark executor. The format is
 * documented in docs/encoded-stage.md; `lib/ship/run.ts` runs it.
 *
 * Each node travels as its operator's name, its arguments and its parents'
 * ids; each user function as its source (after the acorn check of
 * closure.ts) and what it captures: a value structured clone keeps (copied
 * now, once per job, as Spark's closure serializer copies), another
 * function that ships by the same rule, a built-in module's binding, a
 * broadcast or an accumulator (by id). Anything else cannot travel, and
 * `Unshippable` says which variable and why.
 */
import { Accumulator } from '../accumulator.js';
import { Broadcast } from '../broadcast.js';
import type { IoOptions } from '../io/options.js';
import type { Dependency, PlanNode } from '../plan/nodes.js';
import { clonesFaithfully } from '../util/clone.js';
import { type BuiltinRef, builtinOf } from './builtins.js';
import { shipping } from './closure.js';

/** The format's name and version, first field of every encoded stage. */
export const STAGE_FORMAT = 'sparkling-stage/1';

/** What a function captured, as it travels. */
export type EncodedCapture =
  /** A value structured clone keeps, copied when the stage was encoded. */
  | { readonly name: string; readonly kind: 'value'; readonly value: unknown }
  /** Another function of the stage's table (a helper the user wrote; may be the function itself). */
  | { readonly name: string; readonly kind: 'function'; readonly fn: number }
  /** A broadcast, by id (its value travels once, see `EncodedStage.broadcasts`). */
  | { readonly name: string; readonly kind: 'broadcast'; readonly id: number }
  /** An accumulator, by id: the function adds to a local one whose updates go back to the driver. */
  | { readonly name: string; readonly kind: 'accumulator'; readonly id: number }
  /** A binding of a Node built-in module (`createHash` from `node:crypto`). */
  | ({ readonly name: string; readonly kind: 'builtin' } & BuiltinRef);

/** A user function: its source (an expression) and its captured variables. */
export interface EncodedFunction {
  readonly source: string;
  readonly captures: readonly EncodedCapture[];
}

/** A plan node as it travels. */
export interface EncodedNode {
  readonly id: number;
  /** The operator, a name of the registry (lib/ops/registry.ts). */
  readonly op: string;
  /** Its arguments that are plain data (function arguments are in `fns`). */
  readonly args: Readonly<Record<string, unknown>>;
  /** Its arguments that are functions: argument name to index in `EncodedStage.functions`. */
  readonly fns: Readonly<Record<string, number>>;
  /** Parents' ids (each listed earlier in `EncodedStage.nodes`). */
  readonly parents: readonly number[];
  /** How each parent is read. */
  readonly deps: readonly Dependency[];
  /** The partition count, resolved by the driver (null in a template not yet resolved). */
  readonly numPartitions: number | null;
  /** An input: its partitions are fed to the stage from outside (args and fns empty, no parents). */
  readonly input?: true;
}

/** An accumulator a function captured: its zero and, for a custom param, the param's functions. */
export interface EncodedAccumulator {
  readonly id: number;
  readonly zero: unknown;
  readonly param: { readonly zero: number; readonly addInPlace: number };
}

/** A broadcast a function captured; its value inline, or sent apart (worker threads keep one copy each). */
export interface EncodedBroadcast {
  readonly id: number;
  readonly value?: unknown;
  readonly destroyed?: boolean;
}

/** A named fold of lib/exec/folds.ts and its arguments (functions by index in the stage's table). */
export interface EncodedFold {
  readonly name: string;
  readonly args: readonly ({ readonly value: unknown } | { readonly fn: number })[];
}

export interface EncodedStage {
  readonly format: typeof STAGE_FORMAT;
  /** The nodes, parents first: the stage's inputs, what it computes, and its output last. */
  readonly nodes: readonly EncodedNode[];
  /** The node whose partitions a task computes (for a shuffle's map task, the shuffle node). */
  readonly output: number;
  readonly functions: readonly EncodedFunction[];
  readonly broadcasts: readonly EncodedBroadcast[];
  readonly accumulators: readonly EncodedAccumulator[];
  /** File sources' listings (node id, listing), as the driver resolved them. */
  readonly listings: readonly (readonly [number, unknown])[];
  /** What batch operators prepared for the job (node id, value): zipWithIndex's offsets; a sort's range bounds on Spark. */
  readonly prepared: readonly (readonly [number, unknown])[];
  /** The Context's options for file sources. */
  readonly io: IoOptions;
}

/** Why something cannot travel; the message reads after the operator's name (`map[3] captures ...`). */
export class Unshippable extends Error {}

function kindOf(v: unknown): string {
  if (typeof v === 'function') return 'a function';
  if (typeof v === 'symbol') return 'a symbol';
  if (typeof v === 'object' && v !== null) return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}

/** Builds one stage's function table, broadcasts and accumulators while its nodes are encoded. */
export class StageEncoder {
  readonly functions: EncodedFunction[] = [];
  readonly broadcasts = new Map<number, Broadcast<unknown>>();
  readonly accumulators = new Map<number, Accumulator<unknown>>();
  readonly accumulatorSpecs: EncodedAccumulator[] = [];
  private readonly index = new Map<Function, number>();

  /** A node's arguments split into plain data and functions; throws `Unshippable` naming the node. */
  node(node: PlanNode, numPartitions: number | null): EncodedNode {
    const what = `${node.op}[${node.id}]`;
    const args: Record<string, unknown> = {};
    const fns: Record<string, number> = {};
    try {
      for (const [k, v] of Object.entries(node.args)) {
        if (typeof v === 'function') fns[k] = this.fn(v);
        else if (v === undefined || clonesFaithfully(v)) args[k] = v;
        else throw new Unshippable(`gets ${kindOf(v)}, which structured clone would not keep`);
      }
    } catch (e) {
      if (e instanceof Unshippable) throw new Unshippable(`${what} ${e.message}`);
      throw e;
    }
    return {
      id: node.id,
      op: node.op,
      args,
      fns,
      parents: node.parents.map((p) => p.id),
      deps: node.deps,
      numPartitions,
    };
  }

  /** A node whose partitions are fed from outside the stage. */
  input(node: PlanNode, numPartitions: number | null): EncodedNode {
    return { id: node.id, op: node.op, args: {}, fns: {}, parents: [], deps: [], numPartitions, input: true };
  }

  /** A fold's arguments: functions into the table, the rest as values. */
  fold(name: string, args: readonly unknown[]): EncodedFold {
    try {
      return {
        name,
        args: args.map((a) => {
          if (typeof a === 'function') return { fn: this.fn(a) };
          if (a !== undefined && !clonesFaithfully(a))
            throw new Unshippable(`gets ${kindOf(a)}, which structured clone would not keep`);
          return { value: a };
        }),
      };
    } catch (e) {
      if (e instanceof Unshippable) throw new Unshippable(`${name} ${e.message}`);
      throw e;
    }
  }

  /** A function's index in the table, its captures encoded; throws `Unshippable` with the reason. */
  fn(fn: Function): number {
    const known = this.index.get(fn);
    if (known !== undefined) return known;
    const s = shipping(fn);
    if (!s.ok) throw new Unshippable(s.reason);
    const i = this.functions.length;
    // Listed before its captures are encoded: a recursive helper refers to its own index.
    this.index.set(fn, i);
    const entry = { source: s.source, captures: [] as EncodedCapture[] };
    this.functions.push(entry);
    try {
      for (const c of s.captures) entry.captures.push(this.capture(c.name, c.value));
    } catch (e) {
      // Nothing of a function that cannot travel stays in the table.
      for (const [f, j] of this.index) if (j >= i) this.index.delete(f);
      this.functions.length = i;
      throw e;
    }
    return i;
  }

  private capture(name: string, value: unknown): EncodedCapture {
    if (value instanceof Broadcast) {
      if (!value.isDestroyed && !clonesFaithfully(value.value))
        throw new Unshippable(`captures broadcast '${name}' holding ${kindOf(value.value)}`);
      this.broadcasts.set(value._id, value);
      return { name, kind: 'broadcast', id: value._id };
    }
    if (value instanceof Accumulator) {
      if (!this.accumulators.has(value._id)) {
        this.accumulatorSpecs.push(this.accumulator(value, name));
        this.accumulators.set(value._id, value);
      }
      return { name, kind: 'accumulator', id: value._id };
    }
    const builtin = builtinOf(value);
    if (builtin !== undefined) return { name, kind: 'builtin', ...builtin };
    if (typeof value === 'function') {
      try {
        return { name, kind: 'function', fn: this.fn(value) };
      } catch (e) {
        if (e instanceof Unshippable)
          throw new Unshippable(`captures '${name}', a function that ${e.message}`);
        throw e;
      }
    }
    if (value === undefined || clonesFaithfully(value)) return { name, kind: 'value', value };
    throw new Unshippable(
      `captures '${name}' holding ${kindOf(value)}, which structured clone would not keep`,
    );
  }

  private accumulator(acc: Accumulator<unknown>, name: string): EncodedAccumulator {
    const { zero, addInPlace } = acc._param as { zero?: unknown; addInPlace?: unknown };
    const unshippable = (why: string) => new Unshippable(`captures accumulator '${name}' ${why}`);
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
      return { id: acc._id, zero: start, param: { zero: this.fn(zero), addInPlace: this.fn(addInPlace) } };
    } catch (e) {
      if (e instanceof Unshippable) throw unshippable(`whose param's function ${e.message}`);
      throw e;
    }
  }

  /** The broadcasts the stage reads, without their values (sent apart) or with them (inline). */
  encodedBroadcasts(inline: boolean): EncodedBroadcast[] {
    return [...this.broadcasts.values()].map((b) =>
      inline
        ? { id: b._id, value: b.isDestroyed ? undefined : b.value, destroyed: b.isDestroyed }
        : { id: b._id },
    );
  }
}
