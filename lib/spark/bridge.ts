/**
 * The driver's side of the Spark bridge: starts `spark-submit … sparkling-bridge.jar`
 * (one Spark application), speaks the JSON-line protocol of `protocol.ts`
 * with it, and stops it.
 *
 * The bridge lives as long as the driver process wants it: `stop()` ends the
 * Spark application and the JVM; a process that exits without calling it
 * closes the bridge's stdin, and the bridge stops Spark and exits by itself.
 * While no request is pending the bridge holds no reference on the event
 * loop, so forgetting `stop()` never keeps a Node program alive.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArgumentError, PathExistsError, PathNotFoundError, type SparklingError } from '../errors.js';
import { SparkBridgeError, SparkJobError } from './errors.js';
import {
  type BridgeInfo,
  type JavaError,
  type JobResult,
  type JobSpec,
  PROTOCOL_VERSION,
  type RddSpec,
  type Reply,
  type StorageLevelName,
  type TaskProgress,
} from './protocol.js';

/** Where `mvn -B -q -f spark/bridge/pom.xml package` puts the bridge, relative to this package. */
export const BRIDGE_JAR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../spark/bridge/target/sparkling-bridge.jar',
);
export const BRIDGE_BUILD_COMMAND = 'mvn -B -q -f spark/bridge/pom.xml package';
export const BRIDGE_MAIN_CLASS = 'sparkling.bridge.Main';

export interface SparkBridgeOptions {
  /** What `spark-submit --master` takes: `spark://host:7077`, `local[2]`, `yarn`, `k8s://…` … */
  readonly master: string;
  /** Spark's directory (`bin/spark-submit`); default `SPARK_HOME`, else `spark-submit` from PATH. */
  readonly home?: string;
  /** `--conf key=value` pairs. */
  readonly conf?: Readonly<Record<string, string | number | boolean>>;
  /** `--archives`: unpacked into each executor's working directory (`file.tgz#name` → `./name`). */
  readonly archives?: readonly string[];
  /** `--files`: copied into each executor's working directory. */
  readonly files?: readonly string[];
  /** The bridge jar; default `SPARKLING_BRIDGE_JAR`, else the one built in this package. */
  readonly jar?: string;
  /** `--name`, shown by the cluster manager; default `sparkling`. */
  readonly appName?: string;
  /** Added to the environment of `spark-submit`. */
  readonly env?: Readonly<Record<string, string>>;
  /** How long Spark may take to start; default 180 s (a JVM starts slowly on a busy machine). */
  readonly startTimeoutMs?: number;
  /** How long `stop()` waits for the JVM before killing it; default 60 s. */
  readonly stopTimeoutMs?: number;
  /** Receives Spark's log (the bridge's stderr) as it comes; it is kept for errors either way. */
  readonly onLog?: (text: string) => void;
}

export interface RunOptions {
  /** Cancels the job (Spark's job group); the promise rejects with the signal's reason once it stopped. */
  readonly signal?: AbortSignal;
  /** Each partition's lines as its task finishes (any order) — `collect` jobs. */
  readonly onLines?: (partition: number, lines: string[]) => void;
  /** Each finished task. */
  readonly onProgress?: (progress: TaskProgress) => void;
}

interface Pending {
  resolve(reply: Reply): void;
  reject(error: Error): void;
  onLines?: (partition: number, lines: string[]) => void;
  onProgress?: (progress: TaskProgress) => void;
}

const LOG_TAIL = 32 * 1024;

type RefCountable = { ref?: () => void; unref?: () => void };

/** Lines of `text` that may break the line protocol. */
function checkLines(id: string, slices: readonly (readonly string[])[]): void {
  for (let i = 0; i < slices.length; i++) {
    const slice = slices[i] as readonly string[];
    for (const line of slice) {
      if (typeof line !== 'string' || /[\n\r]/.test(line)) {
        throw new ArgumentError(
          `slices node ${id}: slice ${i} holds ${typeof line === 'string' ? 'a line with a line break' : `a ${typeof line}`}; lines are text without line breaks`,
        );
      }
    }
  }
}

function checkRdds(rdds: readonly RddSpec[] | undefined): void {
  for (const r of rdds ?? []) if (r.kind === 'slices') checkLines(r.id, r.slices);
}

/** The typed error for an exception the bridge reported outside a failed task. */
function errorOf(error: JavaError, log: string): SparklingError {
  const all = [error, ...(error.causes ?? [])];
  for (const e of all) {
    if (e.class.endsWith('.InvalidInputException')) {
      const m = /(?:Input path does not exist|Input Pattern (?:\S+) matches 0 files):? (\S+)/.exec(e.message);
      const p = m?.[1] ?? e.message;
      return new PathNotFoundError(p, `path not found: ${e.message.split('\n')[0]}`);
    }
    if (e.class.endsWith('.FileAlreadyExistsException')) {
      const m = /Output directory (\S+) already exists/.exec(e.message);
      return new PathExistsError(m?.[1] ?? e.message, `output path already exists: ${e.message}`);
    }
  }
  if (error.class === 'sparkling.bridge.ProtocolException') {
    return new SparkBridgeError(`the Spark bridge refused a request: ${error.message}`, log);
  }
  return new SparkJobError({ error, cancelled: false, task: null, failures: [] });
}

export class SparkBridge {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #options: SparkBridgeOptions;
  readonly #pending = new Map<number, Pending>();
  #info: BridgeInfo | undefined;
  #startMs = 0;
  #nextReq = 1;
  #log = '';
  #carry = '';
  #frame: { pending: Pending | undefined; partition: number; remaining: number; lines: string[] } | undefined;
  #dead: Error | undefined;
  #stopping = false;
  #exited: Promise<void>;
  #onReady: ((info: BridgeInfo) => void) | undefined;
  #onStartFailed: ((e: Error) => void) | undefined;

  private constructor(child: ChildProcessWithoutNullStreams, options: SparkBridgeOptions) {
    this.#child = child;
    this.#options = options;
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => this.#onData(chunk));
    child.stderr.on('data', (chunk: string) => {
      this.#log = (this.#log + chunk).slice(-LOG_TAIL);
      options.onLog?.(chunk);
    });
    // A write to a bridge that died fails here; its exit is reported by the 'exit' handler.
    child.stdin.on('error', () => {});
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        this.#die(
          this.#stopping
            ? new SparkBridgeError('the Spark bridge was stopped')
            : new SparkBridgeError(`the Spark bridge (spark-submit) ${how}`, this.logTail()),
        );
        resolve();
      });
    });
    child.once('error', (e) => {
      this.#die(new SparkBridgeError(`cannot run spark-submit: ${e.message}`, this.logTail(), { cause: e }));
    });
  }

  /** Starts spark-submit with the bridge and waits until the Spark application is up. */
  static async start(options: SparkBridgeOptions): Promise<SparkBridge> {
    if (typeof options.master !== 'string' || options.master === '') {
      throw new ArgumentError(
        `master must be a non-empty string such as spark://host:7077 or local[2], got ${String(options.master)}`,
      );
    }
    const home = options.home ?? process.env.SPARK_HOME;
    const submit = home ? path.join(home, 'bin', 'spark-submit') : 'spark-submit';
    if (home && !existsSync(submit)) {
      throw new SparkBridgeError(
        `no bin/spark-submit in Spark's directory ${home} (spark.home or SPARK_HOME)`,
      );
    }
    const jar = options.jar ?? process.env.SPARKLING_BRIDGE_JAR ?? BRIDGE_JAR;
    if (!existsSync(jar)) {
      throw new SparkBridgeError(
        `the bridge jar ${jar} does not exist: build it once with \`${BRIDGE_BUILD_COMMAND}\` (Java 17, Maven, SPARK_HOME set)`,
      );
    }
    const args = [
      '--master',
      options.master,
      '--name',
      options.appName ?? 'sparkling',
      '--class',
      BRIDGE_MAIN_CLASS,
    ];
    for (const [k, v] of Object.entries(options.conf ?? {})) {
      if (k === '' || /[\s=]/.test(k))
        throw new ArgumentError(`Spark conf key ${JSON.stringify(k)} is not a property name`);
      args.push('--conf', `${k}=${String(v)}`);
    }
    if (options.archives?.length) args.push('--archives', options.archives.join(','));
    if (options.files?.length) args.push('--files', options.files.join(','));
    args.push(jar);
    const t0 = Date.now();
    const child = spawn(submit, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const bridge = new SparkBridge(child, options);
    const timeoutMs = options.startTimeoutMs ?? 180_000;
    let timer: NodeJS.Timeout | undefined;
    try {
      const info = await new Promise<BridgeInfo>((resolve, reject) => {
        bridge.#onReady = resolve;
        bridge.#onStartFailed = reject;
        timer = setTimeout(
          () => reject(new SparkBridgeError(`Spark did not start within ${timeoutMs} ms`, bridge.logTail())),
          timeoutMs,
        );
      });
      if (info.protocol !== PROTOCOL_VERSION) {
        throw new SparkBridgeError(
          `the bridge jar ${jar} speaks protocol ${info.protocol}, this client ${PROTOCOL_VERSION}: rebuild it (${BRIDGE_BUILD_COMMAND})`,
        );
      }
      bridge.#info = info;
      bridge.#startMs = Date.now() - t0;
      bridge.#updateRef();
      return bridge;
    } catch (e) {
      await bridge.#kill();
      throw e;
    } finally {
      clearTimeout(timer);
      bridge.#onReady = undefined;
      bridge.#onStartFailed = undefined;
    }
  }

  /** The Spark application: its id, master, UI, Spark's version, default parallelism … */
  get info(): BridgeInfo {
    return this.#info as BridgeInfo;
  }

  /** Milliseconds from spawning spark-submit to the application being ready. */
  get startMs(): number {
    return this.#startMs;
  }

  /** The bridge JVM's process id (spark-submit execs java). */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Whether the bridge is running and takes requests. */
  get running(): boolean {
    return this.#dead === undefined && !this.#stopping;
  }

  /** The last lines of Spark's log. */
  logTail(lines = 40): string {
    return this.#log.trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** Keeps RDD nodes by id until `release`: later jobs name them; their partition counts. */
  async define(rdds: readonly RddSpec[]): Promise<Record<string, number>> {
    checkRdds(rdds);
    const reply = await this.#request({ op: 'define', rdds });
    return { ...(reply.type === 'ok' ? reply.result?.partitions : undefined) };
  }

  /** Persists a defined RDD (Spark's `persist`; computed by the next job that reads it). */
  async persist(rdd: string, level: StorageLevelName = 'MEMORY_ONLY'): Promise<void> {
    await this.#request({ op: 'persist', rdd, level });
  }

  async unpersist(rdd: string, blocking = false): Promise<void> {
    await this.#request({ op: 'unpersist', rdd, blocking });
  }

  /** Forgets defined RDDs (unpersisting them). */
  async release(rdds: readonly string[]): Promise<void> {
    await this.#request({ op: 'release', rdds });
  }

  /** Ships a file (`SparkContext.addFile`) or an archive to unpack (`addArchive`) to every executor. */
  async addFile(file: string, options: { archive?: boolean } = {}): Promise<void> {
    await this.#request({ op: 'addFile', path: file, archive: options.archive === true });
  }

  /** Runs one job: its own RDD nodes (and defined ones), then its action. */
  async run(job: JobSpec, options: RunOptions = {}): Promise<JobResult> {
    checkRdds(job.rdds);
    const { signal } = options;
    signal?.throwIfAborted();
    const req = this.#nextReq++;
    const onAbort = (): void => {
      this.#send({ req: this.#nextReq++, op: 'cancel', job: req });
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const reply = await this.#request(
        {
          op: 'job',
          rdds: job.rdds ?? [],
          action: job.action,
          description: job.description,
          progress: !!options.onProgress,
        },
        { onLines: options.onLines, onProgress: options.onProgress },
        req,
      );
      if (reply.type !== 'done') throw new SparkBridgeError(`unexpected reply to a job: ${reply.type}`);
      return {
        result: reply.result,
        metrics: reply.metrics,
        failures: reply.failures,
        reports: reply.reports,
      };
    } catch (e) {
      if (signal?.aborted && e instanceof SparkJobError && e.cancelled) throw signal.reason;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /**
   * Runs a `collect` job; the lines of each partition, in the order the
   * action lists them (all partitions, in order, when it lists none).
   */
  async collect(
    job: JobSpec,
    options: Omit<RunOptions, 'onLines'> = {},
  ): Promise<{ partitions: string[][]; result: JobResult }> {
    if (job.action.kind !== 'collect')
      throw new ArgumentError(`collect needs a collect action, got ${job.action.kind}`);
    const got = new Map<number, string[]>();
    const result = await this.run(job, { ...options, onLines: (p, lines) => got.set(p, lines) });
    const order =
      job.action.partitions ?? Array.from({ length: result.result.partitions ?? got.size }, (_, i) => i);
    return { partitions: order.map((p) => got.get(p) ?? []), result };
  }

  /**
   * A defined RDD's partitions one at a time, each by its own job over that
   * partition only (`toLocalIterator`): at most one partition is held.
   */
  async *partitions(
    rdd: string,
    numPartitions: number,
    options: { signal?: AbortSignal } = {},
  ): AsyncGenerator<string[]> {
    for (let p = 0; p < numPartitions; p++) {
      const { partitions } = await this.collect(
        { action: { kind: 'collect', rdd, partitions: [p] } },
        options,
      );
      yield partitions[0] as string[];
    }
  }

  /**
   * Ends the Spark application and the bridge; waits for the JVM to exit
   * (killing it after `stopTimeoutMs`). Requests still pending reject.
   */
  async stop(): Promise<void> {
    if (!this.#stopping) {
      this.#stopping = true;
      if (this.#dead === undefined) {
        this.#send({ req: this.#nextReq++, op: 'stop' });
        this.#child.stdin.end();
      }
    }
    this.#setRef(true);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.#exited.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), this.#options.stopTimeoutMs ?? 60_000);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) await this.#kill();
  }

  // --- Internals ---

  async #kill(): Promise<void> {
    this.#stopping = true;
    this.#setRef(true);
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  #send(msg: object): void {
    this.#child.stdin.write(`${JSON.stringify(msg)}\n`);
  }

  #request(
    msg: object,
    hooks: Omit<Pending, 'resolve' | 'reject'> = {},
    req = this.#nextReq++,
  ): Promise<Reply> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#stopping) return Promise.reject(new SparkBridgeError('the Spark bridge was stopped'));
    return new Promise<Reply>((resolve, reject) => {
      this.#pending.set(req, { resolve, reject, ...hooks });
      this.#updateRef();
      this.#send({ req, ...msg });
    });
  }

  #settle(req: number): Pending | undefined {
    const p = this.#pending.get(req);
    this.#pending.delete(req);
    this.#updateRef();
    return p;
  }

  /** Holds the event loop only while something waits on the bridge. */
  #updateRef(): void {
    this.#setRef(this.#pending.size > 0 || this.#stopping || this.#info === undefined);
  }

  #setRef(on: boolean): void {
    // The pipes are net.Sockets, which can be unref'ed like the process itself.
    const handles = [
      this.#child,
      this.#child.stdin,
      this.#child.stdout,
      this.#child.stderr,
    ] as unknown as RefCountable[];
    for (const h of handles) {
      if (on) h.ref?.();
      else h.unref?.();
    }
  }

  #die(error: Error): void {
    if (this.#dead) return;
    this.#dead = error;
    this.#onStartFailed?.(error);
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    this.#frame = undefined;
  }

  #onData(chunk: string): void {
    const text = this.#carry === '' ? chunk : this.#carry + chunk;
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.#onLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.#carry = start === 0 ? text : text.slice(start);
  }

  #onLine(line: string): void {
    const frame = this.#frame;
    if (frame) {
      frame.lines.push(line);
      if (--frame.remaining === 0) {
        this.#frame = undefined;
        frame.pending?.onLines?.(frame.partition, frame.lines);
      }
      return;
    }
    if (!line.startsWith('{')) {
      // Not the protocol: a JVM warning printed on stdout. Keep it with the log.
      this.#log = `${this.#log}${line}\n`.slice(-LOG_TAIL);
      return;
    }
    let msg: Reply;
    try {
      msg = JSON.parse(line) as Reply;
    } catch {
      this.#log = `${this.#log}${line}\n`.slice(-LOG_TAIL);
      return;
    }
    this.#onMessage(msg);
  }

  #onMessage(msg: Reply): void {
    switch (msg.type) {
      case 'ready':
        this.#onReady?.(msg);
        return;
      case 'fatal':
        this.#die(
          new SparkBridgeError(`Spark stopped: ${msg.error.class}: ${msg.error.message}`, this.logTail()),
        );
        return;
      case 'stopped':
        return;
      case 'lines': {
        const pending = this.#pending.get(msg.req);
        if (msg.count === 0) pending?.onLines?.(msg.partition, []);
        else this.#frame = { pending, partition: msg.partition, remaining: msg.count, lines: [] };
        return;
      }
      case 'progress': {
        const { req: _req, type: _type, ...progress } = msg;
        this.#pending.get(msg.req)?.onProgress?.(progress);
        return;
      }
      case 'ok':
      case 'done':
        this.#settle(msg.req)?.resolve(msg);
        return;
      case 'error':
        this.#settle(msg.req)?.reject(errorOf(msg.error, this.logTail()));
        return;
      case 'failed': {
        const p = this.#settle(msg.req);
        if (!p) return;
        const typed = msg.task === null && !msg.cancelled ? errorOf(msg.error, this.logTail()) : undefined;
        p.reject(
          typed && !(typed instanceof SparkJobError)
            ? typed
            : new SparkJobError({
                error: msg.error,
                cancelled: msg.cancelled,
                task: msg.task,
                failures: msg.failures,
                metrics: msg.metrics,
              }),
        );
        return;
      }
    }
  }
}
