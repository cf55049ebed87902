/**
 * Running an encoded stage (encode.ts; format in docs/encoded-stage.md)
 * outside the driver: in a worker thread, or in a plain `node` process on a
 * Spark executor. The stage is decoded into plan nodes once — operators
 * looked up in the registry, functions rebuilt from their source with their
 * captures bound — and its tasks run with the same executor code as the
 * driver's (lib/exec): fused loops, map-side combining, folds. Given a
 * partition index and the records of the stage's inputs, a task gives the
 * output partition's records, a fold's result, or a hash shuffle's buckets.
 */
import { Accumulator, type AccumulatorParam } from '../accumulator.js';
import { Broadcast } from '../broadcast.js';
import { InternalError } from '../errors.js';
import type { MapOutput } from '../exec/executor.js';
import { FOLDS, type FoldName } from '../exec/folds.js';
import { foldHere, Job } from '../exec/job.js';
import { MemoryBudget } from '../exec/memory.js';
import { openPartition } from '../exec/open.js';
import { DEFAULT_RETRIES, Runtime } from '../exec/runtime.js';
import { directRouter, mapTask } from '../exec/shuffle.js';
import { rangeMapTask, rangeSampleTask } from '../exec/sort-shuffle.js';
import { isOp, OPS } from '../ops/registry.js';
import type { OpDef } from '../ops/types.js';
import { freezeNode, type OpArgs, type PlanNode } from '../plan/nodes.js';
import { loadBuiltin } from './builtins.js';
import { rebuild } from './closure.js';
import type { EncodedAccumulator, EncodedCapture, EncodedFold, EncodedStage } from './encode.js';
import { STAGE_FORMAT } from './encode.js';

/**
 * The accumulators a stage's functions add to, by id. Worker threads keep
 * one table per job, so that the stages of a job add to the same ones.
 */
export class AccumulatorTable {
  private readonly table = new Map<number, { readonly acc: Accumulator<unknown>; readonly zero: unknown }>();

  /** The local accumulator for `spec`, made on first use with the param's rebuilt functions. */
  bind(spec: EncodedAccumulator, fn: (index: number) => Function): Accumulator<unknown> {
    let entry = this.table.get(spec.id);
    if (entry === undefined) {
      const param: AccumulatorParam<unknown> = {
        zero: fn(spec.param.zero) as (v: unknown) => unknown,
        addInPlace: fn(spec.param.addInPlace) as (a: unknown, b: unknown) => unknown,
      };
      entry = { acc: new Accumulator(structuredClone(spec.zero), param), zero: spec.zero };
      this.table.set(spec.id, entry);
    }
    return entry.acc;
  }

  /** What was added to each accumulator since the last call (id, value); they start again from zero. */
  take(): [number, unknown][] {
    const out: [number, unknown][] = [];
    for (const [id, { acc, zero }] of this.table) {
      out.push([id, acc.value]);
      acc.value = structuredClone(zero);
    }
    return out;
  }
}

export interface RunnerOptions {
  /** A partition of one of the stage's input nodes, fed from outside (the driver, Spark's input split). */
  readonly input?: (node: PlanNode, partition: number) => AsyncIterable<unknown[]>;
  /**
   * A hash shuffle computed by the stage (its reduce side, then what follows
   * it): the records the map tasks routed to `partition` from the shuffle's
   * parent `parentIndex`, in map order. Given by the shuffle's transport (a
   * Spark executor's reduce task); the stage merges them.
   */
  readonly shuffleRead?: (
    node: PlanNode,
    parentIndex: number,
    partition: number,
  ) => Promise<[unknown, unknown][]>;
  /** A broadcast whose value is not inline in the stage (worker threads keep one copy each). */
  readonly broadcast?: (id: number) => Broadcast<unknown> | undefined;
  /** Where the functions' accumulator updates go (default: a table of the runner's own). */
  readonly accumulators?: AccumulatorTable;
  /** Cancels the runner's tasks. */
  readonly signal?: AbortSignal;
  /** How many partitions a task may read at once (default 2). */
  readonly concurrency?: number;
  /** The Context's memory budget, in MiB (default: a share of this thread's heap limit). */
  readonly memoryLimitMb?: number;
  /** Hears what the stage's sources read (node id, elements, stored bytes), a batch at a time: progress reports. */
  readonly onInput?: (nodeId: number, records: number, bytes: number) => void;
}

/** A decoded stage, ready to run tasks over its output node. */
export class StageRunner {
  readonly nodes: ReadonlyMap<number, PlanNode>;
  readonly output: PlanNode;
  readonly accumulators: AccumulatorTable;
  private readonly job: Job;
  private readonly built: (Function | undefined)[] = [];
  private readonly broadcasts = new Map<number, Broadcast<unknown>>();

  constructor(
    private readonly stage: EncodedStage,
    private readonly options: RunnerOptions = {},
  ) {
    if (stage.format !== STAGE_FORMAT)
      throw new InternalError(`not an encoded stage of format ${STAGE_FORMAT}: ${String(stage.format)}`);
    this.accumulators = options.accumulators ?? new AccumulatorTable();
    for (const b of stage.broadcasts)
      if ('value' in b || b.destroyed === true) {
        const bc = new Broadcast(b.value);
        if (b.destroyed === true) bc.destroy();
        this.broadcasts.set(b.id, bc);
      }
    const nodes = new Map<number, PlanNode>();
    const inputs = new Set<number>();
    for (const n of stage.nodes) {
      if (!isOp(n.op)) throw new InternalError(`the stage names an unknown operator ${n.op}`);
      const def = OPS[n.op] as OpDef;
      if (n.numPartitions === null)
        throw new InternalError(`${n.op}[${n.id}]'s partition count was not resolved`);
      const args: Record<string, unknown> = { ...n.args };
      for (const [k, i] of Object.entries(n.fns)) args[k] = this.fn(i);
      const parents = n.parents.map((id) => {
        const p = nodes.get(id);
        if (p === undefined) throw new InternalError(`${n.op}[${n.id}]'s parent ${id} is not in the stage`);
        return p;
      });
      if (n.input === true) inputs.add(n.id);
      const route =
        def.kind === 'shuffle' && n.input !== true ? def.route(args, n.numPartitions, n.id) : undefined;
      nodes.set(
        n.id,
        freezeNode({
          id: n.id,
          op: n.op,
          kind: def.kind,
          args: args as OpArgs,
          parents,
          deps: n.deps,
          partitioner: undefined,
          ...(route === undefined ? {} : { route }),
          numPartitions: n.numPartitions,
          attrs: [],
        }),
      );
    }
    const output = nodes.get(stage.output);
    if (output === undefined)
      throw new InternalError(`the stage's output ${stage.output} is not among its nodes`);
    this.nodes = nodes;
    this.output = output;
    const runtime = new Runtime(
      options.concurrency ?? 2,
      DEFAULT_RETRIES,
      stage.io,
      new MemoryBudget(options.memoryLimitMb),
    );
    const onInput = options.onInput;
    if (onInput !== undefined)
      runtime.listeners.add({
        inputRead: (_job, _stage, nodeId, records, bytes) => onInput(nodeId, records, bytes),
      });
    this.job = new Job(runtime, options.signal);
    const input = options.input;
    this.job.remote = {
      has: (id) => inputs.has(id),
      open: (node, partition) => {
        if (input === undefined) throw new InternalError(`no input given for ${node.op}[${node.id}]`);
        return input(node, partition);
      },
    };
    this.job.facts = { listings: new Map(stage.listings), prepared: new Map(stage.prepared) };
    this.job.shuffleRead = options.shuffleRead;
  }

  /** Function `i` of the stage, rebuilt once; a capture of a function still being rebuilt (recursion) calls it late. */
  private fn(i: number): Function {
    const done = this.built[i];
    if (done !== undefined) return done;
    const spec = this.stage.functions[i];
    if (spec === undefined) throw new InternalError(`the stage has no function ${i}`);
    const built = this.built;
    // Until it is built: a stand-in that calls it (a helper that refers to itself, or two that refer to each other).
    const late = function (this: unknown, ...args: unknown[]): unknown {
      return (built[i] as Function).apply(this, args);
    };
    built[i] = late;
    const bindings: Record<string, unknown> = {};
    for (const c of spec.captures) bindings[c.name] = this.capture(c);
    const f = rebuild(spec.source, bindings);
    built[i] = f;
    return f;
  }

  private capture(c: EncodedCapture): unknown {
    switch (c.kind) {
      case 'value':
        return c.value;
      case 'function':
        return this.fn(c.fn);
      case 'builtin':
        return loadBuiltin(c);
      case 'broadcast': {
        const b = this.broadcasts.get(c.id) ?? this.options.broadcast?.(c.id);
        if (b === undefined) throw new InternalError(`broadcast ${c.id} was not sent`);
        return b;
      }
      case 'accumulator': {
        const spec = this.stage.accumulators.find((a) => a.id === c.id);
        if (spec === undefined) throw new InternalError(`accumulator ${c.id} was not sent`);
        return this.accumulators.bind(spec, (j) => this.fn(j));
      }
    }
  }

  /** The output node's partition, as batches of records. */
  open(partition: number): AsyncIterable<unknown[]> {
    return openPartition(this.output, partition, this.job);
  }

  /** The output node's partition folded by a named fold (lib/exec/folds.ts): `count`, `sum`, `collect`, `fold`, `reduce`. */
  async fold(partition: number, fold: EncodedFold): Promise<unknown> {
    if (!(fold.name in FOLDS)) throw new InternalError(`no fold ${fold.name}`);
    const args = fold.args.map((a) => ('fn' in a ? this.fn(a.fn) : a.value));
    return foldHere(this.job, this.output, partition, { name: fold.name as FoldName, args });
  }

  /**
   * A hash shuffle's map task: the output node is the shuffle; its parent
   * `parentIndex`'s partition is combined map-side (when the operator
   * combines) and routed by the shuffle's partitioner to the `n` reduce
   * partitions: the `[key, value]` pairs of each reduce partition that gets
   * any (`partitions[i]` gets `buckets[i]`).
   */
  map(partition: number, parentIndex: number, n: number): Promise<MapOutput> {
    const shuffle = this.output;
    // A sort routes by the bounds the driver sampled, sent with the stage.
    if (shuffle.route?.kind === 'range')
      return rangeMapTask(shuffle, partition, this.bounds(shuffle), this.job);
    const route = shuffle.kind === 'shuffle' ? directRouter(shuffle, n) : null;
    if (route === null) throw new InternalError(`${shuffle.op}[${shuffle.id}] is not a hash shuffle`);
    const parent = shuffle.parents[parentIndex];
    if (parent === undefined)
      throw new InternalError(`${shuffle.op}[${shuffle.id}] has no parent ${parentIndex}`);
    return mapTask(shuffle, parentIndex, parent, partition, this.job, route);
  }

  /** A sort's map task's sample: the sort keys of every `stride`-th element of the parent's partition. */
  sample(partition: number, stride: number): Promise<unknown[]> {
    const shuffle = this.output;
    if (shuffle.route?.kind !== 'range')
      throw new InternalError(`${shuffle.op}[${shuffle.id}] is not a sort`);
    return rangeSampleTask(shuffle, partition, stride, this.job);
  }

  /** The range bounds of a sort, sent with the stage (its `prepared` entry). */
  private bounds(shuffle: PlanNode): unknown[] {
    const b = this.stage.prepared.find(([id]) => id === shuffle.id)?.[1];
    if (!Array.isArray(b))
      throw new InternalError(`${shuffle.op}[${shuffle.id}]'s range bounds were not sent`);
    return b;
  }

  /** Ends the runner's job (its inputs are closed). */
  end(): void {
    this.job.end();
  }
}

/** What a task of an encoded stage does with the output node's partition. */
export type StageTask =
  /** Its records. */
  | { readonly kind: 'records' }
  /** Folded by a named fold: one result. */
  | { readonly kind: 'fold'; readonly fold: EncodedFold }
  /** A hash shuffle's map task over the shuffle's parent `parentIndex`: its pairs by reduce partition (of `numPartitions`). */
  | { readonly kind: 'map'; readonly parentIndex: number; readonly numPartitions: number };

/**
 * Runs one task of an encoded stage, standalone: what a Node process on a
 * Spark executor calls. `input` gives the partitions of the stage's input
 * nodes (for a stage reading a text file fed as lines: the split's lines).
 * Returns the task's result — the records, the fold's result, or the
 * buckets — and what its functions added to accumulators.
 * @example
 * const stage = { format: 'sparkling-stage/1', output: 1, functions: [{ source: '(x) => x * k', captures: [{ name: 'k', kind: 'value', value: 3 }] }],
 *   nodes: [{ id: 0, op: 'parallelize', args: {}, fns: {}, parents: [], deps: [], numPartitions: 1, input: true },
 *           { id: 1, op: 'map', args: {}, fns: { f: 0 }, parents: [0], deps: ['narrow'], numPartitions: 1 }],
 *   broadcasts: [], accumulators: [], listings: [], prepared: [], io: {} };
 * (await runEncodedStage(stage, 0, { kind: 'records' }, async function* () { yield [1, 2]; })).result;
 * // => [3, 6]
 */
export async function runEncodedStage(
  stage: EncodedStage,
  partition: number,
  task: StageTask,
  input?: (node: PlanNode, partition: number) => AsyncIterable<unknown[]>,
  options: Omit<RunnerOptions, 'input'> = {},
): Promise<{ result: unknown; accumulators: [number, unknown][] }> {
  const runner = new StageRunner(stage, { ...options, ...(input === undefined ? {} : { input }) });
  try {
    let result: unknown;
    if (task.kind === 'records') {
      const all: unknown[] = [];
      for await (const b of runner.open(partition)) for (let i = 0; i < b.length; i++) all.push(b[i]);
      result = all;
    } else if (task.kind === 'fold') result = await runner.fold(partition, task.fold);
    else result = await runner.map(partition, task.parentIndex, task.numPartitions);
    return { result, accumulators: runner.accumulators.take() };
  } finally {
    runner.end();
  }
}
