/**
 * saveAsTextFile's writer: Hadoop-style output directories, committed
 * atomically. Each filesystem's `createOutput` decides how files stay
 * invisible until commit (local: a temporary sibling directory renamed into
 * place; S3: multipart uploads completed only at commit).
 */
import { ArgumentError, IOError, UnsupportedSchemeError } from '../errors.js';
import { bzip2Program } from './codec/bzip2.js';
import { codecByName } from './codec/index.js';
import type { Codec } from './codec/types.js';
import { fileSystemFor, schemeOf } from './fs/index.js';
import type { OutputTarget } from './fs/types.js';
import type { IoOptions } from './options.js';

/** An output directory being written; see {@link openTextOutput}. */
export interface TextOutput {
  /** Streams one partition's lines into `part-NNNNN` (each line followed by `\n`), with backpressure. */
  writePart(index: number, lines: AsyncIterable<string[]>): Promise<void>;
  /** Makes the parts visible under the path, `_SUCCESS` last. */
  commit(): Promise<void>;
  /** Removes everything written: nothing is left under the path, no temporary directory behind. */
  abort(): Promise<void>;
}

/** Text is handed to the filesystem in pieces of about this many characters. */
const WRITE_CHUNK = 64 * 1024;

/** UTF-8 bytes of the lines, each followed by `\n`, coalesced into pieces of about WRITE_CHUNK. */
async function* encodeLines(lines: AsyncIterable<string[]>): AsyncGenerator<Uint8Array> {
  let pending: string[] = [];
  let size = 0;
  for await (const batch of lines) {
    for (const line of batch) {
      pending.push(line);
      size += line.length + 1;
    }
    if (size >= WRITE_CHUNK) {
      pending.push('');
      yield Buffer.from(pending.join('\n'), 'utf8');
      pending = [];
      size = 0;
    }
  }
  if (pending.length > 0) {
    pending.push('');
    yield Buffer.from(pending.join('\n'), 'utf8');
  }
}

/** `part-00000`, `part-00001` ... (five digits or more, as Hadoop names them). */
export function partName(index: number, suffix: string): string {
  return `part-${String(index).padStart(5, '0')}${suffix}`;
}

/**
 * The codecs `saveAsTextFile` writes: sparkling's names, and Hadoop's codec
 * class names as PySpark users pass them (`compressionCodecClass`).
 */
const OUTPUT_CODECS: Readonly<Record<string, string>> = {
  gzip: 'gzip',
  bzip2: 'bzip2',
  xz: 'xz',
  zstd: 'zstd',
  'org.apache.hadoop.io.compress.GzipCodec': 'gzip',
  'org.apache.hadoop.io.compress.BZip2Codec': 'bzip2',
  'org.apache.hadoop.io.compress.ZStandardCodec': 'zstd',
};

/** What `saveAsTextFile`'s `compressionCodec` accepts. */
export type CompressionCodec =
  | 'gzip'
  | 'bzip2'
  | 'xz'
  | 'zstd'
  | 'org.apache.hadoop.io.compress.GzipCodec'
  | 'org.apache.hadoop.io.compress.BZip2Codec'
  | 'org.apache.hadoop.io.compress.ZStandardCodec';

/** The codec name an output codec argument stands for (ArgumentError if none). */
export function outputCodecName(codec: unknown): string | null {
  if (codec === undefined || codec === null) return null;
  const name =
    typeof codec === 'string' && Object.hasOwn(OUTPUT_CODECS, codec) ? OUTPUT_CODECS[codec] : undefined;
  if (name === undefined) {
    throw new ArgumentError(
      `compressionCodec must be one of ${Object.keys(OUTPUT_CODECS)
        .map((k) => `'${k}'`)
        .join(', ')} or undefined, got ${typeof codec === 'string' ? `'${codec}'` : String(codec)}`,
    );
  }
  return name;
}

/**
 * Opens `path` for a Hadoop-style text output: refuses an existing path
 * (PathExistsError); parts become visible only at `commit`, `_SUCCESS` last;
 * `abort` leaves nothing behind. `codec` compresses every part (`.gz`,
 * `.bz2`, `.xz`, `.zst`): bzip2 needs the `bzip2` program (IOError without
 * it), xz the `xz` program and zstd Node's zlib zstd or the `zstd` program
 * (ArgumentError naming the codec without them); checked before anything
 * is written.
 */
export async function openTextOutput(
  path: string,
  codec: string | null,
  opts: IoOptions,
): Promise<TextOutput> {
  const name = outputCodecName(codec);
  const c: Codec | null = name === null ? null : (codecByName(name) ?? null);
  if (name !== null && c?.encode === undefined)
    throw new ArgumentError(`compressionCodec '${codec}' cannot be written`);
  if (c?.name === 'bzip2' && (await bzip2Program()) === null) {
    throw new IOError(
      path,
      'writing bzip2 needs the bzip2 program on PATH (no pure-JS bzip2 compressor is available)',
    );
  }
  if (c?.canEncode && !(await c.canEncode())) {
    const needs =
      c.name === 'zstd'
        ? "Node's zlib zstd (Node 22.15+) or the zstd program on PATH"
        : `the ${c.name} program on PATH`;
    throw new ArgumentError(
      `compressionCodec '${codec}' needs ${needs}, and none is available here: nothing was written`,
    );
  }
  const fs = fileSystemFor(path);
  if (!fs.createOutput) {
    throw new UnsupportedSchemeError(
      path,
      `cannot write to ${schemeOf(path)}:// (read-only filesystem): ${path}`,
    );
  }
  const target: OutputTarget = await fs.createOutput(path, opts);
  const suffix = c?.suffix ?? '';
  return {
    async writePart(index, lines) {
      if (!Number.isSafeInteger(index) || index < 0) {
        throw new ArgumentError(`part index must be a non-negative integer, got ${String(index)}`);
      }
      const name = partName(index, suffix);
      const bytes = encodeLines(lines);
      await target.writeFile(name, c?.encode ? c.encode(bytes, `${path}/${name}`) : bytes);
    },
    commit: () => target.commit(),
    abort: () => target.abort(),
  };
}
