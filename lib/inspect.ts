/**
 * How RDDs, Contexts and StatCounters print: one line each, in PySpark's
 * spirit, for `console.log`, `util.inspect`, `String(x)` and template
 * strings. An RDD prints its id, the method that made it, where the user's
 * code called it, and its partition count when known without I/O:
 * `RDD[3] reduceByKey at app.ts:12 (4 partitions)`; PySpark prints
 * `PythonRDD[3] at RDD at PythonRDD.scala:53`.
 */
import { Context } from './context.js';
import { knownPartitions } from './plan/nodes.js';
import { RDD } from './rdd.js';
import { StatCounter } from './stat-counter.js';

declare module './rdd.js' {
  interface RDD<T> {
    /**
     * One line: the name given by `setName` (if any), the id, the method that
     * made this RDD, where it was called, and the partition count when it is
     * known without I/O (`(partitions: ?)` before a file source is listed).
     * `console.log(rdd)` prints the same.
     * @example
     * String(sc.parallelize([1, 2], 2).map((x) => x)).replace(/ at .*? \(/, ' at … (');
     * // => 'RDD[1] map at … (2 partitions)'
     */
    toString(): string;
  }
}

declare module './context.js' {
  interface Context {
    /**
     * One line with the Context's settings, as `console.log(sc)` prints it.
     * @example
     * String(new Context({ defaultParallelism: 2, workers: 0 }));
     * // => 'Context(defaultParallelism=2, workers=0)'
     */
    toString(): string;
  }
}

/** The key `util.inspect` and `console.log` look up, without importing node:util. */
const inspectCustom = Symbol.for('nodejs.util.inspect.custom');

/** This module's directory: frames in the library's own files are not the user's call site. */
const libraryDir = new URL('.', import.meta.url).href;

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

function describeRDD(rdd: RDD<unknown>): string {
  const node = rdd._node;
  const n = knownPartitions(node);
  const parts = n === undefined ? '(partitions: ?)' : `(${n} partition${n === 1 ? '' : 's'})`;
  const site = userFrame(rdd._createdAt.stack);
  const name = rdd.name();
  return `${name === undefined ? '' : `${name} `}RDD[${node.id}] ${node.label}${site === undefined ? '' : ` at ${site}`} ${parts}`;
}

function describeContext(sc: Context): string {
  return `Context(defaultParallelism=${sc.defaultParallelism}, workers=${sc.workers}${sc.isStopped ? ', stopped' : ''})`;
}

const rddProto = RDD.prototype as RDD<unknown>;
rddProto.toString = function (this: RDD<unknown>) {
  return describeRDD(this);
};
const contextProto = Context.prototype;
contextProto.toString = function (this: Context) {
  return describeContext(this);
};
for (const proto of [rddProto, contextProto, StatCounter.prototype]) {
  Object.defineProperty(proto, inspectCustom, {
    value: function (this: { toString(): string }) {
      return this.toString();
    },
    writable: true,
    configurable: true,
  });
}
