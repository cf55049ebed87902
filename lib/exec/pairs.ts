/** The shape check of the wide operators' input: `[key, value]` pairs. */

/** A value as a short text for an error message. */
export function describe(x: unknown): string {
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

/** `x` as a pair, or a TypeError naming the operator that needed one. */
export function asPair(x: unknown, operator: string): [unknown, unknown] {
  if (!Array.isArray(x) || x.length !== 2)
    throw new TypeError(`${operator} expects [key, value] pairs, got ${describe(x)}`);
  return x as [unknown, unknown];
}
