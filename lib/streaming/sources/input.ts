/**
 * Input DStreams: the leaves of the streaming graph. Each batch, the
 * scheduler asks every input for its RDD of that batch time (`_receive`), in
 * order and one batch at a time: an input hands over what arrived up to that
 * time and keeps at most a bounded read-ahead of what came later, so a slow
 * batch slows the source down instead of queueing data without bound.
 */
import type { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import { DStream, type StreamNode } from '../dstream.js';

/** An input's node: no parents, the batch interval as slide, RDDs only from receiving. */
function inputNode<T>(ssc: StreamingContext): StreamNode<T> {
  return {
    parents: [],
    slideMs: ssc._batchMs,
    mode: 'input',
    compute: () => undefined,
  };
}

export abstract class InputDStream<T> extends DStream<T> {
  /** @internal Whether the stream can be restored from a checkpoint (a queue cannot, as in Spark). */
  readonly _checkpointable: boolean = true;

  constructor(ssc: StreamingContext, label: string) {
    super(ssc, label, inputNode<T>(ssc));
    ssc._addInput(this as InputDStream<unknown>);
  }

  /**
   * @internal The RDD of batch `time`: what arrived up to `time`. `final`:
   * the last batch of a graceful stop, which takes everything received.
   */
  abstract _receive(time: number, final: boolean): Promise<RDD<T>> | RDD<T>;

  /** @internal Starts receiving (when the context starts). */
  _start(): Promise<void> | void {}

  /** @internal Stops receiving and releases sockets, watchers and iterators. Never throws. */
  _stop(): Promise<void> | void {}

  /** @internal Whether data received but not yet handed to a batch is waiting (graceful stop runs one more batch for it). */
  _hasPending(): boolean {
    return false;
  }

  /** @internal What to save in a checkpoint to resume this source (file sources: the files seen). */
  _saveState(): unknown {
    return undefined;
  }

  /** @internal Resumes from a saved state (before `_start`). */
  _restoreState(_state: unknown): void {}
}
