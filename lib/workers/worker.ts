/**
 * A worker thread's side: it rebuilds each job's RDDs by replaying the
 * driver's calls on a Context of its own (same ids, functions rebuilt from
 * source), computes the partitions it is asked for with the same executor
 * code as the main thread, and reads shuffle outputs, cached partitions and
 * parallelized data from the main thread when a task needs them.
 */
import { parentPort } from 'node:worker_threads';
import { Accumulator, type AccumulatorParam } from '../accumulator.js';
import { Broadcast } from '../broadcast.js';
import { Context } from '../context.js';
import { InternalError } from '../errors.js';
import { computePartition, openPartition } from '../exec/compute.js';
import { foldHere, Job } from '../exec/job.js';
import { directRouter, mapTask } from '../exec/shuffle.js';
import { ioCounters } from '../io/util.js';
import '../index.js';
import { type PlanNode, parentsOf, type ShuffleNode } from '../plan/nodes.js';
import type { Partitioner } from '../plan/partitioner.js';
import { RDD } from '../rdd.js';
import { rebuild } from './closure.js';
import type { AccumulatorSpec, Arg, FnSpec, PartitionerSpec, Step } from './lineage.js';
import {
  cloneError,
  clonesFaithfully,
  type FromWorker,
  fromWire,
  type IoDelta,
  type ToWorker,
  toWire,
} from './protocol.js';

const port = parentPort;
if (port === null) throw new InternalError('lib/workers/worker.ts runs in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);

/** A twin of each main-thread Context that sent jobs here. */
const contexts = new Map<number, Context>();
const broadcasts = new Map<number, Broadcast<unknown>>();
let nextReq = 0;

/** What a worker holds for one job of the main thread. */
class JobState {
  readonly rdds = new Map<number, RDD<unknown>>();
  readonly nodes = new Map<number, PlanNode>();
  readonly fnSpecs: FnSpec[] = [];
  readonly fns: (Function | undefined)[] = [];
  readonly accumulators = new Map<number, { acc: Accumulator<unknown>; zero: unknown }>();
  readonly remote = new Set<number>();
  readonly job: Job;
  readonly pulls = new Map<number, { resolve: (b: unknown[][]) => void; reject: (e: unknown) => void }>();

  constructor(
    readonly id: number,
    readonly context: Context,
  ) {
    this.job = new Job(context._runtime);
    this.job.remote = {
      has: (nodeId) => this.remote.has(nodeId),
      open: (node, partition) => this.pull(node, partition),
    };
  }

  private async *pull(node: PlanNode, partition: number): AsyncGenerator<unknown[]> {
    const req = nextReq++;
    const batches = await new Promise<unknown[][]>((resolve, reject) => {
      this.pulls.set(req, { resolve, reject });
      post({ type: 'pull', job: this.id, req, node: node.id, partition });
    });
    yield* batches;
  }

  fn(i: number): Function {
    let f = this.fns[i];
    if (f === undefined) {
      const spec = this.fnSpecs[i];
      if (spec === undefined) throw new InternalError(`function ${i} was not sent`);
      const bindings: Record<string, unknown> = {};
      for (const c of spec.captures)
        bindings[c.name] = c.kind === 'broadcast' ? broadcasts.get(c.id) : this.accumulators.get(c.id)?.acc;
      f = rebuild(spec.source, bindings);
      this.fns[i] = f;
    }
    return f;
  }

  decode(a: Arg): unknown {
    switch (a.t) {
      case 'v':
        return a.v;
      case 'fn':
        return this.fn(a.i);
      case 'rdd':
        return this.rdd(a.id);
      case 'arr':
        return a.a.map((x) => this.decode(x));
      case 'obj': {
        const o: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(a.o)) o[k] = this.decode(x);
        return o;
      }
    }
  }

  rdd(id: number): RDD<unknown> {
    const r = this.rdds.get(id);
    if (r === undefined) throw new InternalError(`RDD ${id} was not replayed`);
    return r;
  }

  node(id: number): PlanNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new InternalError(`node ${id} was not replayed`);
    return n;
  }

  private index(node: PlanNode): void {
    if (this.nodes.has(node.id)) return;
    this.nodes.set(node.id, node);
    for (const p of parentsOf(node)) this.index(p);
  }

  private partitioner(p: PartitionerSpec | null): Partitioner | undefined {
    if (p === null) return undefined;
    if (p.kind !== 'custom') return p;
    const fn =
      p.fn === null
        ? () => {
            throw new InternalError('this partition function was not shipped');
          }
        : (this.fn(p.fn) as (key: unknown) => number);
    return { kind: 'custom', numPartitions: p.numPartitions, fn };
  }

  replay(step: Step): void {
    const context = this.context;
    let out: RDD<unknown>;
    if (step.kind === 'stub') {
      context._setNextId(step.id);
      out = new RDD(context, {
        kind: 'source',
        id: context._newId(),
        label: step.label,
        attrs: [],
        partitioner: this.partitioner(step.partitioner),
        source: {
          knownPartitions: step.knownPartitions ?? undefined,
          partitions: async () => {
            throw new InternalError(`${step.label}[${step.id}] is computed on the main thread`);
          },
          open: () => {
            throw new InternalError(`${step.label}[${step.id}] is computed on the main thread`);
          },
        },
      });
    } else {
      context._setNextId(step.firstId);
      const target: unknown = step.target === null ? context : this.rdd(step.target);
      const method = (target as Record<string, unknown>)[step.method];
      if (typeof method !== 'function') throw new InternalError(`no method ${step.method} to replay`);
      const made = method.apply(
        target,
        step.args.map((a) => this.decode(a)),
      ) as unknown;
      out = (step.pick === undefined ? made : (made as unknown[])[step.pick]) as RDD<unknown>;
      if (!(out instanceof RDD) || out._node.id !== step.id)
        throw new InternalError(
          `replaying ${step.method} made RDD ${String((out as RDD<unknown>)?._node?.id)}, not ${step.id}`,
        );
    }
    this.rdds.set(step.id, out);
    this.index(out._node);
  }

  addAccumulator(spec: AccumulatorSpec): void {
    const param: AccumulatorParam<unknown> = {
      zero: this.fn(spec.param.zero) as (v: unknown) => unknown,
      addInPlace: this.fn(spec.param.addInPlace) as (a: unknown, b: unknown) => unknown,
    };
    this.accumulators.set(spec.id, {
      acc: new Accumulator(structuredClone(spec.zero), param),
      zero: spec.zero,
    });
  }

  /** What was added to each accumulator since the last report; they start again from zero. */
  takeAccumulators(): [number, unknown][] {
    const out: [number, unknown][] = [];
    for (const [id, { acc, zero }] of this.accumulators) {
      out.push([id, acc.value]);
      acc.value = structuredClone(zero);
    }
    return out;
  }
}

const jobs = new Map<number, JobState>();

/** The file counters' change since the last report. */
const reported = { opened: 0, closed: 0, bytesRead: 0 };
function ioDelta(): IoDelta {
  const d = {
    opened: ioCounters.opened - reported.opened,
    closed: ioCounters.closed - reported.closed,
    bytesRead: ioCounters.bytesRead - reported.bytesRead,
  };
  Object.assign(reported, ioCounters);
  return d;
}
/** Open tasks: acknowledgements they wait for, and whether they were cancelled. */
const streams = new Map<number, { credit: number; wake: (() => void) | undefined; cancelled: boolean }>();
/** Batches an `open` task may send before the main thread has taken them. */
const WINDOW = 4;

async function runTask(m: ToWorker & { type: 'task' }): Promise<void> {
  let context = contexts.get(m.context);
  if (context === undefined) {
    if (m.options === undefined) throw new InternalError(`context ${m.context} was not sent`);
    contexts.set(m.context, (context = new Context({ ...m.options, workers: 0 })));
  }
  let state = jobs.get(m.job);
  if (state === undefined) jobs.set(m.job, (state = new JobState(m.job, context)));
  for (const b of m.broadcasts) {
    const bc = new Broadcast(b.value);
    if (b.destroyed) bc.destroy();
    broadcasts.set(b.id, bc);
  }
  state.fnSpecs.push(...m.fns);
  for (const a of m.accumulators) state.addAccumulator(a);
  for (const s of m.steps) state.replay(s);
  for (const id of m.remote) state.remote.add(id);
  for (const [id, n] of m.counts) {
    const node = state.nodes.get(id);
    if (node !== undefined && !context._runtime.partitionCounts.has(node))
      context._runtime.partitionCounts.set(node, Promise.resolve(n));
  }
  for (const [id, listing] of m.listings) {
    const source = state.nodes.get(id);
    if (source?.kind !== 'source' || source.source.listing === undefined)
      throw new InternalError(`node ${id} has no listing to adopt`);
    source.source.listing.adopt(listing);
  }
  const node = state.node(m.node);
  const job = state.job;
  const what = m.what;
  let result: unknown;
  if (what.kind === 'fold') {
    result = await foldHere(job, node, m.partition, {
      name: what.name,
      args: what.args.map((a) => state.decode(a)),
    });
  } else if (what.kind === 'map') {
    const shuffle = node as ShuffleNode;
    const route = directRouter(shuffle, what.n);
    if (route === null) throw new InternalError('a range shuffle has no map task on workers');
    const parent = shuffle.parents[what.parentIndex] as PlanNode;
    result = await mapTask(shuffle, what.parentIndex, parent, m.partition, job, route);
  } else {
    const stream = { credit: WINDOW, wake: undefined as (() => void) | undefined, cancelled: false };
    streams.set(m.task, stream);
    try {
      // A node the main thread holds, sent here as a task: the main thread wants it computed for its cache.
      const batches = state.remote.has(node.id)
        ? computePartition(node, m.partition, job)
        : openPartition(node, m.partition, job);
      for await (const batch of batches) {
        if (stream.cancelled) break;
        while (stream.credit === 0 && !stream.cancelled)
          await new Promise<void>((resolve) => {
            stream.wake = resolve;
          });
        if (stream.cancelled) break;
        stream.credit--;
        for (let i = 0; i < batch.length; i++)
          if (!clonesFaithfully(batch[i])) throw cloneError(`partition ${m.partition}`, batch[i]);
        post({ type: 'batch', task: m.task, batch });
      }
    } finally {
      streams.delete(m.task);
    }
  }
  if (!clonesFaithfully(result)) throw cloneError(`the result of partition ${m.partition}`, result);
  post({ type: 'done', task: m.task, result, accumulators: state.takeAccumulators(), io: ioDelta() });
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'task':
      // What a failed task added to accumulators stays until another task of the job reports it.
      runTask(m).catch((e: unknown) => {
        try {
          post({ type: 'failed', task: m.task, error: toWire(e), io: ioDelta() });
        } catch (e2) {
          post({ type: 'failed', task: m.task, error: toWire(new Error(String(e2))), io: ioDelta() });
        }
      });
      return;
    case 'pulled': {
      for (const state of jobs.values()) {
        const p = state.pulls.get(m.req);
        if (p === undefined) continue;
        state.pulls.delete(m.req);
        if (m.error !== undefined) p.reject(fromWire(m.error));
        else p.resolve(m.batches ?? []);
        return;
      }
      return;
    }
    case 'ack': {
      const s = streams.get(m.task);
      if (s === undefined) return;
      s.credit++;
      s.wake?.();
      s.wake = undefined;
      return;
    }
    case 'cancel': {
      const s = streams.get(m.task);
      if (s === undefined) return;
      s.cancelled = true;
      s.wake?.();
      return;
    }
    case 'end-context':
      contexts.delete(m.context);
      return;
    case 'drop-broadcast':
      broadcasts.delete(m.id);
      return;
    case 'end-job': {
      const state = jobs.get(m.job);
      if (state === undefined) return;
      jobs.delete(m.job);
      state.job.abort(new Error('the job ended'));
      for (const p of state.pulls.values()) p.reject(new Error('the job ended'));
      state.job.end();
      return;
    }
  }
});
