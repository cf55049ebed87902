/**
 * Durations and batch times. PySpark passes durations in seconds (floats);
 * sparkling converts them to whole milliseconds once, at the call, so every
 * later check is integer arithmetic (`0.3 % 0.1` is not 0 in JavaScript, but
 * `300 % 100` is).
 */
import { ArgumentError } from '../errors.js';

/** `seconds` as whole milliseconds; an ArgumentError naming `name` unless it is a positive, finite number of at least 1 ms. */
export function millis(name: string, seconds: unknown): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0)
    throw new ArgumentError(`${name} must be a positive number of seconds, got ${String(seconds)}`);
  const ms = Math.round(seconds * 1000);
  if (ms < 1) throw new ArgumentError(`${name} must be at least 1 ms, got ${seconds} s`);
  return ms;
}

/** Like `millis`, but `undefined`/`null` give `fallback`. */
export function optionalMillis(name: string, seconds: unknown, fallback: number): number {
  return seconds === undefined || seconds === null ? fallback : millis(name, seconds);
}

/** An ArgumentError unless `ms` is a whole multiple of `of` (both in milliseconds), as Spark requires of windows and slides. */
export function checkMultiple(name: string, ms: number, of: number, what: string): void {
  if (ms % of !== 0)
    throw new ArgumentError(`${name} must be a multiple of ${what} (${seconds(of)} s), got ${seconds(ms)} s`);
}

/** Milliseconds as a short number of seconds for messages (`1.5`, `0.001`). */
export function seconds(ms: number): string {
  return String(ms / 1000);
}

/** A batch time (`Date` or epoch milliseconds) as epoch milliseconds. */
export function timeArgument(name: string, time: unknown): number {
  if (time instanceof Date) {
    const t = time.getTime();
    if (Number.isFinite(t)) return t;
  } else if (typeof time === 'number' && Number.isFinite(time)) return time;
  throw new ArgumentError(`${name} must be a Date or epoch milliseconds, got ${String(time)}`);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A time as Python's `str(datetime)` prints it in local time, which is what
 * PySpark's `pprint` shows: `2024-05-01 12:00:01` or, with a fraction of a
 * second, `2024-05-01 12:00:01.500000`.
 * @example
 * pythonDateTime(new Date(2024, 4, 1, 12, 0, 1, 500));
 * // => '2024-05-01 12:00:01.500000'
 */
export function pythonDateTime(time: Date): string {
  const base =
    `${pad(time.getFullYear(), 4)}-${pad(time.getMonth() + 1)}-${pad(time.getDate())} ` +
    `${pad(time.getHours())}:${pad(time.getMinutes())}:${pad(time.getSeconds())}`;
  const ms = time.getMilliseconds();
  return ms === 0 ? base : `${base}.${pad(ms * 1000, 6)}`;
}
