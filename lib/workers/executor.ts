/**
 * The worker-thread executor (the main thread's side). A task runs on a
 * worker when every node of its stage can be rebuilt there (see
 * lineage.ts); its stage's inputs that live on the main thread (shuffle
 * outputs, cached partitions, parallelized data) are pulled by the worker.
 * Workers start on the first task, are held (ref'd) only while they run
 * tasks, so they never keep the process alive, and end with `sc.stop()`.
 * A worker that dies fails its tasks with a TaskError and is replaced on the
 * next task.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { broadcastCopies } from '../broadcast.js';
import type { Context, ContextOptions } from '../context.js';
import { ArgumentError, SparklingError, TaskError } from '../errors.js';
import { drainPartition, openPartition } from '../exec/compute.js';
import type { Executor } from '../exec/executor.js';
import { abortError } from '../exec/failures.js';
import { type NamedFold, startFold } from '../exec/folds.js';
import type { Job } from '../exec/job.js';
import { directRouter, mapTask } from '../exec/shuffle.js';
import { ioCounters } from '../io/util.js';
import { type PlanNode, parentsOf, type ShuffleNode } from '../plan/nodes.js';
import { cutStages } from '../plan/stages.js';
import { Encoder, Unshippable } from './lineage.js';
import {
  cloneError,
  clonesFaithfully,
  type FromWorker,
  fromWire,
  type TaskKind,
  type ToWorker,
  toWire,
} from './protocol.js';

/** Where a stage runs: on workers (reading `remote` nodes from the main thread), or here and why. */
export interface Placement {
  readonly problem: string | undefined;
  /** Nodes the stage reads from the main thread. */
  readonly remote: readonly PlanNode[];
  /** The stage's nodes (their partition counts are sent along). */
  readonly nodes: readonly PlanNode[];
}

/**
 * The stage computing `node`: its nodes down to shuffles, cached RDDs and
 * parallelized data (read from the main thread), and the first reason one
 * of them cannot run on a worker.
 */
export function placement(
  encoder: Encoder,
  isPersisted: (id: number) => boolean,
  node: PlanNode,
  computeCached = false,
): Placement {
  encoder.add(node);
  const remote: PlanNode[] = [];
  const nodes: PlanNode[] = [];
  let problem: string | undefined;
  const seen = new Set<number>();
  const walk = (n: PlanNode, isOutput: boolean): void => {
    if (problem !== undefined || seen.has(n.id)) return;
    seen.add(n.id);
    if ((!isOutput || !computeCached) && isPersisted(n.id)) {
      if (isOutput) problem = `${n.label}[${n.id}] is cached on the main thread`;
      else remote.push(n);
      return;
    }
    if (n.kind === 'shuffle') {
      if (isOutput) problem = `${n.label}[${n.id}] merges its shuffle on the main thread`;
      else remote.push(n);
      return;
    }
    if (n.kind === 'source' && n.label === 'parallelize') {
      if (isOutput) problem = `${n.label}[${n.id}] holds its data on the main thread`;
      else remote.push(n);
      return;
    }
    problem = encoder.problems.get(n.id);
    if (problem !== undefined) return;
    nodes.push(n);
    for (const p of parentsOf(n)) walk(p, false);
  };
  walk(node, true);
  return { problem, remote, nodes };
}

/** Where the map side of `shuffle` over `parent` runs (`undefined`: on workers). */
export function mapSideProblem(
  encoder: Encoder,
  isPersisted: (id: number) => boolean,
  shuffle: ShuffleNode,
  parent: PlanNode,
): string | undefined {
  encoder.add(shuffle);
  // A sort's map side: the parent's pipeline runs on workers, its records come back for sampling and routing.
  if (shuffle.route.kind === 'range') return placement(encoder, isPersisted, parent).problem;
  return encoder.problems.get(shuffle.id) ?? placement(encoder, isPersisted, parent).problem;
}

/** What the stages of a plan run on, for explain(): stage output node id to `executor=...`. */
export function describeStages(context: Context, root: PlanNode): Map<number, string> {
  const encoder = new Encoder(context);
  const isPersisted = (id: number) => context._runtime.isPersisted(id);
  const out = new Map<number, string>();
  const say = (problem: string | undefined) =>
    problem === undefined ? 'executor=workers' : `executor=main reason="${problem}"`;
  const graph = cutStages(root, isPersisted);
  out.set(root.id, say(placement(encoder, isPersisted, root).problem));
  for (const stage of graph.stages)
    for (const read of stage.shuffles) {
      const parent = read.from.output;
      if (!out.has(parent.id))
        out.set(parent.id, say(mapSideProblem(encoder, isPersisted, read.node as ShuffleNode, parent)));
    }
  return out;
}

interface Task {
  /** The id and worker of the current attempt (a task whose worker died is sent once more). */
  id: number;
  slot: Slot;
  /** Attempts lost with a dead worker; batches handed on so far (a task that streamed some is not sent again). */
  crashes: number;
  batches: number;
  /** Sends the task to its current worker. */
  send: () => void;
  readonly state: JobState;
  readonly node: PlanNode;
  readonly partition: number;
  readonly resolve: (result: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly onBatch?: (batch: unknown[]) => void;
}

/** One worker thread and what it has been sent. */
interface Slot {
  readonly index: number;
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
  readonly broadcasts: Set<number>;
  /** Contexts whose options it has. */
  readonly contexts: Set<number>;
  /** Per job: how many steps, functions and accumulators it has, and the sources whose listings it has. */
  readonly sent: Map<number, { steps: number; fns: number; accumulators: number; listings: Set<number> }>;
  dead: boolean;
  /** Ends the worker after it has been idle for IDLE_MS. */
  idle: NodeJS.Timeout | undefined;
}

/** What a task's stage needs resolved before it is sent: partition counts and file listings, by node id. */
interface Resolved {
  readonly counts: readonly (readonly [number, number])[];
  readonly listings: readonly (readonly [number, unknown])[];
}

/** What the main thread holds for one job. */
interface JobState {
  readonly executor: WorkerExecutor;
  readonly job: Job;
  readonly encoder: Encoder;
  /** Nodes workers may pull, by id. */
  readonly nodes: Map<number, PlanNode>;
  readonly placements: Map<string, Placement>;
  readonly unlink: () => void;
}

/**
 * A worker's heap is its own, not bounded by the main thread's
 * --max-old-space-size: under a small limit (below 1 GiB) each worker gets
 * half of it and a small young generation (measured: 16 MiB semi-spaces
 * cost about 30 MiB of RSS per worker on a streaming pipeline).
 */
function workerLimits(): {
  resourceLimits?: { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number };
} {
  const limitMiB = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (limitMiB >= 1024) return {};
  return {
    resourceLimits: {
      maxOldGenerationSizeMb: Math.max(32, Math.floor(limitMiB / 2)),
      maxYoungGenerationSizeMb: 8,
    },
  };
}

/** Node flags a worker must keep (how tsx or a loader was registered); others may be refused by Worker. */
function loaderArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (/^--(import|require|loader|experimental-loader|conditions)=/.test(a) || a === '--enable-source-maps')
      out.push(a);
    else if (
      /^(--import|--require|-r|--loader|--experimental-loader|--conditions)$/.test(a) &&
      i + 1 < argv.length
    )
      out.push(a, argv[++i] as string);
  }
  return out;
}

/**
 * The worker's entry. Run from the TypeScript sources (tests, examples under
 * tsx), the worker registers tsx's loader itself first: Node 20 does not
 * apply an `--import` hook to worker threads.
 */
function workerEntry(): { entry: string | URL; eval: boolean } {
  if (!import.meta.url.endsWith('.ts'))
    return { entry: new URL('./worker.js', import.meta.url), eval: false };
  const api = import.meta.resolve('tsx/esm/api');
  const worker = new URL('./worker.ts', import.meta.url).href;
  return {
    entry: `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(worker)}); });`,
    eval: true,
  };
}

/**
 * The worker threads, shared by every Context of the process (a worker
 * starts once, whatever the number of Contexts): a Context with `workers: n`
 * uses the first n. They end when the last Context using them stops.
 */
const slots: (Slot | undefined)[] = [];
const users = new Set<WorkerExecutor>();
let nextTask = 0;
let nextContext = 0;

/** How long a worker may stay idle before it ends (the next task starts a new one). */
const IDLE_MS = 10_000;

// A broadcast unpersisted or destroyed: workers drop their copy, and get it again (or its destruction) with the next task that reads it.
broadcastCopies.release = (id) => {
  for (const slot of slots)
    if (slot !== undefined && !slot.dead && slot.broadcasts.delete(id))
      slot.worker.postMessage({ type: 'drop-broadcast', id } satisfies ToWorker);
};

/** Running jobs of every Context, by job id (a worker's pull names only the job). */
const states = new Map<number, JobState>();

export class WorkerExecutor implements Executor {
  private readonly id = ++nextContext;
  private closed = false;

  /** Private (#): a Context stays plain data for JSON.stringify and the like. */
  readonly #context: Context;

  constructor(
    context: Context,
    readonly size: number,
    readonly strict: boolean,
  ) {
    this.#context = context;
    users.add(this);
  }

  private isPersisted = (id: number): boolean => this.#context._runtime.isPersisted(id);

  private state(job: Job): JobState {
    let st = states.get(job.id);
    if (st === undefined) {
      const onAbort = () => this.abortJob(job);
      job.signal.addEventListener('abort', onAbort, { once: true });
      st = {
        executor: this,
        job,
        encoder: new Encoder(this.#context),
        nodes: new Map(),
        placements: new Map(),
        unlink: () => job.signal.removeEventListener('abort', onAbort),
      };
      states.set(job.id, st);
    }
    return st;
  }

  describe(root: PlanNode): ReadonlyMap<number, string> {
    return describeStages(this.#context, root);
  }

  begin(job: Job, root: PlanNode): void {
    const st = this.state(job);
    if (!this.strict) return;
    st.encoder.add(root);
    const [problem] = st.encoder.problems.values();
    if (problem !== undefined)
      throw new ArgumentError(`workers (strict): ${problem}; pass values through sc.broadcast() instead`);
  }

  end(job: Job): void {
    const st = states.get(job.id);
    if (st === undefined) return;
    states.delete(job.id);
    st.unlink();
    for (const slot of slots)
      if (slot !== undefined && !slot.dead && slot.sent.delete(job.id))
        this.post(slot, { type: 'end-job', job: job.id });
  }

  private place(st: JobState, node: PlanNode, computeCached: boolean): Placement {
    const key = `${node.id}:${computeCached}`;
    let p = st.placements.get(key);
    if (p === undefined) {
      p = placement(st.encoder, this.isPersisted, node, computeCached);
      st.placements.set(key, p);
      for (const r of p.remote) st.nodes.set(r.id, r);
    }
    return p;
  }

  open(
    job: Job,
    node: PlanNode,
    partition: number,
    computeCached = false,
  ): AsyncIterable<unknown[]> | undefined {
    if (this.closed) return undefined;
    const st = this.state(job);
    const p = this.place(st, node, computeCached);
    if (p.problem !== undefined) return undefined;
    return this.stream(st, node, partition, p);
  }

  fold(job: Job, node: PlanNode, partition: number, fold: NamedFold): Promise<unknown> | undefined {
    if (this.closed) return undefined;
    const st = this.state(job);
    const p = this.place(st, node, false);
    if (p.problem !== undefined) return undefined;
    let args: TaskKind & { kind: 'fold' };
    try {
      args = { kind: 'fold', name: fold.name, args: fold.args.map((a) => st.encoder.encode(a, fold.name)) };
    } catch (e) {
      if (e instanceof Unshippable) return undefined;
      throw e;
    }
    return this.run(st, node, partition, args, p).catch((e: unknown) => {
      if (!this.cannotClone(st, node, e)) throw e;
      return (async () => {
        const acc = startFold(fold);
        await drainPartition(node, partition, job, acc.add);
        return acc.result();
      })();
    });
  }

  mapTask(
    job: Job,
    node: ShuffleNode,
    parentIndex: number,
    mapPartition: number,
    n: number,
  ): Promise<[unknown, unknown][][]> | undefined {
    if (this.closed) return undefined;
    const st = this.state(job);
    const parent = node.parents[parentIndex] as PlanNode;
    if (mapSideProblem(st.encoder, this.isPersisted, node, parent) !== undefined) return undefined;
    const p = this.place(st, parent, false);
    return this.run(st, node, mapPartition, { kind: 'map', parentIndex, n }, p).then(
      (buckets) => buckets as [unknown, unknown][][],
      (e: unknown) => {
        if (!this.cannotClone(st, parent, e)) throw e;
        return mapTask(node, parentIndex, parent, mapPartition, job, n, directRouter(node, n) ?? (() => 0));
      },
    );
  }

  /**
   * Whether a task failed because its output cannot cross threads (a class
   * instance a shipped function made, such as a URL): the task then runs
   * here, and so does the rest of the stage in this job.
   */
  private cannotClone(st: JobState, node: PlanNode, e: unknown): boolean {
    if (!(e instanceof Error && e.name === 'DataCloneError')) return false;
    const problem = `${node.label}[${node.id}] makes values structured clone cannot copy (${e.message})`;
    for (const computeCached of [false, true]) {
      const key = `${node.id}:${computeCached}`;
      const p = st.placements.get(key);
      if (p !== undefined) st.placements.set(key, { ...p, problem });
    }
    return true;
  }

  /** This Context's running tasks fail; the workers end once no Context uses them. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    users.delete(this);
    const stopped = new SparklingError('the Context was stopped');
    for (const slot of slots) {
      if (slot === undefined) continue;
      if (slot.contexts.delete(this.id) && !slot.dead)
        this.post(slot, { type: 'end-context', context: this.id });
      for (const t of [...slot.tasks.values()])
        if (t.state.executor === this) {
          slot.tasks.delete(t.id);
          t.reject(stopped);
        }
      this.holdIfBusy(slot);
    }
    if (users.size === 0) for (const slot of slots) if (slot !== undefined) this.retire(slot, stopped);
  }

  // ------------------------------------------------------------ tasks

  private async run(
    st: JobState,
    node: PlanNode,
    partition: number,
    what: TaskKind,
    p: Placement,
  ): Promise<unknown> {
    const resolved = await this.resolved(st, node, p);
    if (st.job.signal.aborted) throw abortError(st.job.signal);
    return new Promise((resolve, reject) => {
      this.dispatch(st, node, partition, what, p, resolved, { resolve, reject });
    });
  }

  /**
   * Partition counts of the stage's nodes and inputs, and its file sources'
   * listings, resolved here: a worker needs no I/O for them, and reads the
   * partitions planned here.
   */
  private async resolved(st: JobState, node: PlanNode, p: Placement): Promise<Resolved> {
    const counts: [number, number][] = [];
    const listings: [number, unknown][] = [];
    const remote = new Set(p.remote);
    await Promise.all(
      [node, ...p.nodes, ...p.remote].map(async (n) => {
        if (n.kind === 'source' && n.source.listing !== undefined && !remote.has(n))
          listings.push([n.id, await n.source.listing.get()]);
        counts.push([n.id, await st.job.numPartitions(n)]);
      }),
    );
    return { counts, listings };
  }

  private async *stream(
    st: JobState,
    node: PlanNode,
    partition: number,
    p: Placement,
  ): AsyncGenerator<unknown[]> {
    const resolved = await this.resolved(st, node, p);
    if (st.job.signal.aborted) throw abortError(st.job.signal);
    const queue: unknown[][] = [];
    let settled = false;
    let failure: unknown;
    let delivered = 0;
    let wake: (() => void) | undefined;
    const poke = () => {
      wake?.();
      wake = undefined;
    };
    const task = this.dispatch(st, node, partition, { kind: 'open' }, p, resolved, {
      resolve: () => {
        settled = true;
        poke();
      },
      reject: (e) => {
        settled = true;
        failure = e;
        poke();
      },
      onBatch: (b) => {
        queue.push(b);
        poke();
      },
    });
    try {
      for (;;) {
        const batch = queue.shift();
        if (batch !== undefined) {
          delivered += batch.length;
          if (!task.slot.dead) this.post(task.slot, { type: 'ack', task: task.id });
          yield batch;
          continue;
        }
        if (settled) {
          if (failure === undefined) return;
          if (!this.cannotClone(st, node, failure)) throw failure;
          // Computed here instead, past the elements the worker already handed on.
          let skip = delivered;
          for await (const b of openPartition(node, partition, st.job)) {
            if (skip >= b.length) {
              skip -= b.length;
              continue;
            }
            yield skip > 0 ? b.slice(skip) : b;
            skip = 0;
          }
          return;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    } finally {
      // Stopped early: the worker ends the task (closing its files) before this returns.
      if (!settled && !task.slot.dead) {
        this.post(task.slot, { type: 'cancel', task: task.id });
        while (!settled)
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
      }
    }
  }

  private dispatch(
    st: JobState,
    node: PlanNode,
    partition: number,
    what: TaskKind,
    p: Placement,
    resolved: Resolved,
    handlers: Pick<Task, 'resolve' | 'reject' | 'onBatch'>,
  ): Task {
    const task: Task = {
      id: nextTask++,
      slot: this.pick(),
      crashes: 0,
      batches: 0,
      send: () => this.send(task, what, p, resolved),
      state: st,
      node,
      partition,
      ...handlers,
    };
    task.send();
    return task;
  }

  private send(task: Task, what: TaskKind, p: Placement, resolved: Resolved): void {
    const { slot, state: st } = task;
    let sent = slot.sent.get(st.job.id);
    if (sent === undefined)
      slot.sent.set(st.job.id, (sent = { steps: 0, fns: 0, accumulators: 0, listings: new Set() }));
    const enc = st.encoder;
    const broadcasts = [];
    for (const [id, bc] of enc.broadcasts)
      if (!slot.broadcasts.has(id)) {
        broadcasts.push({ id, value: bc.isDestroyed ? undefined : bc.value, destroyed: bc.isDestroyed });
        slot.broadcasts.add(id);
      }
    const message: ToWorker = {
      type: 'task',
      task: task.id,
      job: st.job.id,
      context: this.id,
      ...(slot.contexts.has(this.id) ? {} : { options: this.options() }),
      steps: enc.steps.slice(sent.steps),
      fns: enc.fns.slice(sent.fns),
      accumulators: enc.accumulatorSpecs.slice(sent.accumulators),
      broadcasts,
      counts: resolved.counts,
      listings: resolved.listings.filter(([id]) => !sent.listings.has(id)),
      remote: p.remote.map((r) => r.id),
      node: task.node.id,
      partition: task.partition,
      what,
    };
    sent.steps = enc.steps.length;
    sent.fns = enc.fns.length;
    sent.accumulators = enc.accumulatorSpecs.length;
    for (const [id] of message.listings) sent.listings.add(id);
    slot.contexts.add(this.id);
    slot.tasks.set(task.id, task);
    this.holdIfBusy(slot);
    this.post(slot, message);
  }

  private post(slot: Slot, m: ToWorker): void {
    slot.worker.postMessage(m);
  }

  /** The least busy worker, started if needed. */
  private pick(): Slot {
    let best: Slot | undefined;
    for (let i = 0; i < this.size; i++) {
      let s = slots[i];
      if (s === undefined || s.dead) {
        s = this.spawn(i);
        slots[i] = s;
      }
      if (best === undefined || s.tasks.size < best.tasks.size) best = s;
    }
    return best as Slot;
  }

  /** The options of this Context's twin in a worker. */
  private options(): ContextOptions {
    const rt = this.#context._runtime;
    return {
      ...this.#context._io,
      defaultParallelism: this.#context.defaultParallelism,
      concurrency: Math.max(1, Math.ceil(rt.concurrency / this.size)),
    };
  }

  private spawn(index: number): Slot {
    const { entry, eval: isEval } = workerEntry();
    const worker = new Worker(entry, {
      eval: isEval,
      execArgv: loaderArgs(process.execArgv),
      ...workerLimits(),
    });
    const slot: Slot = {
      index,
      worker,
      tasks: new Map(),
      broadcasts: new Set(),
      contexts: new Set(),
      sent: new Map(),
      dead: false,
      idle: undefined,
    };
    worker.on('message', (m: FromWorker) => this.receive(slot, m));
    worker.on('error', (e) => this.retire(slot, e));
    worker.on('exit', (code) =>
      this.retire(slot, new Error(`worker thread ${index} exited with code ${code}`)),
    );
    // After the listeners: adding a 'message' listener refs the worker again (measured on Node 20).
    worker.unref();
    return slot;
  }

  /** A worker keeps the process alive only while it runs tasks. */
  private holdIfBusy(slot: Slot): void {
    if (slot.dead) return;
    clearTimeout(slot.idle);
    slot.idle = undefined;
    if (slot.tasks.size > 0) {
      slot.worker.ref();
      return;
    }
    slot.worker.unref();
    // An idle worker gives back its memory and what its tasks kept open (keep-alive connections)
    // after a while; the next task starts a new one. Unref'd: it never delays the process's exit.
    slot.idle = setTimeout(() => {
      if (slot.tasks.size === 0) this.retire(slot, new SparklingError('idle worker ended'));
    }, IDLE_MS);
    slot.idle.unref();
  }

  /** A dead (or stopped) worker: its tasks fail, and the next task starts a new one. */
  private retire(slot: Slot, cause: unknown): void {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.idle);
    if (slots[slot.index] === slot) slots[slot.index] = undefined;
    void slot.worker.terminate();
    const tasks = [...slot.tasks.values()];
    slot.tasks.clear();
    for (const t of tasks) {
      // Another task on the same worker may have killed it: send each once more to a new worker (as Spark
      // resubmits the tasks of a lost executor); a task that dies twice, or has handed on batches, fails.
      if (!this.closed && !(cause instanceof SparklingError) && t.crashes === 0 && t.batches === 0) {
        t.crashes++;
        t.id = nextTask++;
        t.slot = this.pick();
        t.send();
        continue;
      }
      t.reject(
        cause instanceof SparklingError ? cause : new TaskError(t.node.label, t.node.id, t.partition, cause),
      );
    }
  }

  /**
   * A job aborted (a failure elsewhere, cancellation): its workers stop its
   * tasks, which then fail, so the job ends only once they closed their files.
   */
  private abortJob(job: Job): void {
    for (const slot of slots)
      if (slot !== undefined && !slot.dead && slot.sent.delete(job.id))
        this.post(slot, { type: 'end-job', job: job.id });
  }

  private receive(slot: Slot, m: FromWorker): void {
    if (m.type === 'pull') {
      void this.serve(slot, m.job, m.req, m.node, m.partition);
      return;
    }
    if (m.type !== 'batch') {
      ioCounters.opened += m.io.opened;
      ioCounters.closed += m.io.closed;
      ioCounters.bytesRead += m.io.bytesRead;
    }
    const task = slot.tasks.get(m.task);
    if (task === undefined) return;
    switch (m.type) {
      case 'batch':
        task.batches++;
        task.onBatch?.(m.batch);
        return;
      case 'done':
        slot.tasks.delete(m.task);
        this.holdIfBusy(slot);
        for (const [id, v] of m.accumulators) task.state.encoder.accumulators.get(id)?.add(v);
        task.resolve(m.result);
        return;
      case 'failed': {
        slot.tasks.delete(m.task);
        this.holdIfBusy(slot);
        // A task stopped because its job was cancelled fails with the job's reason, as on the main thread.
        const signal = task.state.job.signal;
        task.reject(signal.aborted ? abortError(signal) : fromWire(m.error));
        return;
      }
    }
  }

  /** A worker reads a partition computed (or held) here. */
  private async serve(
    slot: Slot,
    jobId: number,
    req: number,
    nodeId: number,
    partition: number,
  ): Promise<void> {
    const st = states.get(jobId);
    const node = st?.nodes.get(nodeId);
    let reply: ToWorker;
    try {
      if (st === undefined || node === undefined) throw new SparklingError(`job ${jobId} has ended`);
      const batches: unknown[][] = [];
      for await (const b of openPartition(node, partition, st.job)) {
        for (let i = 0; i < b.length; i++)
          if (!clonesFaithfully(b[i]))
            throw cloneError(`${node.label}[${node.id}] partition ${partition}`, b[i]);
        batches.push(b);
      }
      reply = { type: 'pulled', req, batches };
    } catch (e) {
      reply = { type: 'pulled', req, error: toWire(e) };
    }
    if (slot.dead) return;
    try {
      this.post(slot, reply);
    } catch (e) {
      this.post(slot, { type: 'pulled', req, error: toWire(e) });
    }
  }
}
