/** The stall timeout shared by the network filesystems (http(s), S3). */
import { IOError } from '../../errors.js';
import { messageOf, rethrowKnown } from '../util.js';

/**
 * Aborts a request when no byte arrives for `ms` milliseconds (`httpTimeoutMs`).
 * Armed only while waiting on the server, never while the consumer is busy.
 */
export class StallGuard {
  readonly controller = new AbortController();
  stalled = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ms: number,
    private readonly url: string,
  ) {}

  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort(
        new IOError(this.url, `server sent nothing for ${this.ms} ms (httpTimeoutMs)`, { transient: true }),
      );
    }, this.ms);
  }

  disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Waits for the server's next step (an answer, a body, a chunk) with the
   * guard armed; a failure is reported by `failure`, as `what` describes it.
   */
  async wait<T>(step: () => Promise<T>, what: () => string, signal?: AbortSignal): Promise<T> {
    this.arm();
    try {
      return await step();
    } catch (e) {
      throw this.failure(e, what(), signal);
    } finally {
      this.disarm();
    }
  }

  /** The error to report for `e`, thrown while talking to the server. */
  failure(e: unknown, what: string, signal?: AbortSignal): unknown {
    if (signal?.aborted) return signal.reason;
    if (this.stalled)
      return new IOError(this.url, `server sent nothing for ${this.ms} ms (httpTimeoutMs)`, {
        transient: true,
      });
    try {
      rethrowKnown(e);
    } catch (known) {
      return known;
    }
    const cause = e instanceof Error && e.cause !== undefined ? `: ${messageOf(e.cause)}` : '';
    return new IOError(this.url, `${what}: ${messageOf(e)}${cause}`, { cause: e, transient: true });
  }
}
