/**
 * Clocks for the batch scheduler. A StreamingContext asks its clock for the
 * time and sleeps on it until each batch is due. The system clock is the
 * wall clock; a `ManualClock` moves only when told to, so tests step batch by
 * batch without sleeping (Spark's streaming tests use a manual clock the same way).
 */

/** What the scheduler needs of a clock. */
export interface Clock {
  /** The current time, epoch milliseconds. */
  now(): number;
  /**
   * Resolves once the clock reads `time` or later, or when `signal` aborts
   * (then without waiting further). Never rejects.
   */
  sleepUntil(time: number, signal: AbortSignal): Promise<void>;
  /** @internal A scheduler starts using this clock (ManualClock: `advance` waits for it). */
  attach?(): void;
  /** @internal The scheduler stopped using this clock. */
  detach?(): void;
}

/** The wall clock (`Date.now()`), sleeping on timers. */
export class SystemClock implements Clock {
  now(): number {
    return Date.now();
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<void> {
    const wait = time - Date.now();
    if (wait <= 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      // A timer can fire a little early; sleep again for what is left.
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', done);
        this.sleepUntil(time, signal).then(resolve);
      }, wait);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

interface Sleeper {
  readonly time: number;
  readonly wake: () => void;
}

/**
 * A clock that only moves when told to. `advance(ms)` moves it and resolves
 * once every StreamingContext started on it has run all the batches that
 * became due and is waiting again (or has stopped), so a test reads each
 * batch's output right after `await clock.advance(batchMs)`.
 * @example
 * const clock = new ManualClock(1000);
 * await clock.advance(500);
 * clock.now();
 * // => 1500
 */
export class ManualClock implements Clock {
  private time: number;
  private readonly sleepers = new Set<Sleeper>();
  /** Schedulers using this clock that are not asleep (running a batch, or about to sleep). */
  private busy = 0;
  private idleWaiters: (() => void)[] = [];

  /** Starts at `time` epoch milliseconds (default 0). */
  constructor(time = 0) {
    this.time = time;
  }

  now(): number {
    return this.time;
  }

  /** Spark's name for `now()`. */
  getTimeMillis(): number {
    return this.time;
  }

  /** Sets the time (it may not go back), waking what is due; resolves when the schedulers are idle again. */
  setTime(time: number): Promise<void> {
    if (!Number.isFinite(time) || time < this.time)
      throw new RangeError(`ManualClock time cannot move from ${this.time} to ${time}`);
    this.time = time;
    for (const s of [...this.sleepers]) if (s.time <= time) s.wake();
    return this.idle();
  }

  /** Moves the clock `ms` milliseconds forward; resolves when every scheduler on it has caught up. */
  advance(ms: number): Promise<void> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`ManualClock cannot advance by ${ms} ms`);
    return this.setTime(this.time + ms);
  }

  /** Resolves with the time once the clock reads `time` or later (Spark's `waitTillTime`). */
  waitTillTime(time: number): Promise<number> {
    if (time <= this.time) return Promise.resolve(this.time);
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        time,
        wake: () => {
          if (this.sleepers.delete(sleeper)) resolve(this.time);
        },
      };
      this.sleepers.add(sleeper);
    });
  }

  /** Resolves when no scheduler on this clock is running a batch. */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  sleepUntil(time: number, signal: AbortSignal): Promise<void> {
    if (time <= this.time || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper: Sleeper = {
        time,
        wake: () => {
          if (!this.sleepers.delete(sleeper)) return;
          signal.removeEventListener('abort', sleeper.wake);
          this.busy++;
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal.addEventListener('abort', sleeper.wake, { once: true });
      this.setBusy(-1);
    });
  }

  attach(): void {
    this.busy++;
  }

  detach(): void {
    this.setBusy(-1);
  }

  private setBusy(delta: number): void {
    this.busy += delta;
    if (this.busy === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
