/**
 * `socketTextStream(host, port)` (Spark's SocketReceiver): a TCP client that
 * connects to `host:port` and reads UTF-8 lines (ending at `\n`, `\r\n` or a
 * lone `\r`). Each batch takes the lines that arrived up to its time. When
 * more than `maxBufferedBytes` wait for a batch, the socket is paused, so TCP
 * slows the sender down instead of memory growing. A refused or lost
 * connection is retried (after 0.1 s, doubling up to 1 s) for up to
 * `retryTimeout` seconds (default 10) from the first failure of a streak; a
 * connection that succeeds ends the streak. When the time runs out, the
 * context stops with an `IOError` naming `host:port`.
 */
import * as net from 'node:net';
import { IOError } from '../../errors.js';
import { LineSplitter } from '../../io/lines.js';
import type { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import { InputDStream } from './input.js';

/** Options of `socketTextStream` (its fourth argument; the third is PySpark's storage level, ignored). */
export interface SocketStreamOptions {
  /** How long a refused or lost connection is retried, seconds (default 10). */
  retryTimeout?: number;
  /** Bytes received and not yet taken by a batch above which reading pauses (default 64 MiB). */
  maxBufferedBytes?: number;
}

interface Arrived {
  readonly time: number;
  readonly lines: string[];
  readonly bytes: number;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 1000;

export class SocketInputDStream extends InputDStream<string> {
  private socket: net.Socket | undefined;
  private arrived: Arrived[] = [];
  private buffered = 0;
  private paused = false;
  private stopped = false;
  /** Wall-clock time of the first failure of the current streak. */
  private failingSince: number | undefined;
  private retryDelay = FIRST_RETRY_MS;
  private retryTimer: NodeJS.Timeout | undefined;
  private lastError: unknown;

  constructor(
    ssc: StreamingContext,
    private readonly host: string,
    private readonly port: number,
    private readonly retryTimeoutMs: number,
    private readonly maxBuffered: number,
  ) {
    super(ssc, 'socketTextStream');
  }

  private get where(): string {
    return `${this.host}:${this.port}`;
  }

  override _start(): void {
    this.connect();
  }

  private connect(): void {
    this.retryTimer = undefined;
    if (this.stopped) return;
    const splitter = new LineSplitter();
    const socket = net.connect({ host: this.host, port: this.port });
    this.socket = socket;
    let connected = false;
    socket.on('connect', () => {
      connected = true;
      this.failingSince = undefined;
      this.retryDelay = FIRST_RETRY_MS;
      if (this.paused) socket.pause();
    });
    socket.on('data', (chunk: Buffer) => {
      const lines: string[] = [];
      splitter.push(chunk, lines);
      this.add(lines, chunk.length);
    });
    socket.on('error', (e) => {
      this.lastError = e;
    });
    socket.on('close', () => {
      if (connected) {
        const lines: string[] = [];
        splitter.end(lines);
        this.add(lines, 0);
      }
      if (this.socket === socket) this.socket = undefined;
      if (!connected && this.lastError === undefined) this.lastError = new Error('connection closed');
      if (connected) this.lastError = new Error('connection lost');
      this.retry();
    });
  }

  private add(lines: string[], bytes: number): void {
    if (lines.length === 0 && bytes === 0) return;
    this.arrived.push({ time: this._ssc._clock.now(), lines, bytes });
    this.buffered += bytes;
    if (this.buffered > this.maxBuffered && !this.paused) {
      this.paused = true;
      this.socket?.pause();
    }
  }

  private retry(): void {
    if (this.stopped) return;
    const now = Date.now();
    this.failingSince ??= now;
    if (now - this.failingSince >= this.retryTimeoutMs) {
      const last = this.lastError instanceof Error ? this.lastError.message : String(this.lastError);
      this._ssc._fail(
        new IOError(
          this.where,
          `socketTextStream could not connect for ${this.retryTimeoutMs / 1000} s (last: ${last})`,
          { cause: this.lastError },
        ),
      );
      return;
    }
    const delay = Math.min(this.retryDelay, this.failingSince + this.retryTimeoutMs - now);
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
    this.retryTimer = setTimeout(() => this.connect(), Math.max(delay, 0));
  }

  override _receive(time: number, final: boolean): RDD<string> {
    let n = 0;
    while (n < this.arrived.length && (final || (this.arrived[n] as Arrived).time <= time)) n++;
    const taken = this.arrived.splice(0, n);
    const lines: string[] = [];
    for (const a of taken) {
      this.buffered -= a.bytes;
      for (const line of a.lines) lines.push(line);
    }
    if (this.paused && this.buffered <= this.maxBuffered / 2) {
      this.paused = false;
      this.socket?.resume();
    }
    const sc = this._ssc.sparkContext;
    return lines.length === 0 ? sc.emptyRDD<string>() : sc.parallelize(lines);
  }

  override _hasPending(): boolean {
    return this.arrived.length > 0;
  }

  override _stop(): void {
    this.stopped = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.socket?.destroy();
    this.socket = undefined;
  }
}
