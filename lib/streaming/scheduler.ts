/**
 * The batch loop (Spark's JobGenerator and JobScheduler in one): pull-based.
 * For each batch time, one after another: every input hands over what
 * arrived up to that time, the stateful streams compute and keep their new
 * state, then each output operation computes its RDD and runs, in the order
 * the operations were registered, each awaited before the next; then old
 * RDDs are forgotten and a checkpoint is written. Only then is the next
 * batch started, so a slow batch delays the next instead of piling work up;
 * when processing falls behind, every interval still gets its batch and the
 * late ones run back to back. An error stops the loop: no later batch runs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context } from '../context.js';
import type { RDD } from '../rdd.js';
import {
  CHECKPOINT_VERSION,
  type CheckpointData,
  type StreamCheckpoint,
  writeCheckpoint,
} from './checkpoint.js';
import type { Clock } from './clock.js';
import type { DStream, OutputOperation } from './dstream.js';
import { BatchError } from './errors.js';
import { partitionsOfRDD } from './materialize.js';
import type { InputDStream } from './sources/input.js';

/** What the loop needs of its StreamingContext. */
export interface LoopHost {
  readonly sparkContext: Context;
  readonly _batchMs: number;
  readonly _clock: Clock;
  readonly _streams: readonly DStream<unknown>[];
  readonly _inputs: readonly InputDStream<unknown>[];
  readonly _outputs: readonly OutputOperation[];
  readonly _checkpointDir: string | undefined;
  _zeroTime: number | undefined;
  _latestTime: number | undefined;
}

/** Set while a batch's output operations run: `stop()` called from one must not wait for its own batch. */
export const insideBatch = new AsyncLocalStorage<BatchLoop>();

export class BatchLoop {
  private stop: 'none' | 'graceful' | 'now' = 'none';
  /** Wakes the loop from its sleep (any stop). */
  private readonly wake = new AbortController();
  /** Cancels the jobs of built-in output operations (a stop that is not graceful). */
  private readonly cancel = new AbortController();
  /** The streams the outputs depend on (Spark computes nothing else). */
  private readonly connected: DStream<unknown>[];
  private readonly stateful: DStream<unknown>[];
  private readonly checkpointMs: number;
  /** For each stream, the first output operation that uses it (named when the stream fails). */
  private readonly firstUser = new Map<DStream<unknown>, OutputOperation>();
  /** The last batch time all of whose outputs ran. */
  lastCompleted: number | undefined;

  constructor(
    private readonly host: LoopHost,
    private next: number,
  ) {
    const seen = new Set<DStream<unknown>>();
    for (const op of host._outputs) {
      const stack: DStream<unknown>[] = [op.stream];
      while (stack.length > 0) {
        const s = stack.pop() as DStream<unknown>;
        if (!this.firstUser.has(s)) this.firstUser.set(s, op);
        if (seen.has(s)) continue;
        seen.add(s);
        stack.push(...s._parents);
      }
    }
    // Creation order is a topological order: parents are made before their children.
    this.connected = host._streams.filter((s) => seen.has(s));
    this.stateful = this.connected.filter((s) => s._isStateful);
    const intervals = this.connected
      .map((s) => s._checkpointMs)
      .filter((ms): ms is number => ms !== undefined);
    this.checkpointMs = intervals.length > 0 ? Math.min(...intervals) : host._batchMs;
  }

  /** The streams outputs depend on, parents first. */
  get streams(): readonly DStream<unknown>[] {
    return this.connected;
  }

  /** Asks the loop to stop: after the running batch, or (graceful) after one more batch for data already received. */
  requestStop(graceful: boolean): void {
    if (this.stop === 'now') return;
    this.stop = graceful && this.stop === 'none' ? 'graceful' : 'now';
    this.wake.abort();
    if (this.stop === 'now') this.cancel.abort();
  }

  /** Runs batches until stopped; rejects with the `BatchError` of the batch that failed. */
  async run(): Promise<void> {
    const { _clock: clock, _batchMs: batchMs } = this.host;
    for (;;) {
      if (this.stop === 'now') return;
      if (this.stop === 'graceful') {
        if (this.host._inputs.some((i) => i._hasPending())) await this.batch(this.next, true);
        return;
      }
      await clock.sleepUntil(this.next, this.wake.signal);
      if (this.stop !== 'none') continue;
      await this.batch(this.next, false);
      this.next += batchMs;
    }
  }

  private async batch(time: number, final: boolean): Promise<void> {
    const host = this.host;
    host._latestTime = time;
    const connected = new Set(this.connected);
    for (const input of host._inputs) {
      if (!connected.has(input)) continue;
      try {
        input._remember(time, (await input._receive(time, final)) as RDD<unknown>);
      } catch (e) {
        throw new BatchError(input._label, input._id, time, e);
      }
    }
    for (const s of this.stateful) {
      try {
        await s._materialize(time, this.cancel.signal);
      } catch (e) {
        if (this.cancelled()) return;
        const op = this.firstUser.get(s);
        throw new BatchError(op?.name ?? s._label, s._id, time, e);
      }
    }
    for (const op of host._outputs) {
      if (this.stop === 'now') return;
      try {
        const rdd = op.stream._getOrCompute(time);
        if (rdd === undefined) continue;
        await insideBatch.run(this, () => op.run(time, rdd, this.cancel.signal));
      } catch (e) {
        if (this.cancelled()) return;
        throw new BatchError(op.name, op.stream._id, time, e);
      }
    }
    for (const s of this.connected) s._forget(time);
    this.lastCompleted = time;
    const zero = host._zeroTime as number;
    if (host._checkpointDir !== undefined && (time - zero) % this.checkpointMs === 0) {
      try {
        await this.checkpoint(time);
      } catch (e) {
        throw new BatchError('checkpoint', -1, time, e);
      }
    }
  }

  private cancelled(): boolean {
    return this.stop === 'now' && this.cancel.signal.aborted;
  }

  /** Writes the checkpoint of batch `time` (every stream's kept RDDs and every source's state). */
  async checkpoint(time: number): Promise<void> {
    const host = this.host;
    const wanted = new Map<DStream<unknown>, Set<number>>();
    for (const s of this.connected) {
      for (const [stream, times] of s._checkpointRDDs(time)) {
        const set = wanted.get(stream) ?? new Set<number>();
        for (const t of times) set.add(t);
        wanted.set(stream, set);
      }
    }
    const streams: StreamCheckpoint[] = [];
    for (const [stream, times] of wanted) {
      const rdds: [number, unknown[][]][] = [];
      for (const t of [...times].sort((a, b) => a - b)) {
        const rdd = stream._generated.get(t);
        if (rdd !== undefined) rdds.push([t, [...(await partitionsOfRDD(rdd))]]);
      }
      streams.push({ id: stream._id, label: stream._label, rdds });
    }
    const data: CheckpointData = {
      version: CHECKPOINT_VERSION,
      batchMs: host._batchMs,
      zeroTime: host._zeroTime as number,
      time,
      graph: host._streams.map((s) => s._label),
      streams,
      sources: host._inputs.map((i) => ({ id: i._id, label: i._label, state: i._saveState() })),
    };
    await writeCheckpoint(host._checkpointDir as string, data);
  }
}
