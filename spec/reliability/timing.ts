/**
 * Time limits measured in a process that shares a loaded machine: the time
 * the event loop could not run (other processes had the CPU, or this one
 * ran something else) is measured alongside and taken off, so a limit
 * checks what sparkling does, not how busy the machine was.
 */

/** A tick this late has lost time: the excess over TICK_MS + SLACK_MS is counted as lost. */
const TICK_MS = 10;
const SLACK_MS = 10;

/** Starts a clock; `ms()` is the wall time since, less the event loop's delays meanwhile. */
export function loopClock(): { ms: () => number; wallMs: () => number; stop: () => void } {
  const start = performance.now();
  let last = start;
  let lost = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    lost += Math.max(0, now - last - TICK_MS - SLACK_MS);
    last = now;
  }, TICK_MS);
  tick.unref();
  return {
    ms: () => {
      const now = performance.now();
      const pending = Math.max(0, now - last - TICK_MS - SLACK_MS);
      return Math.round(Math.max(0, now - start - lost - pending));
    },
    wallMs: () => Math.round(performance.now() - start),
    stop: () => clearInterval(tick),
  };
}
