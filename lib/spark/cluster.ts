/**
 * A Context on Apache Spark (`new Context({ master })`): every action's job
 * becomes one Spark job on the bridge (bridge.ts). The plan is cut into the
 * same stages as locally (plan/stages.ts); each stage is written down
 * (lib/ship) and becomes a `pipe` node whose command is sparkling's stage
 * executor (executor-main.ts), a Node process per partition on Spark's
 * executors:
 * - a text file's partitions are Spark's input splits, fed as lines;
 *   `parallelize`d data is sliced here, exactly as locally, and sent as
 *   JSON batches; `range` is computed on the executors;
 * - a hash shuffle's map side ends in sparkling's partitioner and map-side
 *   combine (`p\t<batch>` lines); Spark routes line p to reduce partition p
 *   (an identity partitioner) and the reduce side merges in Node;
 * - a task that reads several partitions (coalesce without a shuffle, zip,
 *   cartesian, a union of RDDs partitioned alike, a join input partitioned
 *   alike, read where it is) is fed by a `gather` node (gather.ts);
 * - the result stage streams records, a named fold per partition (finished
 *   here), or text lines to Spark's output committer.
 * Spark schedules, moves the shuffle, retries failed tasks and commits
 * output; every semantic step is sparkling's code, so results (partition
 * layouts included) equal a local run's. What is not supported yet rejects
 * with an UnsupportedOnSparkError before a Spark job starts; so does a
 * function that cannot be written down (there is no main thread to fall
 * back to).
 */
import path from 'node:path';
import type { Accumulator } from '../accumulator.js';
import { ArgumentError, SparklingError, UnsupportedOnSparkError } from '../errors.js';
import type { Cluster } from '../exec/cluster.js';
import type { Executor } from '../exec/executor.js';
import type { NamedFold } from '../exec/folds.js';
import type { Job } from '../exec/job.js';
import { type Runtime, stoppedError } from '../exec/runtime.js';
import { opOf } from '../ops/registry.js';
import type { FileArgs } from '../ops/text-file.js';
import type { UnionArgs } from '../ops/union.js';
import { type PlanNode, topological } from '../plan/nodes.js';
import { cutStages } from '../plan/stages.js';
import { isLocalSource, planStage, resolveStage, type StageMode } from '../ship/stage.js';
import { fromJSON, toJSON } from '../values/json.js';
import { SparkBridge } from './bridge.js';
import { ShippedBroadcasts } from './broadcasts.js';
import { SparkBridgeError, SparkJobError } from './errors.js';
import { EXECUTOR_FILE, executorScript } from './executor-script.js';
import { sparkStages } from './explain.js';
import { gatherHead, gatherPlan, needsGather } from './gather.js';
import { type JobResult, type JobSpec, type JsonValue, type RddSpec, SPARK_FILES } from './protocol.js';
import { prepareOnSpark, preparesOnSpark, type SideJob } from './sort.js';
import { BATCH, type ExecutorData, type ExecutorTask, type Feed, PLANNED_FOLD } from './stage-task.js';

/** `spark` of `new Context({ master, spark })`. */
export interface SparkOptions {
  /** Spark's directory (`bin/spark-submit`); default `SPARK_HOME`, else `spark-submit` on PATH. */
  readonly home?: string;
  /** Spark properties, passed as `--conf key=value` (e.g. `spark.executor.memory`, `spark.task.maxFailures`). */
  readonly conf?: Readonly<Record<string, string | number | boolean>>;
  /**
   * A `.tgz` holding the `node` binary (`bin/node`, or `<dir>/bin/node` as in
   * Node's own tarballs), shipped to the executors when they have no `node`
   * on PATH.
   */
  readonly nodeArchive?: string;
}

/** The directory the node archive unpacks to on an executor. */
const NODE_DIR = 'sparkling-node';

/** Checks `spark` of the Context options. */
export function sparkOptions(value: unknown): SparkOptions {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null)
    throw new ArgumentError(`spark must be an object { home?, conf?, nodeArchive? }, got ${String(value)}`);
  const { home, conf, nodeArchive, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0)
    throw new ArgumentError(
      `spark: unknown option ${unknown.map((k) => `'${k}'`).join(', ')}; the options are home, conf, nodeArchive`,
    );
  const out: { home?: string; conf?: Record<string, string | number | boolean>; nodeArchive?: string } = {};
  if (home !== undefined) {
    if (typeof home !== 'string' || home === '')
      throw new ArgumentError(`spark.home must be a directory, got ${String(home)}`);
    out.home = home;
  }
  if (nodeArchive !== undefined) {
    if (typeof nodeArchive !== 'string' || nodeArchive === '')
      throw new ArgumentError(`spark.nodeArchive must be the path of a .tgz, got ${String(nodeArchive)}`);
    out.nodeArchive = nodeArchive;
  }
  if (conf !== undefined) {
    if (typeof conf !== 'object' || conf === null || Array.isArray(conf))
      throw new ArgumentError(`spark.conf must be an object of Spark properties, got ${String(conf)}`);
    const c: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(conf)) {
      if (k === '' || /[\s=]/.test(k))
        throw new ArgumentError(`spark.conf: ${JSON.stringify(k)} is not a Spark property name`);
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean')
        throw new ArgumentError(`spark.conf['${k}'] must be a string, number or boolean, got ${String(v)}`);
      c[k] = v;
    }
    out.conf = c;
  }
  return out;
}

/** `master`, checked: what `spark-submit --master` takes. */
export function masterOption(value: unknown): string | undefined {
  const m = value === undefined ? process.env.SPARKLING_MASTER : value;
  if (m === undefined || m === '') return undefined;
  if (typeof m !== 'string' || /\s/.test(m))
    throw new ArgumentError(
      `master must be a Spark master URL such as spark://host:7077, local[2], yarn or k8s://…, got ${String(m)}`,
    );
  return m;
}

/** Local paths (no scheme) made absolute, so that Spark reads what a local run would. */
function qualify(paths: string): string {
  return paths
    .split(',')
    .map((p) => (/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(p) || path.isAbsolute(p) ? p : path.resolve(p)))
    .join(',');
}

/**
 * Sources a task computes on the executor: `range` and `emptyRDD`, and the
 * whole-file sources, whose listing the driver resolves and cuts into
 * partitions exactly as locally (Spark's CombineFileInputFormat groups
 * files by size and locality, another layout); the executor reads its
 * partition's files by path, so they must be where the executors see them
 * (a shared or distributed filesystem, or one machine).
 */
const EXECUTOR_SOURCES = new Set(['range', 'emptyRDD', 'wholeTextFiles', 'binaryFiles', 'binaryRecords']);

/** Why `node`'s operator cannot run on Spark yet, or undefined. */
function unsupportedOp(node: PlanNode): string | undefined {
  const def = opOf(node);
  switch (def.kind) {
    case 'source':
      return node.op === 'textFile' || EXECUTOR_SOURCES.has(node.op) || isLocalSource(node)
        ? undefined
        : 'a source Spark does not read for sparkling yet';
    case 'kernel':
    case 'partition':
      return undefined;
    case 'batch':
      return def.prepare === undefined || preparesOnSpark(node)
        ? undefined
        : 'it needs a job of its own first';
    case 'combine':
      // A task reading several partitions is fed by a `gather` node (gather.ts).
      return undefined;
    case 'shuffle':
      return undefined;
  }
}

/**
 * The SparkJobError of a failed task as the error a local run raises: a
 * TaskError, or a plain SparklingError the task raised (a destroyed
 * broadcast read), which local mode passes through unwrapped; others as they are.
 */
function taskErrorOf(e: unknown): unknown {
  if (!(e instanceof SparkJobError)) return e;
  const te = e.toTaskError();
  if (te === undefined) return e;
  const cause = te.cause as Error | undefined;
  if (cause?.name !== 'SparklingError') return te;
  const plain = new SparklingError(cause.message);
  if (cause.stack !== undefined) plain.stack = cause.stack;
  return plain;
}

/** The records of JSON batch lines, in order. */
function records(lines: readonly string[], out: unknown[] = []): unknown[] {
  for (const l of lines) {
    const b = fromJSON(l) as unknown[];
    for (let i = 0; i < b.length; i++) out.push(b[i]);
  }
  return out;
}

interface BuiltJob {
  readonly rdds: RddSpec[];
  /** The bridge id of the result stage's pipe. */
  readonly output: string;
  /** What the job's functions add to, by id. */
  readonly accumulators: Map<number, Accumulator<unknown>>;
  /** Shown in Spark's UI. */
  readonly description: string;
}

export class SparkCluster implements Cluster, Executor {
  #bridge: Promise<SparkBridge> | undefined;
  #closed = false;
  #texts = new WeakMap<PlanNode, Promise<{ id: string; count: number }>>();
  /** Persisted RDDs defined (and persisted) in Spark: the bridge id of their records, and every node defined for them. */
  #caches = new Map<number, Promise<{ id: string; defined: string[] }>>();
  /** Every accumulator a shipped function captured, by id (a cached stage's tasks report in a later job). */
  #accumulators = new Map<number, Accumulator<unknown>>();
  /** Side jobs started, naming their Spark nodes apart. */
  #sideJobs = 0;
  /** Broadcast values, shipped once per application (SparkFiles), not inside every task's stage. */
  #broadcasts = new ShippedBroadcasts((file) => this.bridge().then((b) => b.addFile(file)));
  /** @internal The size (bytes of JSON) of what each task of the last job's stages is sent with its header. */
  taskDataBytes: number[] = [];

  constructor(
    readonly master: string,
    private readonly options: SparkOptions,
    private readonly runtime: Runtime,
  ) {}

  /** The bridge, started on first use (one Spark application per Context). */
  bridge(): Promise<SparkBridge> {
    if (this.#closed) return Promise.reject(stoppedError());
    if (this.#bridge === undefined) {
      const starting = (async () => {
        const script = await executorScript();
        const archive = this.options.nodeArchive;
        return SparkBridge.start({
          master: this.master,
          ...(this.options.home === undefined ? {} : { home: this.options.home }),
          conf: { 'spark.ui.showConsoleProgress': false, ...this.options.conf },
          files: [script],
          ...(archive === undefined ? {} : { archives: [`${path.resolve(archive)}#${NODE_DIR}`] }),
        });
      })();
      this.#bridge = starting;
      starting.then(
        (b) => {
          // Stopped while it started: end it now.
          if (this.#closed) void b.stop();
        },
        () => {
          if (this.#bridge === starting) this.#bridge = undefined;
        },
      );
    }
    return this.#bridge;
  }

  /** The executor's command line: plain `node` (the driver's own in local mode), or the shipped one. */
  #command(local: boolean): string[] {
    const script = `${SPARK_FILES}/${EXECUTOR_FILE}`;
    if (this.options.nodeArchive !== undefined)
      return [
        'sh',
        '-c',
        `for n in "$SPARKLING_SPARK_FILES/${NODE_DIR}/bin/node" "$SPARKLING_SPARK_FILES"/${NODE_DIR}/*/bin/node; do [ -x "$n" ] && exec "$n" "$@"; done; echo "sparkling: no bin/node in spark.nodeArchive" >&2; exit 127`,
        'sparkling-executor',
        script,
      ];
    return [local ? process.execPath : 'node', script];
  }

  // --- Executor (explain, and nothing runs here) ---

  /** explain(): the bridge RDDs each stage becomes (explain.ts), without a job or I/O. */
  describe(root: PlanNode): ReadonlyMap<number, string> {
    return sparkStages(root, {
      isCached: (id) => this.runtime.isPersisted(id),
      count: (n) => this.runtime.known.get(n),
      unsupported: unsupportedOp,
    });
  }
  begin(): void {}
  end(): void {}
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const b = this.#bridge;
    // The bridge holds the event loop until Spark and its JVM have ended.
    const broadcasts = this.#broadcasts;
    if (b === undefined) broadcasts.close();
    else
      b.then((bridge) => bridge.stop())
        .catch(() => {})
        .finally(() => broadcasts.close());
  }
  open(): undefined {
    return undefined;
  }
  fold(): undefined;
  fold(job: Job, node: PlanNode, fold: NamedFold, operator: string): Promise<unknown[]>;
  fold(job?: Job, node?: PlanNode, fold?: NamedFold, operator?: string): Promise<unknown[]> | undefined {
    if (job === undefined || node === undefined || fold === undefined) return undefined;
    return this.#fold(job, node, fold, operator ?? fold.name);
  }
  mapTask(): undefined {
    return undefined;
  }

  // --- Cluster ---

  unsupported(operator: string, reason?: string): Error {
    return new UnsupportedOnSparkError(operator, reason ?? 'a Spark Context cannot run it');
  }

  sourceCount(node: PlanNode): Promise<number> | undefined {
    if (node.op !== 'textFile') return undefined;
    return this.#text(node).then((t) => t.count);
  }

  /** A text file's RDD in Spark (kept for the Context's life): its bridge id and Spark's split count. */
  #text(node: PlanNode): Promise<{ id: string; count: number }> {
    let t = this.#texts.get(node);
    if (t === undefined) {
      const args = node.args as unknown as FileArgs;
      const id = `text-${node.id}`;
      t = this.bridge().then(async (bridge) => {
        const counts = await bridge.define([
          { id, kind: 'textFile', path: qualify(args.paths), minPartitions: args.minPartitions },
        ]);
        return { id, count: counts[id] ?? 0 };
      });
      const attempt = t;
      this.#texts.set(node, attempt);
      attempt.catch(() => {
        if (this.#texts.get(node) === attempt) this.#texts.delete(node);
      });
    }
    return t;
  }

  async collect(job: Job, node: PlanNode, partitions?: readonly number[]): Promise<unknown[]> {
    const lines = await this.#collect(
      job,
      node,
      { kind: 'open' },
      { kind: 'records' },
      'collect',
      partitions,
    );
    const out: unknown[] = [];
    for (const part of lines) records(part, out);
    return out;
  }

  async count(job: Job, node: PlanNode): Promise<number> {
    const parts = await this.#fold(job, node, { name: 'count', args: [] }, 'count');
    return (parts as number[]).reduce((a, b) => a + b, 0);
  }

  async #fold(job: Job, node: PlanNode, fold: NamedFold, operator: string): Promise<unknown[]> {
    const parts = await this.#collect(job, node, { kind: 'fold', fold }, PLANNED_FOLD, operator);
    return parts.map((lines) => {
      if (lines.length !== 1)
        throw new SparkBridgeError(`a fold's task wrote ${lines.length} lines, not one`);
      return fromJSON(lines[0] as string);
    });
  }

  /**
   * Spark's incremental scan (`take`): partition 0 first, then 4× as many
   * partitions as scanned so far, or as many as the rows seen so far say
   * are needed (×1.5), each task stopping at the rows still wanted.
   */
  async pull(
    job: Job,
    node: PlanNode,
    consume: (batch: unknown[], partition: number) => boolean | Promise<boolean>,
    operator: string,
    want?: number,
  ): Promise<void> {
    const total = await job.numPartitions(node);
    let scanned = 0;
    let seen = 0;
    while (scanned < total) {
      let tries = 1;
      if (scanned > 0) {
        tries =
          seen === 0
            ? scanned * 4
            : Math.min(
                Math.max(Math.ceil((1.5 * (want ?? seen * 2) * scanned) / seen) - scanned, 1),
                scanned * 4,
              );
      }
      const parts = Array.from({ length: Math.min(tries, total - scanned) }, (_, i) => scanned + i);
      // Each task stops at the rows still wanted (all of its partition when that is not known).
      const t: ExecutorTask =
        want === undefined ? { kind: 'records' } : { kind: 'records', limit: want - seen };
      const got = await this.#collect(job, node, { kind: 'open' }, t, operator, parts);
      for (let i = 0; i < parts.length; i++) {
        const rows = records(got[i] as string[]);
        seen += rows.length;
        if (rows.length === 0) continue;
        // A consumer that returns a Promise (a stream out) holds the scan until it settles.
        const more = consume(rows, parts[i] as number);
        if (!(typeof more === 'boolean' ? more : await more)) return;
      }
      scanned += parts.length;
    }
  }

  async save(job: Job, node: PlanNode, file: string, codec: string | null): Promise<void> {
    const built = await this.#build(job, node, { kind: 'open' }, { kind: 'text' }, 'saveAsTextFile');
    await this.#run(job, built, (bridge, spec) => bridge.run(spec, { signal: job.signal }), {
      kind: 'save',
      rdd: built.output,
      path: qualify(file),
      ...(codec === null ? {} : { codec }),
    });
  }

  /** Runs a `collect` of the result stage's lines: per partition asked (all by default), in order. */
  async #collect(
    job: Job,
    node: PlanNode,
    mode: StageMode,
    task: ExecutorTask,
    operator: string,
    partitions?: readonly number[],
  ): Promise<string[][]> {
    const built = await this.#build(job, node, mode, task, operator);
    let lines: string[][] = [];
    await this.#run(
      job,
      built,
      async (bridge, spec) => {
        const r = await bridge.collect(spec, { signal: job.signal });
        lines = r.partitions;
        return r.result;
      },
      { kind: 'collect', rdd: built.output, ...(partitions === undefined ? {} : { partitions }) },
    );
    return lines;
  }

  /** Runs the job; adds the kept attempts' accumulator updates; a failed task becomes the TaskError a local run raises. */
  async #run(
    job: Job,
    built: BuiltJob,
    go: (bridge: SparkBridge, spec: JobSpec) => Promise<JobResult>,
    action: JobSpec['action'],
  ): Promise<void> {
    const bridge = await this.bridge();
    job.signal.throwIfAborted();
    let result: JobResult;
    try {
      result = await go(bridge, { rdds: built.rdds, action, description: built.description });
    } catch (e) {
      throw taskErrorOf(e);
    }
    for (const r of result.reports) {
      if (r.report === '' || r.report === 'null') continue;
      const updates = fromJSON(JSON.parse(r.report) as string) as [number, unknown][];
      for (const [id, v] of updates) (built.accumulators.get(id) ?? this.#accumulators.get(id))?.add(v);
    }
  }

  /** The job's RDD nodes for Spark: a pipe per stage (a shuffle's map side, the result), shuffles, inputs. */
  async #build(
    job: Job,
    root: PlanNode,
    mode: StageMode,
    task: ExecutorTask,
    operator: string,
  ): Promise<BuiltJob> {
    for (const n of topological(root)) {
      const why = unsupportedOp(n);
      if (why !== undefined) throw this.unsupported(`${n.op}[${n.id}]`, why);
    }
    this.taskDataBytes = [];
    const { rdds, output, accumulators } = await this.#stages(job, root, mode, task, '');
    return { rdds, output, accumulators, description: `sparkling ${operator} of ${root.op}[${root.id}]` };
  }

  /**
   * The RDD nodes computing `root` in Spark, their ids prefixed with
   * `prefix` (a cached RDD's are defined for the Context's life, a job's
   * only for the job). A persisted RDD other than `root` itself is read from
   * its cache node, defined (and persisted in Spark) the first time.
   */
  async #stages(
    job: Job,
    root: PlanNode,
    mode: StageMode,
    task: ExecutorTask,
    prefix: string,
    computing?: number,
  ): Promise<{ rdds: RddSpec[]; output: string; accumulators: Map<number, Accumulator<unknown>> }> {
    const top = root;
    const bridge = await this.bridge();
    const command = this.#command(bridge.info.local);
    const rdds: RddSpec[] = [];
    const accumulators = new Map<number, Accumulator<unknown>>();
    // Persisted RDDs are read from Spark's cache, but the one this computes for it.
    const cached = (id: number) => id !== computing && this.runtime.isPersisted(id);
    const graph = cutStages(top, (id) => id !== top.id && cached(id));
    const pipe = async (id: string, output: PlanNode, stageMode: StageMode, t: ExecutorTask) => {
      const plan = planStage(output, stageMode, {
        isInput: (n) => n.op === 'textFile' || isLocalSource(n) || cached(n.id),
        isCached: cached,
        io: this.runtime.io,
        inlineBroadcasts: false,
        feedsOutput: true,
      });
      if (plan.problem !== undefined)
        throw new ArgumentError(
          `cannot run on Spark: ${plan.problem}; make it plain data, or pass it through sc.broadcast()`,
        );
      // Side jobs first: a sort's range bounds, zipWithIndex's partition sizes.
      const bounds = await prepareOnSpark(plan, stageMode, t, job, this.#side(job));
      const resolved = await resolveStage(plan, job);
      const shipped = await this.#broadcasts.ship(plan.encoder.broadcasts);
      const stage = {
        ...resolved,
        broadcasts: shipped.encoded,
        ...(bounds.length === 0 ? {} : { prepared: [...resolved.prepared, ...bounds] }),
      };
      for (const [aid, acc] of plan.encoder.accumulators) {
        accumulators.set(aid, acc);
        this.#accumulators.set(aid, acc);
      }
      const inputs = new Set(plan.inputs);
      const gathered = !inputs.has(output) && needsGather(output, inputs);
      const { input, feeds } = gathered
        ? await this.#gather(job, id, output, inputs, rdds, prefix, cached)
        : await this.#feed(job, id, output, plan.inputs, rdds, prefix, cached);
      const planned =
        t === PLANNED_FOLD && plan.fold !== undefined ? { kind: 'fold' as const, fold: plan.fold } : t;
      const data: ExecutorData = {
        stage: toJSON(stage),
        feeds,
        task: planned,
        ...(gathered ? { gathered } : {}),
        ...(stage.listings.length === 0 ? {} : { cwd: process.cwd() }),
        ...(Object.keys(shipped.files).length === 0 ? {} : { broadcasts: shipped.files }),
      };
      this.taskDataBytes.push(Buffer.byteLength(JSON.stringify(data)));
      rdds.push({
        id,
        kind: 'pipe',
        input,
        command,
        data: data as unknown as JsonValue,
      });
    };
    // A cached top is read as it is: none of the stages under it run.
    for (const stage of cached(top.id) ? [] : graph.stages) {
      // A shuffle of several RDDs (cogroup, the joins, subtract, intersection):
      // each parent's map stage tags its lines with the parent's index, the
      // bridge unions the map stages (parent 0's partitions first) before the
      // one shuffle, and the reduce task sorts the lines back by tag.
      const several = new Map<PlanNode, string[]>();
      for (const read of stage.shuffles) {
        const n = await job.numPartitions(read.node);
        const tagged = read.node.parents.length > 1;
        const key = `${prefix}shuffle-${read.node.id}-${read.parentIndex}`;
        if (n === 0) {
          if (!tagged) rdds.push({ id: key, kind: 'slices', slices: [] });
          else if (!several.has(read.node)) several.set(read.node, []);
          continue;
        }
        await pipe(
          `${key}-map`,
          read.from.output,
          { kind: 'map', shuffle: read.node, parentIndex: read.parentIndex },
          {
            kind: 'map',
            parentIndex: read.parentIndex,
            numPartitions: n,
            ...(tagged ? { tagged } : {}),
          },
        );
        if (!tagged) {
          rdds.push({ id: key, kind: 'shuffle', input: `${key}-map`, partitions: n });
          continue;
        }
        const maps = several.get(read.node) ?? [];
        maps[read.parentIndex] = `${key}-map`;
        several.set(read.node, maps);
      }
      for (const [node, maps] of several) {
        const key = `${prefix}shuffle-${node.id}-all`;
        const n = await job.numPartitions(node);
        const inputs = maps.filter((m) => m !== undefined);
        if (n === 0 || inputs.length === 0) {
          rdds.push({ id: key, kind: 'slices', slices: Array.from({ length: n }, () => []) });
          continue;
        }
        rdds.push({ id: `${key}-maps`, kind: 'union', inputs });
        rdds.push({ id: key, kind: 'shuffle', input: `${key}-maps`, partitions: n });
      }
    }
    await pipe(`${prefix}result`, top, mode, task);
    return { rdds, output: `${prefix}result`, accumulators };
  }

  /** Runs a job of its own for `job` (a sort's sampling, zipWithIndex's counting): lines per partition; accumulator updates dropped. */
  #side(job: Job): SideJob {
    return async (output, mode, task, what, partitions) => {
      const built = await this.#stages(job, output, mode, task, `side${++this.#sideJobs}-`);
      const bridge = await this.bridge();
      job.signal.throwIfAborted();
      const action = {
        kind: 'collect' as const,
        rdd: built.output,
        ...(partitions === undefined ? {} : { partitions }),
      };
      try {
        const r = await bridge.collect(
          { rdds: built.rdds, action, description: `sparkling: ${what}` },
          { signal: job.signal },
        );
        return r.partitions;
      } catch (e) {
        throw taskErrorOf(e);
      }
    };
  }

  /** A persisted RDD's records in Spark: defined and persisted (`MEMORY_ONLY`) once, computed by the first job that reads them. */
  #cache(job: Job, node: PlanNode): Promise<string> {
    let c = this.#caches.get(node.id);
    if (c === undefined) {
      const prefix = `c${node.id}-`;
      const attempt = (async () => {
        const built = await this.#stages(job, node, { kind: 'open' }, { kind: 'records' }, prefix, node.id);
        const bridge = await this.bridge();
        await bridge.define(built.rdds);
        await bridge.persist(built.output, 'MEMORY_ONLY');
        return { id: built.output, defined: built.rdds.map((r) => r.id) };
      })();
      c = attempt;
      this.#caches.set(node.id, attempt);
      attempt.catch(() => {
        if (this.#caches.get(node.id) === attempt) this.#caches.delete(node.id);
      });
    }
    return c.then((x) => x.id);
  }

  /** `unpersist()`: Spark drops the cached records and forgets the nodes defined for them. */
  unpersist(id: number): void {
    const c = this.#caches.get(id);
    if (c === undefined) return;
    this.#caches.delete(id);
    void c
      .then(async ({ defined }) => {
        const bridge = await this.bridge();
        await bridge.release(defined);
      })
      .catch(() => {});
  }

  /**
   * The bridge node a stage's tasks read, and how each of the stage's
   * inputs is fed. Walking down from the output, a concatenating `union`
   * lays its parents' partitions one after another, as Spark's union does,
   * so task p reads exactly the input partition local mode's partition p
   * reads: a text split, a slice, a shuffle's reduce partition, or nothing
   * (a source computed on the executor, as `range`).
   */
  async #feed(
    job: Job,
    id: string,
    output: PlanNode,
    inputs: readonly PlanNode[],
    rdds: RddSpec[],
    prefix: string,
    cached: (id: number) => boolean,
  ): Promise<{ input: string; feeds: Record<string, Feed> }> {
    const isInput = new Set(inputs);
    const feeds: Record<string, Feed> = {};
    const leaves: string[] = [];
    const stack: PlanNode[] = [output];
    for (let n = stack.pop(); n !== undefined; n = stack.pop()) {
      if (isInput.has(n) || (n.kind === 'shuffle' && n.deps.includes('shuffle'))) {
        const leaf = await this.#leaf(job, n, isInput.has(n), rdds, prefix, cached);
        leaves.push(leaf.id);
        feeds[n.id] = leaf.feed;
        continue;
      }
      if (n.kind === 'source') {
        // Computed on the executor: as many empty partitions as it has.
        const count = await job.numPartitions(n);
        const eid = `${prefix}empty-${count}`;
        if (!rdds.some((r) => r.id === eid))
          rdds.push({ id: eid, kind: 'slices', slices: Array.from({ length: count }, () => []) });
        leaves.push(eid);
        continue;
      }
      if (n.parents.length === 1) {
        stack.push(n.parents[0] as PlanNode);
        continue;
      }
      if (n.op === 'union' && (n.args as unknown as UnionArgs).aligned === false) {
        // Popped first to last: the parents' partitions in order.
        for (let k = n.parents.length - 1; k >= 0; k--) stack.push(n.parents[k] as PlanNode);
        continue;
      }
      throw this.unsupported(`${n.op}[${n.id}]`, 'it reads several partitions in one task');
    }
    if (leaves.length === 1) return { input: leaves[0] as string, feeds };
    rdds.push({ id: `${id}-input`, kind: 'union', inputs: leaves });
    return { input: `${id}-input`, feeds };
  }

  /** The bridge node of a stage input or of a shuffle read from the transport, and how it feeds the task. */
  async #leaf(
    job: Job,
    n: PlanNode,
    input: boolean,
    rdds: RddSpec[],
    prefix: string,
    cached: (id: number) => boolean,
  ): Promise<{ id: string; feed: Feed }> {
    if (!input)
      return { id: `${prefix}shuffle-${n.id}-${n.parents.length === 1 ? '0' : 'all'}`, feed: 'shuffle' };
    if (cached(n.id)) return { id: await this.#cache(job, n), feed: 'batches' };
    if (n.op === 'textFile') return { id: (await this.#text(n)).id, feed: 'lines' };
    if (isLocalSource(n)) {
      const sid = `${prefix}slices-${n.id}`;
      if (!rdds.some((r) => r.id === sid))
        rdds.push({ id: sid, kind: 'slices', slices: await this.#slices(job, n) });
      return { id: sid, feed: 'batches' };
    }
    throw this.unsupported(`${n.op}[${n.id}]`, 'it is read in a way Spark cannot feed yet');
  }

  /**
   * The `gather` node of a stage whose task reads several partitions
   * (gather.ts): partition k reads the leaves' partitions local mode's task
   * k reads, in order, after a head line naming each slot.
   */
  async #gather(
    job: Job,
    id: string,
    output: PlanNode,
    inputs: ReadonlySet<PlanNode>,
    rdds: RddSpec[],
    prefix: string,
    cached: (id: number) => boolean,
  ): Promise<{ input: string; feeds: Record<string, Feed> }> {
    const counts = new Map<PlanNode, number>();
    for (const n of topological(output)) counts.set(n, await job.numPartitions(n));
    const plan = gatherPlan(
      output,
      counts.get(output) ?? 0,
      inputs,
      (n) => counts.get(n) ?? 0,
      (n, why) => this.unsupported(`${n.op}[${n.id}]`, why),
    );
    const feeds: Record<string, Feed> = {};
    const ids: string[] = [];
    for (const n of plan.leaves) {
      const leaf = await this.#leaf(job, n, inputs.has(n), rdds, prefix, cached);
      ids.push(leaf.id);
      feeds[n.id] = leaf.feed;
    }
    rdds.push({
      id: `${id}-gather`,
      kind: 'gather',
      inputs: ids,
      partitions: plan.partitions.map((p, k) => ({ reads: p.reads, head: gatherHead(plan, k) })),
    });
    return { input: `${id}-gather`, feeds };
  }

  /** `parallelize`'s slices as local mode cuts them, as JSON batch lines. */
  async #slices(job: Job, node: PlanNode): Promise<string[][]> {
    const def = opOf(node);
    if (def.kind !== 'source') throw new ArgumentError(`${node.op} is not a source`);
    const count = await job.numPartitions(node);
    const slices: string[][] = [];
    for (let p = 0; p < count; p++) {
      const lines: string[] = [];
      for await (const b of def.open(node.args as never, p, undefined, job))
        for (let i = 0; i < b.length; i += BATCH) lines.push(toJSON(b.slice(i, i + BATCH)));
      slices.push(lines);
    }
    return slices;
  }
}
