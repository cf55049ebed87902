/**
 * A worker thread's side: it receives each job's stages written down
 * (lib/ship/encode.ts), decodes each once (lib/ship/run.ts: operators from
 * the registry, functions rebuilt from source with their captures bound),
 * runs the tasks it is asked for with the same executor code as the main
 * thread, and reads the stages' inputs — merged shuffle outputs, cached
 * partitions, parallelized data — from the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { Broadcast } from '../broadcast.js';
import { InternalError } from '../errors.js';
import { ioCounters } from '../io/util.js';
import type { PlanNode } from '../plan/nodes.js';
import { AccumulatorTable, StageRunner } from '../ship/run.js';
import { cloneError, clonesFaithfully } from '../util/clone.js';
import { type FromWorker, fromWire, type IoDelta, type ToWorker, toWire } from './protocol.js';

const port = parentPort;
if (port === null) throw new InternalError('lib/workers/worker.ts runs in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);

/** Broadcast values this worker was sent, by id (each sent once per worker). */
const broadcasts = new Map<number, Broadcast<unknown>>();
let nextReq = 0;

/** What a worker holds for one job of the main thread: its decoded stages, the accumulators they add to, its pulls. */
class JobState {
  readonly stages = new Map<string, StageRunner>();
  readonly accumulators = new AccumulatorTable();
  readonly controller = new AbortController();
  readonly pulls = new Map<number, { resolve: (b: unknown[][]) => void; reject: (e: unknown) => void }>();

  constructor(readonly id: number) {}

  /** The runner of the task's stage: decoded the first time the stage arrives. */
  runner(key: string, m: ToWorker & { type: 'task' }): StageRunner {
    let r = this.stages.get(key);
    if (r === undefined) {
      if (m.stage === undefined) throw new InternalError(`stage ${key} of job ${this.id} was not sent`);
      r = new StageRunner(m.stage, {
        input: (node, partition) => this.pull(node, partition),
        broadcast: (id) => broadcasts.get(id),
        accumulators: this.accumulators,
        signal: this.controller.signal,
        ...(m.memoryLimitMb === undefined ? {} : { memoryLimitMb: m.memoryLimitMb }),
      });
      this.stages.set(key, r);
    }
    return r;
  }

  private async *pull(node: PlanNode, partition: number): AsyncGenerator<unknown[]> {
    const req = nextReq++;
    const batches = await new Promise<unknown[][]>((resolve, reject) => {
      this.pulls.set(req, { resolve, reject });
      post({ type: 'pull', job: this.id, req, node: node.id, partition });
    });
    yield* batches;
  }

  end(): void {
    this.controller.abort(new Error('the job ended'));
    for (const p of this.pulls.values()) p.reject(new Error('the job ended'));
    for (const r of this.stages.values()) r.end();
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
  let state = jobs.get(m.job);
  if (state === undefined) jobs.set(m.job, (state = new JobState(m.job)));
  for (const b of m.broadcasts) {
    const bc = new Broadcast(b.value);
    if (b.destroyed) bc.destroy();
    broadcasts.set(b.id, bc);
  }
  const runner = state.runner(m.key, m);
  const what = m.what;
  let result: unknown;
  if (what.kind === 'fold') result = await runner.fold(m.partition, what.fold);
  else if (what.kind === 'map') result = await runner.map(m.partition, what.parentIndex, what.n);
  else {
    const stream = { credit: WINDOW, wake: undefined as (() => void) | undefined, cancelled: false };
    streams.set(m.task, stream);
    try {
      for await (const batch of runner.open(m.partition)) {
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
  post({ type: 'done', task: m.task, result, accumulators: state.accumulators.take(), io: ioDelta() });
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
    case 'drop-broadcast':
      broadcasts.delete(m.id);
      return;
    case 'end-job': {
      const state = jobs.get(m.job);
      if (state === undefined) return;
      jobs.delete(m.job);
      state.end();
      return;
    }
  }
});
