/**
 * Running jobs: the one entry every action goes through (`startJob`), so
 * placement on worker threads, strict mode, cancellation and retries apply
 * to all of them — `toLocalIterator()` and partition counting included —
 * and the shapes of job the actions need: every partition with bounded
 * concurrency, a fold per partition, partitions pulled in order and
 * stopped early, one partition at a time for an iterator.
 */
import { ArgumentError } from '../errors.js';
import type { PlanNode } from '../plan/nodes.js';
import { arrayGrowth } from '../util/growth.js';
import { abortError, taskFailure } from './failures.js';
import type { NamedFold, PartitionFold } from './folds.js';
import { Job, keeping } from './job.js';
import { openPartition } from './open.js';
import { ABANDON_MS, type Runtime } from './runtime.js';
import { runBounded, withRetries } from './schedule.js';

/** Options every action takes. */
export interface ActionOptions {
  /** Cancels the running job: its sources are closed and the action rejects. */
  readonly signal?: AbortSignal;
}

/**
 * The caller's signal from an action's options (undefined and null mean none);
 * an ArgumentError for anything that is not `{ signal?: AbortSignal }`.
 */
export function signalOf(options: unknown): AbortSignal | undefined {
  if (options === undefined || options === null) return undefined;
  if (typeof options !== 'object')
    throw new ArgumentError(`options must be an object such as { signal }, got ${String(options)}`);
  const signal = (options as { signal?: unknown }).signal;
  if (signal === undefined || signal === null) return undefined;
  if (signal instanceof AbortSignal) return signal;
  const got = typeof signal === 'object' ? (signal.constructor?.name ?? 'an object') : String(signal);
  throw new ArgumentError(`signal must be an AbortSignal, got ${got}`);
}

/**
 * Starts a job over `root`: the one way any job starts. The executor may
 * refuse it (strict mode) before anything runs; a job that runs no stage
 * (counting partitions lists files, runs no user code) is not checked.
 */
function startJob(runtime: Runtime, root: PlanNode, options: unknown, runsStages: boolean): Job {
  const job = new Job(runtime, signalOf(options), root);
  try {
    if (runsStages) {
      runtime.executor?.begin(job, root);
      job.announce();
    }
  } catch (e) {
    job.end();
    throw e;
  }
  return job;
}

/**
 * The outcome of an action's `work` on `job`: `work`'s own, unless the job
 * was aborted. Then the action rejects with the abort's reason (the
 * caller's signal's, the first failure's, the stopped Context's), never
 * with a result: as soon as `work` settles, or ABANDON_MS after the abort if
 * it does not (a task stuck on a promise that never settles is abandoned).
 */
export function outcome<R>(job: Job, work: Promise<R>): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      timer = setTimeout(() => reject(abortError(job.signal)), ABANDON_MS);
    };
    if (job.signal.aborted) onAbort();
    else job.signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      clearTimeout(timer);
      job.signal.removeEventListener('abort', onAbort);
    };
    work.then(
      (r) => {
        done();
        if (job.signal.aborted) reject(abortError(job.signal));
        else resolve(r);
      },
      (e: unknown) => {
        done();
        reject(e);
      },
    );
  });
}

/**
 * Runs `body` as one job over `root` (see `outcome`), ending the job
 * (releasing what it holds) when the action settles.
 */
export async function withJob<R>(
  runtime: Runtime,
  root: PlanNode,
  options: unknown,
  body: (job: Job) => Promise<R>,
  runsStages = true,
): Promise<R> {
  const job = startJob(runtime, root, options, runsStages);
  let error: unknown;
  try {
    return await outcome(
      job,
      Promise.resolve().then(() => body(job)),
    );
  } catch (e) {
    error = e;
    throw e;
  } finally {
    job.end(error);
  }
}

/** The partition count of a node, as a job of its own (it may list files). */
export function countPartitions(runtime: Runtime, node: PlanNode): Promise<number> {
  return withJob(runtime, node, undefined, (job) => job.numPartitions(node), false);
}

/** `options` with the name of the operator a job runs for (what a cluster that cannot run it names). */
export function forOperator<O>(options: O, operator: string): O | (O & { operator: string }) {
  return typeof options === 'object' && options !== null
    ? { ...options, operator }
    : options === undefined
      ? ({ operator } as O & { operator: string })
      : options;
}

/** Runs `task` over the given partitions (all by default) with bounded concurrency; results in partition order. */
export function runJob<R>(
  runtime: Runtime,
  node: PlanNode,
  task: (partition: number, job: Job) => Promise<R>,
  options?: ActionOptions & { partitions?: readonly number[]; operator?: string },
): Promise<R[]> {
  // A task given as a closure runs on the driver's data: a cluster has no way to run it.
  if (runtime.cluster !== undefined)
    return Promise.reject(runtime.cluster.unsupported(options?.operator ?? 'runJob'));
  return withJob(runtime, node, options, async (job) => {
    const total = await job.numPartitions(node);
    const parts = options?.partitions ?? Array.from({ length: total }, (_, i) => i);
    const at = (i: number) => parts[i] as number;
    return runBounded(
      job,
      parts.length,
      runtime.concurrency,
      job.stageTasks(node, parts.length, at, (i) => withRetries(job, () => task(at(i), job))),
    );
  });
}

/**
 * Runs one accumulator per partition over its elements, with bounded
 * concurrency; results in partition order. The accumulator's `add` is the
 * sink of the partition's fused loop. A named fold may run on a worker thread.
 * With `operator`, a failure (of the accumulator's own user function
 * included) is reported as that operator's, with the partition.
 */
export function runFold<R>(
  runtime: Runtime,
  node: PlanNode,
  start: ((partition: number) => PartitionFold<R>) | NamedFold,
  options?: ActionOptions,
  operator?: string,
  buffering?: string,
): Promise<R[]> {
  const cluster = runtime.cluster;
  if (cluster !== undefined) {
    if (typeof start === 'function')
      return Promise.reject(cluster.unsupported(operator ?? 'fold', 'its fold is not a named fold'));
    return withJob(
      runtime,
      node,
      options,
      (job) => cluster.fold(job, node, start, operator ?? start.name) as Promise<R[]>,
      false,
    );
  }
  return runJob(
    runtime,
    node,
    async (p, job) => {
      try {
        if (typeof start !== 'function') return (await job.fold(node, p, start)) as R;
        const acc = start(p);
        const watch =
          buffering === undefined ? undefined : job.watch(operator ?? 'fold', node.id, p, buffering);
        await job.drain(node, p, acc.add, undefined, keeping(acc, watch));
        return acc.result();
      } catch (e) {
        throw operator === undefined ? e : taskFailure(operator, node.id, p, e);
      }
    },
    options,
  );
}

/** Every element, in partition order: a fused chain collects in its loop, anything else hands over its batches. */
export async function collectAll(
  runtime: Runtime,
  node: PlanNode,
  options?: ActionOptions,
): Promise<unknown[]> {
  const cluster = runtime.cluster;
  if (cluster !== undefined)
    return withJob(runtime, node, options, (job) => cluster.collect(job, node), false);
  const parts =
    node.kind === 'kernel'
      ? await runFold<unknown[]>(runtime, node, { name: 'collect', args: [] }, options, 'collect')
      : (
          await runJob(
            runtime,
            node,
            async (p, job) => {
              const all: unknown[][] = [];
              try {
                const watch = job.watch('collect', node.id, p, 'collecting it');
                for await (const b of job.open(node, p)) {
                  all.push(b);
                  watch();
                }
              } catch (e) {
                throw taskFailure('collect', node.id, p, e);
              }
              return all;
            },
            options,
          )
        ).flat(1);
  // One array of every element: a slot each, while the partitions' arrays are alive.
  let total = 0;
  for (const part of parts) total += part.length;
  runtime.memory.check('collect', node.id, -1, 'joining the partitions', 8 * total);
  return flatten(parts);
}

/** The number of elements: a fused chain counts in its loop, anything else counts batch lengths. */
export async function countAll(runtime: Runtime, node: PlanNode, options?: ActionOptions): Promise<number> {
  const cluster = runtime.cluster;
  if (cluster !== undefined) return withJob(runtime, node, options, (job) => cluster.count(job, node), false);
  const counts =
    node.kind === 'kernel'
      ? await runFold<number>(runtime, node, { name: 'count', args: [] }, options, 'count')
      : await runJob(
          runtime,
          node,
          async (p, job) => {
            let n = 0;
            try {
              // Looks at no element: shared data is not copied.
              for await (const b of job.open(node, p, false)) n += b.length;
            } catch (e) {
              throw taskFailure('count', node.id, p, e);
            }
            return n;
          },
          options,
        );
  return counts.reduce((a, b) => a + b, 0);
}

/** Copies arrays end to end into one new array (one copy, no per-element push). */
function flatten(arrays: readonly (readonly unknown[])[]): unknown[] {
  let total = 0;
  for (const a of arrays) total += a.length;
  const out: unknown[] = new Array(total);
  let j = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) out[j++] = a[i];
  return out;
}

/**
 * Pulls partitions one after another, in order, handing each batch to
 * `consume` until it returns false. Computes only the partitions (and the
 * part of each) that are needed; early stop closes the source. A `consume`
 * that returns a Promise holds the pull until it settles (back-pressure).
 * `keeps`: whether the consumer keeps what it is handed (as `take` does), so
 * that it counts against the memory limit; a stream hands it on.
 */
export function pullInOrder(
  runtime: Runtime,
  node: PlanNode,
  consume: (batch: unknown[], partition: number) => boolean | Promise<boolean>,
  options?: ActionOptions,
  operator = 'take',
  want?: number,
  keeps = true,
): Promise<void> {
  const cluster = runtime.cluster;
  if (cluster !== undefined)
    return withJob(runtime, node, options, (job) => cluster.pull(job, node, consume, operator, want), false);
  return withJob(runtime, node, options, async (job) => {
    const total = await job.numPartitions(node);
    let taken = 0;
    const run = job.stageTasks(
      node,
      total,
      (p) => p,
      (p) => pull(p),
    );
    const pull = async (p: number): Promise<boolean> => {
      // A retried partition skips what an earlier attempt already handed on.
      let delivered = 0;
      const watch = job.watch(operator, node.id, p, keeps ? 'taking it' : 'streaming it');
      return withRetries(job, async () => {
        let skip = delivered;
        // Pulled here, on the main thread: only what is needed is read.
        for await (const batch of openPartition(node, p, job)) {
          let b = batch;
          if (skip > 0) {
            const n = Math.min(skip, b.length);
            skip -= n;
            if (n === b.length) continue;
            b = b.slice(n);
          }
          delivered += b.length;
          const more = consume(b, p);
          if (!(typeof more === 'boolean' ? more : await more)) return false;
          if (keeps) taken += b.length;
          watch(arrayGrowth(taken));
        }
        return true;
      });
    };
    for (let p = 0; p < total; p++) if (!(await run(p))) return;
  });
}

/**
 * The elements one partition at a time, in order, as PySpark's
 * `toLocalIterator`: each partition fetched whole (and retried whole), then
 * handed out. The job starts when iteration starts and ends with it.
 */
export function iteratePartitions(
  runtime: Runtime,
  node: PlanNode,
  options?: ActionOptions,
): AsyncIterable<unknown> {
  return {
    async *[Symbol.asyncIterator]() {
      const job = startJob(runtime, node, options, runtime.cluster === undefined);
      let error: unknown;
      try {
        const n = await outcome(job, job.numPartitions(node));
        const cluster = runtime.cluster;
        if (cluster !== undefined) {
          // One partition at a time, each by a job of its own over that partition only.
          for (let p = 0; p < n; p++) yield* await outcome(job, cluster.collect(job, node, [p]));
          return;
        }
        const fetch = job.stageTasks(
          node,
          n,
          (p) => p,
          (p) =>
            withRetries(job, async () => {
              const all: unknown[] = [];
              const watch = job.watch('toLocalIterator', node.id, p, 'fetching it');
              await job.drain(
                node,
                p,
                (x) => all.push(x),
                undefined,
                () => watch(arrayGrowth(all.length)),
              );
              return all;
            }),
        );
        for (let p = 0; p < n; p++) yield* await outcome(job, fetch(p));
      } catch (e) {
        error = e;
        throw e;
      } finally {
        job.end(error);
      }
    },
  };
}
