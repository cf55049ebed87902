/**
 * Where the user's code made something, for printing (`RDD[3] map at
 * app.ts:12`, as Spark's call sites): V8 captures the frames now and
 * formats them only if `stack` is read.
 */
export interface CallSite {
  readonly stack?: string;
}

/**
 * The current stack above the call of `below` (a constructor: `new.target`),
 * up to 10 frames, formatted lazily. Each frame costs about a microsecond to
 * capture; the user's frame is a few library calls up (a method, `_make`,
 * the Context's `_rdd`).
 */
export function callSite(below: Function = callSite): CallSite {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 10;
  Error.captureStackTrace(holder, below);
  Error.stackTraceLimit = limit;
  return holder;
}

/** The library's directory (lib/ or dist/): frames in its own files are not the user's call site. */
const libraryDir = new URL('..', import.meta.url).href;

/** The first frame of `stack` outside the library and Node's internals, as `file:line`, or undefined. */
export function userFrame(stack: string | undefined): string | undefined {
  if (stack === undefined) return undefined;
  for (const line of stack.split('\n')) {
    const m = /\(?((?:file:\/\/|\/|[A-Za-z]:[\\/])[^()\s]*?):(\d+):\d+\)?\s*$/.exec(line);
    if (m === null) continue;
    const file = m[1] as string;
    const url = file.startsWith('file://') ? file : `file://${file.startsWith('/') ? '' : '/'}${file}`;
    if (url.startsWith(libraryDir) || file.startsWith('node:')) continue;
    const base = file.slice(Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\')) + 1);
    return `${base}:${m[2]}`;
  }
  return undefined;
}

/**
 * Makes `util.inspect` and `console.log` print instances of `cls` as their
 * `toString()` (one line), through the key Node looks up, without importing
 * node:util.
 */
export function printsAsString(cls: { prototype: { toString(): string } }): void {
  Object.defineProperty(cls.prototype, Symbol.for('nodejs.util.inspect.custom'), {
    value: function (this: { toString(): string }) {
      return this.toString();
    },
    writable: true,
    configurable: true,
  });
}
