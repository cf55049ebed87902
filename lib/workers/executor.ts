/**
 * The worker-thread executor (the main thread's side). A task runs on a
 * worker when its stage (plan/stages.ts) can be written down
 * (lib/ship/encode.ts): every function in it ships. The stage is encoded
 * once per job and sent to each worker once; the worker decodes it and runs
 * its tasks with the same executor code (lib/ship/run.ts). The stage's
 * inputs that live on the main thread — merged shuffle outputs, cached
 * partitions, parallelized data — are pulled by the worker. Workers start
 * on the first task, are held (ref'd) only while they run tasks, so they
 * never keep the process alive, and end with `sc.stop()`. A worker that
 * dies fails its tasks with a TaskError and is replaced on the next task.
 */
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import type { Accumulator } from '../accumulator.js';
import { type Broadcast, broadcastCopies } from '../broadcast.js';
import { ArgumentError, MemoryError, SparklingError, TaskError } from '../errors.js';
import type { Executor, MapOutput } from '../exec/executor.js';
import { abortError } from '../exec/failures.js';
import type { NamedFold } from '../exec/folds.js';
import { foldHere, type Job } from '../exec/job.js';
import { openPartition } from '../exec/open.js';
import { ABANDON_MS, type Runtime, stoppedError } from '../exec/runtime.js';
import { directRouter, mapTask } from '../exec/shuffle.js';
import { ioCounters } from '../io/util.js';
import { type PlanNode, topological } from '../plan/nodes.js';
import { cutStages } from '../plan/stages.js';
import type { EncodedFold, EncodedStage } from '../ship/encode.js';
import { StageEncoder, Unshippable } from '../ship/encode.js';
import { isLocalSource, planStage, resolveStage, type StageMode, type StagePlan } from '../ship/stage.js';
import { cloneError, clonesFaithfully } from '../util/clone.js';
import { type FromWorker, fromWire, type TaskKind, type ToWorker, toWire } from './protocol.js';

/** What a task computes: a partition's batches, the same for a cache, a named fold of it, or a hash shuffle's map task. */
type Mode = StageMode | { readonly kind: 'cache' };

/** A task's stage, written down (counts still unresolved), or why it cannot go to a worker. */
type Plan = StagePlan;

/**
 * Writes down the stage of a task in `mode` over `output` for a worker: it
 * is fed what the main thread holds — merged shuffle outputs, cached
 * partitions (but the one it computes for the cache), parallelized data.
 */
function plan(output: PlanNode, mode: Mode, isPersisted: (id: number) => boolean, io: Runtime['io']): Plan {
  const name = `${output.op}[${output.id}]`;
  if (mode.kind !== 'cache' && isPersisted(output.id))
    return { problem: `${name} is cached on the main thread` };
  if (output.kind === 'shuffle') return { problem: `${name} merges its shuffle on the main thread` };
  if (isLocalSource(output)) return { problem: `${name} holds its data on the main thread` };
  return planStage(output, mode.kind === 'cache' ? { kind: 'open' } : mode, {
    isInput: (n) => n.kind === 'shuffle' || isLocalSource(n),
    isCached: isPersisted,
    io,
  });
}

/** Where the map side of the shuffle read `parentIndex` of `shuffle` runs: on workers (undefined) or here, and why. */
function mapSideProblem(
  shuffle: PlanNode,
  parentIndex: number,
  isPersisted: (id: number) => boolean,
  io: Runtime['io'],
): string | undefined {
  const parent = shuffle.parents[parentIndex] as PlanNode;
  // A sort's map side: the parent's pipeline runs on workers, its records come back for sampling and routing.
  if (shuffle.route?.kind === 'range') return plan(parent, { kind: 'open' }, isPersisted, io).problem;
  return plan(parent, { kind: 'map', shuffle, parentIndex }, isPersisted, io).problem;
}

/** What the stages of a plan run on, for explain(): stage output node id to `executor=...`. */
export function describeStages(runtime: Runtime, root: PlanNode): Map<number, string> {
  const isPersisted = (id: number) => runtime.isPersisted(id);
  const out = new Map<number, string>();
  const say = (problem: string | undefined) =>
    problem === undefined ? 'executor=workers' : `executor=main reason="${problem}"`;
  out.set(root.id, say(plan(root, { kind: 'open' }, isPersisted, runtime.io).problem));
  for (const stage of cutStages(root, isPersisted).stages)
    for (const read of stage.shuffles) {
      const parent = read.from.output;
      if (!out.has(parent.id))
        out.set(parent.id, say(mapSideProblem(read.node, read.parentIndex, isPersisted, runtime.io)));
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
  /** The broadcasts the task's stage reads, by id. */
  readonly broadcasts: ReadonlyMap<number, Broadcast<unknown>>;
}

/** One worker thread and what it has been sent. */
interface Slot {
  readonly index: number;
  readonly worker: Worker;
  readonly tasks: Map<number, Task>;
  readonly broadcasts: Set<number>;
  /** Per job: the stages it has been sent, by key. */
  readonly sent: Map<number, Set<string>>;
  dead: boolean;
  /** Ends the worker after it has been idle for IDLE_MS. */
  idle: NodeJS.Timeout | undefined;
}

/** A planned stage and, once resolved, the stage as sent. */
interface Planned {
  readonly plan: Plan;
  stage?: Promise<EncodedStage>;
}

/** What the main thread holds for one job. */
interface JobState {
  readonly executor: WorkerExecutor;
  readonly job: Job;
  /** Stages planned for the job, by key. */
  readonly plans: Map<string, Planned>;
  /** Nodes workers may pull, by id. */
  readonly inputs: Map<number, PlanNode>;
  /** Accumulators the job's shipped functions add to, by id. */
  readonly accumulators: Map<number, Accumulator<unknown>>;
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

/** How long a worker may stay idle before it ends (the next task starts a new one). */
const IDLE_MS = 10_000;

/** How long a worker may go on with a task of an aborted job before it is terminated (see ABANDON_MS). */
const TERMINATE_MS = ABANDON_MS / 2;

// A broadcast unpersisted or destroyed: workers drop their copy, and get it again (or its destruction) with the next task that reads it.
broadcastCopies.release = (id) => {
  for (const slot of slots)
    if (slot !== undefined && !slot.dead && slot.broadcasts.delete(id))
      slot.worker.postMessage({ type: 'drop-broadcast', id } satisfies ToWorker);
};

/** Running jobs of every Context, by job id (a worker's pull names only the job). */
const states = new Map<number, JobState>();

export class WorkerExecutor implements Executor {
  private closed = false;
  /** Private (#): a Context stays plain data for JSON.stringify and the like. */
  readonly #runtime: Runtime;

  constructor(
    runtime: Runtime,
    readonly size: number,
    readonly strict: boolean,
  ) {
    this.#runtime = runtime;
    users.add(this);
  }

  private isPersisted = (id: number): boolean => this.#runtime.isPersisted(id);

  private state(job: Job): JobState {
    let st = states.get(job.id);
    if (st === undefined) {
      const onAbort = () => this.abortJob(job);
      job.signal.addEventListener('abort', onAbort, { once: true });
      st = {
        executor: this,
        job,
        plans: new Map(),
        inputs: new Map(),
        accumulators: new Map(),
        unlink: () => job.signal.removeEventListener('abort', onAbort),
      };
      states.set(job.id, st);
    }
    return st;
  }

  describe(root: PlanNode): ReadonlyMap<number, string> {
    return describeStages(this.#runtime, root);
  }

  begin(job: Job, root: PlanNode): void {
    this.state(job);
    if (!this.strict) return;
    // Every function of the plan must ship (the data of parallelize stays here and is not checked).
    const encoder = new StageEncoder();
    for (const n of topological(root)) {
      if (isLocalSource(n)) continue;
      try {
        encoder.node(n, null);
      } catch (e) {
        if (e instanceof Unshippable)
          throw new ArgumentError(
            `workers (strict): ${e.message}; make it plain data, or pass it through sc.broadcast()`,
          );
        throw e;
      }
    }
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

  /** The job's plan for a task in `mode` over `node`, made once per job. */
  private planned(st: JobState, key: string, node: PlanNode, mode: Mode): Planned {
    let p = st.plans.get(key);
    if (p === undefined) {
      p = { plan: plan(node, mode, this.isPersisted, this.#runtime.io) };
      st.plans.set(key, p);
      if (p.plan.problem === undefined) {
        for (const r of p.plan.inputs) st.inputs.set(r.id, r);
        for (const [id, acc] of p.plan.encoder.accumulators) st.accumulators.set(id, acc);
      }
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
    const key = `${computeCached ? 'cache' : 'open'}:${node.id}`;
    const p = this.planned(st, key, node, computeCached ? { kind: 'cache' } : { kind: 'open' });
    if (p.plan.problem !== undefined) return undefined;
    return this.stream(st, key, p, node, partition);
  }

  fold(job: Job, node: PlanNode, partition: number, fold: NamedFold): Promise<unknown> | undefined {
    if (this.closed) return undefined;
    const st = this.state(job);
    const key = `fold:${fold.name}:${node.id}`;
    const p = this.planned(st, key, node, { kind: 'fold', fold });
    if (p.plan.problem !== undefined) return undefined;
    const encoded = p.plan.fold as EncodedFold;
    return this.run(st, key, p, node, partition, { kind: 'fold', fold: encoded }).catch((e: unknown) => {
      if (!this.cannotClone(st, key, node, e)) throw e;
      return foldHere(job, node, partition, fold);
    });
  }

  mapTask(
    job: Job,
    node: PlanNode,
    parentIndex: number,
    mapPartition: number,
    n: number,
  ): Promise<MapOutput> | undefined {
    if (this.closed) return undefined;
    const st = this.state(job);
    const parent = node.parents[parentIndex] as PlanNode;
    const key = `map:${node.id}:${parentIndex}`;
    const p = this.planned(st, key, parent, { kind: 'map', shuffle: node, parentIndex });
    if (p.plan.problem !== undefined) return undefined;
    return this.run(st, key, p, node, mapPartition, { kind: 'map', parentIndex, n }).then(
      (output) => output as MapOutput,
      (e: unknown) => {
        if (!this.cannotClone(st, key, parent, e)) throw e;
        return mapTask(node, parentIndex, parent, mapPartition, job, directRouter(node, n) ?? (() => 0));
      },
    );
  }

  /**
   * Whether a task failed because its output cannot cross threads (a class
   * instance a shipped function made, such as a URL): the task then runs
   * here, and so does the rest of the stage in this job.
   */
  private cannotClone(st: JobState, key: string, node: PlanNode, e: unknown): boolean {
    if (!(e instanceof Error && e.name === 'DataCloneError')) return false;
    const problem = `${node.op}[${node.id}] makes values structured clone cannot copy (${e.message})`;
    st.plans.set(key, { plan: { problem } });
    return true;
  }

  /** This Context's running tasks fail; the workers end once no Context uses them. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    users.delete(this);
    const stopped = stoppedError();
    for (const slot of slots) {
      if (slot === undefined) continue;
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

  /**
   * The stage as sent: partition counts of its nodes, its file sources'
   * listings and what its batch operators prepared, resolved here once per
   * job (a worker needs no I/O for them, and reads the partitions planned here).
   */
  private resolved(st: JobState, p: Planned): Promise<EncodedStage> {
    if (p.stage === undefined) {
      const plan = p.plan;
      if (plan.problem !== undefined) throw new SparklingError(plan.problem);
      const stage = resolveStage(plan, st.job);
      p.stage = stage;
      stage.catch(() => {
        if (p.stage === stage) p.stage = undefined;
      });
      return stage;
    }
    return p.stage;
  }

  private async run(
    st: JobState,
    key: string,
    p: Planned,
    node: PlanNode,
    partition: number,
    what: TaskKind,
  ): Promise<unknown> {
    const stage = await this.resolved(st, p);
    if (st.job.signal.aborted) throw abortError(st.job.signal);
    return new Promise((resolve, reject) => {
      this.dispatch(st, key, p, stage, node, partition, what, { resolve, reject });
    });
  }

  private async *stream(
    st: JobState,
    key: string,
    p: Planned,
    node: PlanNode,
    partition: number,
  ): AsyncGenerator<unknown[]> {
    const stage = await this.resolved(st, p);
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
    const task = this.dispatch(
      st,
      key,
      p,
      stage,
      node,
      partition,
      { kind: 'open' },
      {
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
      },
    );
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
          if (!this.cannotClone(st, key, node, failure)) throw failure;
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
    key: string,
    p: Planned,
    stage: EncodedStage,
    node: PlanNode,
    partition: number,
    what: TaskKind,
    handlers: Pick<Task, 'resolve' | 'reject' | 'onBatch'>,
  ): Task {
    const task: Task = {
      id: nextTask++,
      slot: this.pick(),
      crashes: 0,
      batches: 0,
      send: () => this.send(task, key, stage, what),
      state: st,
      node,
      partition,
      broadcasts: p.plan.problem === undefined ? p.plan.encoder.broadcasts : new Map(),
      ...handlers,
    };
    task.send();
    return task;
  }

  private send(task: Task, key: string, stage: EncodedStage, what: TaskKind): void {
    const { slot, state: st } = task;
    let sent = slot.sent.get(st.job.id);
    if (sent === undefined) slot.sent.set(st.job.id, (sent = new Set()));
    const broadcasts = [];
    for (const b of stage.broadcasts) {
      if (slot.broadcasts.has(b.id)) continue;
      const bc = task.broadcasts.get(b.id);
      if (bc === undefined) continue;
      broadcasts.push({ id: b.id, value: bc.isDestroyed ? undefined : bc.value, destroyed: bc.isDestroyed });
      slot.broadcasts.add(b.id);
    }
    const message: ToWorker = {
      type: 'task',
      task: task.id,
      job: st.job.id,
      key,
      ...(sent.has(key) ? {} : { stage }),
      broadcasts,
      partition: task.partition,
      what,
      ...(this.#runtime.memory.limitMb === undefined ? {} : { memoryLimitMb: this.#runtime.memory.limitMb }),
    };
    sent.add(key);
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

  /**
   * A dead (or stopped) worker: its tasks fail, and the next task starts a
   * new one. `killed`: terminated here because a cancelled job's task would
   * not stop; the other jobs' tasks on it did not crash it.
   */
  private retire(slot: Slot, cause: unknown, killed = false): void {
    if (slot.dead) return;
    slot.dead = true;
    clearTimeout(slot.idle);
    if (slots[slot.index] === slot) slots[slot.index] = undefined;
    void slot.worker.terminate();
    const tasks = [...slot.tasks.values()];
    slot.tasks.clear();
    for (const t of tasks) {
      const signal = t.state.job.signal;
      if (signal.aborted) {
        t.reject(abortError(signal));
        continue;
      }
      // Out of heap: the task would run out again elsewhere; a MemoryError, as on the main thread.
      if ((cause as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        const limit = (workerLimits().resourceLimits?.maxOldGenerationSizeMb ?? 0) * 2 ** 20;
        t.reject(
          new MemoryError(
            t.node.op,
            t.node.id,
            t.partition,
            `running on worker thread ${slot.index}`,
            limit || getHeapStatistics().heap_size_limit,
          ),
        );
        continue;
      }
      // Another task on the same worker may have killed it: send each once more to a new worker (as Spark
      // resubmits the tasks of a lost executor); a task that dies twice, or has handed on batches, fails.
      const crashed = !(cause instanceof SparklingError) && t.crashes === 0;
      if (!this.closed && t.batches === 0 && (killed || crashed)) {
        if (!killed) t.crashes++;
        t.id = nextTask++;
        t.slot = this.pick();
        t.send();
        continue;
      }
      t.reject(
        cause instanceof SparklingError ? cause : new TaskError(t.node.op, t.node.id, t.partition, cause),
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
    // A worker still running one of the job's tasks after TERMINATE_MS is stuck (a function that never
    // returns, a promise that never settles): it is terminated, and the next task starts a new one.
    const check = setTimeout(() => {
      for (const slot of slots)
        if (slot !== undefined && !slot.dead && [...slot.tasks.values()].some((t) => t.state.job === job))
          this.retire(
            slot,
            new SparklingError(
              `worker thread ${slot.index} was terminated: a task of a cancelled job did not stop`,
            ),
            true,
          );
    }, TERMINATE_MS);
    check.unref();
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
        for (const [id, v] of m.accumulators) task.state.accumulators.get(id)?.add(v);
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
    const node = st?.inputs.get(nodeId);
    let reply: ToWorker;
    try {
      if (st === undefined || node === undefined) throw new SparklingError(`job ${jobId} has ended`);
      const batches: unknown[][] = [];
      const watch = st.job.watch(node.op, node.id, partition, 'handing it to a worker thread');
      // Not the task's own copies: structured clone copies what crosses to the worker.
      for await (const b of openPartition(node, partition, st.job, false)) {
        for (let i = 0; i < b.length; i++)
          if (!clonesFaithfully(b[i]))
            throw cloneError(`${node.op}[${node.id}] partition ${partition}`, b[i]);
        batches.push(b);
        watch();
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
