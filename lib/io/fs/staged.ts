/**
 * The lifecycle every filesystem's output shares. While the output is open,
 * files are written into a staging area, out of sight; `commit` waits for
 * the writes in flight and publishes them (`_SUCCESS` last); `abort`, also
 * run after a failed commit, stops the writes in flight and discards what
 * was staged or published. A filesystem supplies the three steps and the
 * error a failed commit reports.
 */
import { setMaxListeners } from 'node:events';
import { IOError } from '../../errors.js';
import { anySignal, InputGuard } from '../util.js';
import type { OutputTarget } from './types.js';

export abstract class StagedOutput implements OutputTarget {
  private state: 'open' | 'committed' | 'aborted' = 'open';
  private readonly inflight = new Set<Promise<unknown>>();
  /** Fired by `abort`: stops every write in flight. */
  private readonly stop = new AbortController();

  /** `path` is the output's, as the user gave it: errors name it. */
  constructor(protected readonly path: string) {
    setMaxListeners(0, this.stop.signal); // one listener per part being written
  }

  /**
   * Writes the staged file `name` from `data`, streamed; `signal` fires when
   * the caller's does or the output is aborted. Errors name the file.
   */
  protected abstract write(name: string, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void>;

  /** Makes every staged file visible under the output path, `_SUCCESS` last. */
  protected abstract publish(): Promise<void>;

  /** Removes what was staged (and what a failed `publish` made visible). Never throws. */
  protected abstract discard(): Promise<void>;

  /** The error a failed `publish` is reported as. */
  protected abstract commitError(e: unknown): unknown;

  async writeFile(name: string, data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    if (this.state !== 'open')
      throw new IOError(this.path, `cannot write ${name}: output already ${this.state}`);
    const stop = anySignal(signal, this.stop.signal);
    const input = new InputGuard(data, stop);
    const done = this.write(name, input, stop);
    this.inflight.add(done);
    try {
      await done;
    } catch (e) {
      // The input's own error (a user function, a failing source) first, unchanged; then who stopped the write.
      if (input.failed) throw input.error;
      if (signal?.aborted) throw signal.reason;
      if (this.stop.signal.aborted)
        throw new IOError(`${this.path}/${name}`, 'output aborted while this part was being written', {
          cause: e,
        });
      throw e;
    } finally {
      this.inflight.delete(done);
    }
  }

  async commit(): Promise<void> {
    if (this.state !== 'open') throw new IOError(this.path, `cannot commit: output already ${this.state}`);
    try {
      await Promise.all(this.inflight);
      await this.publish();
      this.state = 'committed';
    } catch (e) {
      const error = this.commitError(e);
      await this.abort();
      throw error;
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'committed') return;
    this.state = 'aborted';
    this.stop.abort();
    await Promise.allSettled([...this.inflight]);
    await this.discard();
  }
}
