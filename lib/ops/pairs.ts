/** The shape check of the wide operators' input: `[key, value]` pairs. */
import { printable } from '../errors.js';

/** A value as a short text for an error message (never an error of its own: see `printable`). */
export function describe(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return printable(x);
  }
}

/** The error for an element `x` that is not the `[key, value]` pair `operator` needed. */
export function notPairError(x: unknown, operator: string): TypeError {
  return new TypeError(`${operator} expects [key, value] pairs, got ${describe(x)}`);
}

/** `x` as a pair, or a TypeError naming the operator that needed one. */
export function asPair(x: unknown, operator: string): [unknown, unknown] {
  if (!Array.isArray(x) || x.length !== 2) throw notPairError(x, operator);
  return x as [unknown, unknown];
}
