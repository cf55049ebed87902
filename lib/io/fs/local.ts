/**
 * Local files: plain paths (absolute or relative) and `file:` URLs.
 *
 * Output is written into a hidden temporary sibling directory
 * (`.<name>.sparkling-tmp-<host>.<pid>.<start>-XXXXXX`, skipped by readers of
 * the parent) that is renamed to the target at commit, after `_SUCCESS` has
 * been written into it; so the target appears complete or not at all. One
 * left by a killed writer is removed by the next save into the same parent
 * (staging.ts).
 */
import { createWriteStream, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { IOError, PathExistsError, PathNotFoundError, SparklingError } from '../../errors.js';
import type { IoOptions } from '../options.js';
import { codeOf, ioCounters, isAbortError, mapLimit, messageOf, rethrowKnown } from '../util.js';
import { StagedOutput } from './staged.js';
import { isAbandonedStaging, stagingPrefix } from './staging.js';
import type { FileInfo, FileSystem, ListEntry, OutputTarget, ReadHints } from './types.js';

/** The size of a file's first reads: what `first()` needs, of plain text or gzip. */
const FIRST_BLOCK = 64 * 1024;
/** How many reads stay at FIRST_BLOCK before the blocks grow. */
const SMALL_READS = 4;
/** The largest read: see readLocal. */
const MAX_BLOCK = 512 * 1024;
/** Reads past a file's listed size, which find its end (or that it has grown). */
const PAST_SIZE = 4096;

const isFileUrl = (path: string): boolean => /^file:/i.test(path);

function toNative(path: string): string {
  if (!isFileUrl(path)) return path === '' ? '.' : path;
  try {
    return fileURLToPath(path);
  } catch (e) {
    throw new IOError(path, `invalid file URL: ${messageOf(e)}`, { cause: e });
  }
}

function childPath(dir: string, name: string): string {
  const piece = isFileUrl(dir) ? encodeURIComponent(name) : name;
  if (dir === '') return piece;
  return dir.endsWith('/') ? dir + piece : `${dir}/${piece}`;
}

function ioError(path: string, e: unknown): IOError {
  return new IOError(path, messageOf(e), { cause: e });
}

const notFound = (e: unknown): boolean => codeOf(e) === 'ENOENT' || codeOf(e) === 'ENOTDIR';

async function statNative(path: string, native: string): Promise<FileInfo | null> {
  try {
    const st = await fsp.stat(native);
    const isDirectory = st.isDirectory();
    return {
      path,
      isDirectory,
      size: isDirectory ? null : st.size,
      rangeable: !isDirectory,
      modifiedMs: st.mtimeMs,
    };
  } catch (e) {
    if (notFound(e)) return null;
    throw ioError(path, e);
  }
}

/**
 * Reads a file front to back. The first SMALL_READS reads ask for
 * FIRST_BLOCK bytes each, one at a time as the consumer asks, so a short read
 * (`first()`, a gzip header) stays short. After them each read asks for twice
 * as many bytes as the last, up to MAX_BLOCK, and the next read is already in
 * flight while the consumer works on the current block.
 *
 * Why: every `read` is a round trip through libuv's thread pool, which costs
 * tens of microseconds of CPU here whatever its size. At a fixed 64 KiB, with
 * each read awaited before the next was asked for, reading alone took about
 * 140 ms of a 200 MB `textFile().count()` and the decoding waited for it;
 * 512 KiB reads cost about 50 ms and overlap with the decoding. (2 MiB reads
 * were slower again.) Memory: at most two blocks per open file.
 *
 * With `scratch` (see ReadHints) those two blocks are all it allocates:
 * reading into fresh memory each time cost about as much again, in page
 * faults, as reading into memory already mapped.
 */
async function* readLocal(
  path: string,
  start: number,
  end: number | null,
  signal: AbortSignal | undefined,
  scratch: boolean,
  listedSize: number | null = null,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  const native = toNative(path);
  let fh: fsp.FileHandle;
  try {
    fh = await fsp.open(native, 'r');
  } catch (e) {
    if (notFound(e)) throw new PathNotFoundError(path);
    throw ioError(path, e);
  }
  ioCounters.opened++;
  let block = FIRST_BLOCK;
  let reads = 0;
  const spare: (Buffer | undefined)[] = [];
  let pos = start; // where the next read starts: after the bytes already read
  // Up to the listed size, no read is bigger than what is left of it; past it, small reads find the end
  // (20,000 small files read into 64 KiB buffers each spent most of their time collecting garbage).
  let size = listedSize;
  /** Starts the read at `pos` (null at `end`); the promise never rejects, it resolves to the error. */
  const issue = (): Promise<Uint8Array | Error> | null => {
    let want = end === null ? block : Math.min(block, end - pos);
    if (size !== null) want = Math.min(want, pos < size ? size - pos : PAST_SIZE);
    if (want <= 0) return null;
    const slot = reads & 1;
    if (++reads >= SMALL_READS) block = Math.min(2 * block, MAX_BLOCK);
    let buf: Buffer;
    if (!scratch) buf = Buffer.allocUnsafe(want);
    else {
      // Two buffers in turn: the one being read into, and the chunk the consumer holds.
      let mine = spare[slot];
      if (mine === undefined || mine.length < want) spare[slot] = mine = Buffer.allocUnsafe(want);
      buf = mine.length === want ? mine : mine.subarray(0, want);
    }
    return fh.read(buf, 0, want, pos).then(
      ({ bytesRead }) => {
        ioCounters.bytesRead += bytesRead;
        return bytesRead < want ? buf.subarray(0, bytesRead) : buf;
      },
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  };
  let pending = issue();
  try {
    while (pending !== null) {
      signal?.throwIfAborted();
      const got = await pending;
      pending = null;
      if (got instanceof Error) {
        rethrowKnown(got, signal);
        throw ioError(path, got);
      }
      if (got.length === 0) return;
      // Bytes past the listed size: the file has grown, read it as one of unknown size.
      if (size !== null && pos >= size) size = null;
      pos += got.length;
      // Past the small reads, read ahead while the consumer works on this block.
      const ahead = reads >= SMALL_READS;
      if (ahead) pending = issue();
      yield got;
      if (!ahead) pending = issue();
    }
  } finally {
    // Never close the handle under a read still in flight.
    if (pending !== null) await pending;
    ioCounters.closed++;
    await fh.close();
  }
}

class LocalOutput extends StagedOutput {
  constructor(
    path: string,
    private readonly target: string,
    private readonly tmp: string,
  ) {
    super(path);
  }

  protected async write(name: string, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void> {
    try {
      await pipeline(data, createWriteStream(nodePath.join(this.tmp, name)), { signal });
    } catch (e) {
      rethrowKnown(e);
      throw ioError(`${this.path}/${name}`, e);
    }
  }

  protected async publish(): Promise<void> {
    await fsp.writeFile(nodePath.join(this.tmp, '_SUCCESS'), '');
    if ((await statNative(this.path, this.target)) !== null) throw new PathExistsError(this.path);
    await fsp.rename(this.tmp, this.target);
  }

  protected async discard(): Promise<void> {
    await fsp.rm(this.tmp, { recursive: true, force: true }).catch(() => undefined);
  }

  protected commitError(e: unknown): unknown {
    if (e instanceof SparklingError || isAbortError(e)) return e;
    // Another writer created the target between the check and the rename.
    if (codeOf(e) === 'ENOTEMPTY' || codeOf(e) === 'EEXIST') return new PathExistsError(this.path);
    return ioError(this.path, e);
  }
}

/** Removes the staging directories in `parent` whose writer was killed (see staging.ts); best effort. */
async function removeAbandoned(parent: string): Promise<void> {
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return;
  }
  for (const name of names)
    if (name.includes('.sparkling-tmp-') && (await isAbandonedStaging(name)))
      await fsp.rm(nodePath.join(parent, name), { recursive: true, force: true }).catch(() => undefined);
}

export const localFs: FileSystem = {
  schemes: ['', 'file'],

  stat(path: string, _opts: IoOptions): Promise<FileInfo | null> {
    return statNative(path, toNative(path));
  },

  async list(dir: string, _opts: IoOptions): Promise<ListEntry[]> {
    const native = toNative(dir);
    let dirents: import('node:fs').Dirent[];
    try {
      dirents = await fsp.readdir(native, { withFileTypes: true });
    } catch (e) {
      if (notFound(e)) throw new PathNotFoundError(dir);
      throw ioError(dir, e);
    }
    const entries = await mapLimit(dirents, 32, async (d): Promise<ListEntry | null> => {
      const path = childPath(dir, d.name);
      if (d.isDirectory()) return { name: d.name, path, isDirectory: true };
      // Files and symlinks: stat follows links and gives the size.
      const info = await statNative(path, nodePath.join(native, d.name));
      if (info === null) return null; // vanished, or a dangling link
      return { name: d.name, path, isDirectory: info.isDirectory, info };
    });
    return entries.filter((e): e is ListEntry => e !== null);
  },

  read(
    path: string,
    start: number,
    end: number | null,
    _opts: IoOptions,
    signal?: AbortSignal,
    hints?: ReadHints,
  ) {
    return readLocal(path, start, end, signal, hints?.scratch === true, hints?.size ?? null);
  },

  async createOutput(path: string, _opts: IoOptions): Promise<OutputTarget> {
    const target = nodePath.resolve(toNative(path));
    if ((await statNative(path, target)) !== null) throw new PathExistsError(path);
    const parent = nodePath.dirname(target);
    try {
      await fsp.mkdir(parent, { recursive: true });
      await removeAbandoned(parent);
      const tmp = await fsp.mkdtemp(nodePath.join(parent, await stagingPrefix(nodePath.basename(target))));
      return new LocalOutput(path, target, tmp);
    } catch (e) {
      throw ioError(path, e);
    }
  },
};
