/**
 * Reading: path expressions → splits (Hadoop FileInputFormat's rule), a split
 * → batches of lines (Hadoop LineRecordReader's rule), whole files.
 */
import { ArgumentError } from '../errors.js';
import { BATCH_SIZE } from '../ops/types.js';
import { codecByName, codecForPath } from './codec/index.js';
import type { DecodedChunk } from './codec/types.js';
import { fileSystemFor } from './fs/index.js';
import type { FileSystem, ReadHints } from './fs/types.js';
import { expandPaths, splitExpressions } from './glob.js';
import { indexOfTerminator, isTerminatorByte, LineSplitter } from './lines.js';
import { DEFAULT_BLOCK_SIZE, type IoOptions } from './options.js';
import { anySignal, concatBytes } from './util.js';

/** One unit of input: a whole file or a byte range of an uncompressed one. Plain data (structured-cloneable). */
export interface InputSplit {
  readonly path: string;
  readonly start: number;
  /** Exclusive end offset; null = to EOF. */
  readonly end: number | null;
  readonly codec: string | null;
  /** The file's size when known. */
  readonly size: number | null;
}

/**
 * The most bytes decoded and split at a time; reads may be bigger. 32 and 64
 * KiB measured alike; at 128 KiB `textFile().count()` of 200 MB took 1.4x as
 * long (which is why bigger reads were slower while they were decoded whole).
 */
const PIECE = 64 * 1024;

/** Hadoop's SPLIT_SLOP: the last split of a file may be up to 10% larger than the split size. */
const SPLIT_SLOP = 1.1;

/**
 * Bytes requested beyond a split's end in its first request to a remote
 * store, to finish its last line without a second request in most cases.
 */
const LOOKAHEAD = 64 * 1024;

function positiveInteger(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ArgumentError(`${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/**
 * Resolves a path expression into splits: at least `minPartitions` of them
 * when uncompressed files are big enough to split. Hadoop's rule: goal size =
 * total bytes / minPartitions; split size = max(1, min(goal, blockSize)), where
 * blockSize is `opts.blockSize`, else the file's own (HDFS), else 32 MiB; a
 * file's last split may be up to 10% over the split size; compressed files,
 * files of unknown size and http files without range support are one split
 * each (an empty file too).
 */
export async function planTextSplits(
  paths: string,
  minPartitions: number,
  opts: IoOptions,
): Promise<InputSplit[]> {
  positiveInteger(minPartitions, 'minPartitions');
  const blockSize = opts.blockSize === undefined ? undefined : positiveInteger(opts.blockSize, 'blockSize');
  const files = await expandPaths(paths, opts);
  const total = files.reduce((n, f) => n + (f.size ?? 0), 0);
  const goal = Math.floor(total / minPartitions);
  const splits: InputSplit[] = [];
  for (const f of files) {
    const codec = codecForPath(f.path)?.name ?? null;
    const whole = { path: f.path, start: 0, end: null, codec, size: f.size };
    if (codec !== null || !f.rangeable || f.size === null || f.size === 0) {
      splits.push(whole);
      continue;
    }
    const splitSize = Math.max(1, Math.min(goal, blockSize ?? f.blockSize ?? DEFAULT_BLOCK_SIZE));
    let start = 0;
    let remaining = f.size;
    while (remaining / splitSize > SPLIT_SLOP) {
      splits.push({ path: f.path, start, end: start + splitSize, codec, size: f.size });
      start += splitSize;
      remaining -= splitSize;
    }
    splits.push({ path: f.path, start, end: null, codec, size: f.size });
  }
  return splits;
}

/** The files (not splits) of a path expression, for wholeTextFiles/binaryFiles. */
export async function listFiles(
  paths: string,
  opts: IoOptions,
): Promise<{ path: string; size: number | null; codec: string | null }[]> {
  const files = await expandPaths(paths, opts);
  return files.map((f) => ({ path: f.path, size: f.size, codec: codecForPath(f.path)?.name ?? null }));
}

/** For explain(): the codec the expression's suffixes imply; 'mixed' if they differ. Pure, no I/O. */
export function codecOfPaths(paths: string): string | null {
  let exprs: string[];
  try {
    exprs = splitExpressions(paths);
  } catch {
    exprs = paths.split(',').filter((p) => p.trim() !== '');
  }
  const names = new Set(exprs.map((e) => codecForPath(e.trim())?.name ?? null));
  if (names.size === 0) return null;
  if (names.size > 1) return 'mixed';
  return [...names][0] ?? null;
}

/**
 * Bytes from `start` to EOF, fetched as `[start, softEnd)` first and the rest
 * only if the consumer keeps reading (one ranged request per split in the
 * common case, yet a last line longer than the lookahead is still finished).
 */
async function* readFrom(
  fs: FileSystem,
  split: InputSplit,
  softEnd: number,
  opts: IoOptions,
  signal: AbortSignal,
): AsyncGenerator<Uint8Array> {
  yield* fs.read(split.path, split.start, softEnd, opts, signal, SCRATCH);
  if (split.size !== null && softEnd >= split.size) return;
  yield* fs.read(split.path, softEnd, null, opts, signal, SCRATCH);
}

/**
 * Uncompressed bytes go straight to the line splitter, which copies them
 * (decoding) before it asks for more, so the filesystem may reuse their memory.
 * Never for a codec's input: a decompressor may still hold a chunk.
 */
const SCRATCH: ReadHints = { scratch: true };

/**
 * The bytes of a split's file (decompressed when the split has a codec), with
 * zip entry ends as `null`. Uncompressed chunks are only valid until the next
 * one is asked for (SCRATCH).
 */
function splitBytes(
  fs: FileSystem,
  split: InputSplit,
  opts: IoOptions,
  signal: AbortSignal,
): AsyncIterable<DecodedChunk> {
  if (split.codec !== null) {
    const codec = codecByName(split.codec);
    if (!codec) throw new ArgumentError(`unknown codec '${split.codec}' for ${split.path}`);
    if (split.start !== 0 || split.end !== null) {
      throw new ArgumentError(`a ${split.codec} file is read whole, got a byte range of ${split.path}`);
    }
    return codec.decode(fs.read(split.path, 0, null, opts, signal, { size: split.size }), split.path);
  }
  if (split.size === 0) return (async function* () {})();
  if (split.end === null)
    return fs.read(split.path, split.start, null, opts, signal, { ...SCRATCH, size: split.size });
  return readFrom(fs, split, split.end + 1 + LOOKAHEAD, opts, signal);
}

/**
 * Streams the lines of one split in batches: the lines of each decoded piece
 * (at most PIECE bytes), up to BATCH_SIZE lines a batch.
 *
 * A split owns the lines that start inside `(start, end]` (and the first line
 * when `start` is 0): it drops its first, partial line and reads past `end` to
 * finish its last one (Hadoop's LineRecordReader), so every line belongs to
 * exactly one split. Stopping early or aborting `signal` closes the file,
 * socket and decompressor.
 */
export async function* readTextSplit(
  split: InputSplit,
  opts: IoOptions,
  signal?: AbortSignal,
): AsyncGenerator<string[], void, undefined> {
  signal?.throwIfAborted();
  if (split.start < 0 || (split.end !== null && split.end < split.start)) {
    throw new ArgumentError(`bad split range [${split.start}, ${split.end}) of ${split.path}`);
  }
  const fs = fileSystemFor(split.path);
  const stop = new AbortController();
  const sig = anySignal(signal, stop.signal);
  const it = splitBytes(fs, split, opts, sig)[Symbol.asyncIterator]();
  const splitter = new LineSplitter({ discardFirstLine: split.start > 0 });
  // Uncompressed ranges: bytes [start, end] inclusive are read normally ("main"), then
  // bytes up to the first terminator ("tail"), then nothing ("done").
  const limit = split.codec === null && split.end !== null ? split.end + 1 : Number.POSITIVE_INFINITY;
  let pos = split.start;
  let phase: 'main' | 'tail' | 'done' = 'main';
  let out: string[] = [];
  try {
    while (phase !== 'done') {
      const r = await it.next();
      if (r.done) break;
      signal?.throwIfAborted();
      const chunk = r.value;
      if (chunk === null) {
        splitter.end(out);
        continue;
      }
      // Big reads are decoded and split PIECE bytes at a time.
      for (let at = 0; at < chunk.length && phase !== 'done'; at += PIECE) {
        let piece = chunk.length <= PIECE ? chunk : chunk.subarray(at, at + PIECE);
        if (phase === 'main') {
          if (pos + piece.length < limit) {
            splitter.push(piece, out);
            pos += piece.length;
          } else {
            const head = piece.subarray(0, limit - pos);
            splitter.push(head, out);
            pos = limit;
            piece = piece.subarray(head.length);
            // The byte at `end` closed a line (or the dropped first line is still running): done.
            phase = splitter.discarding || isTerminatorByte(head[head.length - 1]) ? 'done' : 'tail';
          }
        }
        if (phase === 'tail' && piece.length > 0) {
          const t = indexOfTerminator(piece);
          if (t === -1) {
            splitter.push(piece, out);
          } else {
            splitter.push(piece.subarray(0, t + 1), out);
            phase = 'done';
          }
        }
        // The lines of each piece go on at once, while its text is still in the CPU caches.
        if (out.length > 0) {
          if (out.length <= BATCH_SIZE) yield out;
          else for (let i = 0; i < out.length; i += BATCH_SIZE) yield out.slice(i, i + BATCH_SIZE);
          out = [];
        }
      }
    }
    splitter.end(out);
    for (let i = 0; i < out.length; i += BATCH_SIZE) yield out.slice(i, i + BATCH_SIZE);
  } finally {
    stop.abort();
    await it.return?.().catch(() => undefined);
  }
}

/** Collects a stream of bytes into one exactly-sized array (member ends skipped). */
async function collect(chunks: AsyncIterable<DecodedChunk>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of chunks) {
    if (c === null || c.length === 0) continue;
    parts.push(c);
    total += c.length;
  }
  return concatBytes(parts, total);
}

/** A whole file's bytes, decompressed by its suffix's codec when `decompress` (zip: entries concatenated). */
export async function readWholeFile(
  path: string,
  opts: IoOptions,
  decompress: boolean,
  signal?: AbortSignal,
): Promise<Uint8Array> {
  signal?.throwIfAborted();
  const fs = fileSystemFor(path);
  const codec = decompress ? codecForPath(path) : null;
  const raw = fs.read(path, 0, null, opts, signal);
  return collect(codec ? codec.decode(raw, path) : raw);
}

/**
 * The records `wholeTextFiles` (`decompress`) or `binaryFiles` make of one
 * file: `[path, bytes]`, the bytes decompressed by the suffix's codec for
 * wholeTextFiles, raw for binaryFiles (a `.gz` stays its gzip bytes, as in
 * PySpark); an archive (tar) gives one record per regular-file member,
 * keyed `<archive path>/<member path>`, with the member's bytes, for both.
 */
export async function* readWholeRecords(
  path: string,
  opts: IoOptions,
  decompress: boolean,
  signal?: AbortSignal,
): AsyncGenerator<[string, Uint8Array]> {
  signal?.throwIfAborted();
  const codec = codecForPath(path);
  if (codec?.members) {
    const raw = fileSystemFor(path).read(path, 0, null, opts, signal);
    for await (const m of codec.members(raw, path))
      yield [`${path.replace(/\/+$/, '')}/${m.name}`, await collect(m.body)];
    return;
  }
  yield [path, await readWholeFile(path, opts, decompress, signal)];
}
