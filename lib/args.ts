/** Argument checks shared by the façades: each throws `ArgumentError` naming the argument. */
import { ArgumentError } from './errors.js';

export function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    throw new ArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** `undefined` stays undefined (use the default); anything else must be a positive integer. */
export function optionalPositiveInt(name: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : positiveInt(name, value);
}

export function nonNegativeInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw new ArgumentError(`${name} must be a non-negative integer, got ${String(value)}`);
  return value;
}

/** `undefined` stays undefined (use the default); anything else must be a non-negative integer. */
export function optionalNonNegativeInt(name: string, value: unknown): number | undefined {
  return value === undefined || value === null ? undefined : nonNegativeInt(name, value);
}

export function integer(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ArgumentError(`${name} must be an integer, got ${String(value)}`);
  return value;
}

export function func(name: string, value: unknown): void {
  if (typeof value !== 'function') throw new ArgumentError(`${name} must be a function, got ${typeof value}`);
}

export function optionalFunc(name: string, value: unknown): void {
  if (value !== undefined && value !== null) func(name, value);
}

/**
 * A key function, `(x) => key`. One of two parameters is taken for a
 * comparator, `(a, b) => a - b`, which the ordering methods do not take
 * (PySpark's neither): refused rather than called with one argument.
 */
export function keyFunc(name: string, value: unknown, operator: string): void {
  func(name, value);
  if ((value as (...a: unknown[]) => unknown).length === 2)
    throw new ArgumentError(
      `${operator} takes a key function (x) => key, not a comparator (a, b) => number: ` +
        `${name} gets one element and returns the key to order it by`,
    );
}

export function optionalKeyFunc(name: string, value: unknown, operator: string): void {
  if (value !== undefined && value !== null) keyFunc(name, value, operator);
}

export function finiteNumber(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new ArgumentError(`${name} must be a finite number, got ${String(value)}`);
  return value;
}
