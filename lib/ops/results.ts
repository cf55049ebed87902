/**
 * What a user function gave that its operator cannot take, found in a
 * fused loop, a fold, a combine or a key function (which do not know the
 * operator's name; lib/exec/failures.ts's `taskFailure` turns it into the
 * operator's TaskError): a Promise from a function that must be
 * synchronous (checked on the first result of each batch: every call of an
 * async function returns one), a flatMap result that is not iterable, an
 * element that is not the `[key, value]` pair a pair operator takes.
 */
export class BadResult extends Error {
  constructor(
    readonly problem: 'promise' | 'iterable' | 'pair',
    readonly value: unknown,
  ) {
    super(problem);
    // Refused, so never awaited: its rejection must not go unhandled.
    if (isThenable(value)) settleQuietly(value);
  }
}

/** Whether `x` is a Promise or another thenable (false when reading its `then` throws: a Proxy whose traps throw). */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  if ((typeof x !== 'object' || x === null) && typeof x !== 'function') return false;
  try {
    return typeof (x as { then?: unknown }).then === 'function';
  } catch {
    return false;
  }
}

function settleQuietly(x: PromiseLike<unknown>): void {
  try {
    x.then(undefined, () => undefined);
  } catch {}
}
