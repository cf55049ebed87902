/**
 * `textFileStream` and `binaryRecordsStream` (Spark's FileInputDStream): the
 * files that appear in a directory, on any filesystem sparkling reads (local,
 * `s3://`, `hdfs://` ...). Files present when the context starts are
 * ignored, and so are names starting with `.` or `_` and subdirectories; a
 * new file is due in the first batch whose time is at or after its
 * modification time, files of one batch are read in modification-time order,
 * and each file is read once (by path). A checkpoint keeps the paths seen, so
 * a restarted program reads only the files it has not read.
 */

import type { Context } from '../../context.js';
import { IOError, PathNotFoundError } from '../../errors.js';
import { fileSystemFor, schemeOf } from '../../io/fs/index.js';
import { isHiddenName } from '../../io/glob.js';
import type { RDD } from '../../rdd.js';
import type { StreamingContext } from '../context.js';
import { InputDStream } from './input.js';

interface Found {
  readonly name: string;
  readonly path: string;
  readonly modifiedMs: number | undefined;
}

/** How a batch's new files become an RDD; `paths` are literal path expressions, oldest file first. */
export type ReadFiles<T> = (sc: Context, paths: string[]) => RDD<T>;

export class FileInputDStream<T> extends InputDStream<T> {
  /** Paths already read, or present at start; forgotten when a file disappears from the directory. */
  private seen = new Set<string>();
  private restored = false;

  constructor(
    ssc: StreamingContext,
    label: string,
    private readonly directory: string,
    private readonly read: ReadFiles<T>,
  ) {
    super(ssc, label);
  }

  override async _start(): Promise<void> {
    if (this.restored) return;
    for (const f of await this.list(true)) this.seen.add(f.path);
  }

  /** The directory's visible files; a directory that is missing has none (at start: a PathNotFoundError, but for S3, whose "directories" exist only through their keys). */
  private async list(atStart: boolean): Promise<Found[]> {
    const sc = this._ssc.sparkContext;
    let entries: Awaited<ReturnType<ReturnType<typeof fileSystemFor>['list']>>;
    try {
      entries = await fileSystemFor(this.directory).list(this.directory, sc._io);
    } catch (e) {
      const s3 = ['s3', 's3a', 's3n'].includes(schemeOf(this.directory));
      if (e instanceof PathNotFoundError && (!atStart || s3)) return [];
      throw e;
    }
    const out: Found[] = [];
    for (const e of entries) {
      if (e.isDirectory || isHiddenName(e.name)) continue;
      out.push({ name: e.name, path: e.path, modifiedMs: e.info?.modifiedMs });
    }
    return out;
  }

  override async _receive(time: number, final: boolean): Promise<RDD<T>> {
    const files = await this.list(false);
    const present = new Set(files.map((f) => f.path));
    for (const p of this.seen) if (!present.has(p)) this.seen.delete(p);
    const due = files
      .filter((f) => !this.seen.has(f.path) && (final || (f.modifiedMs ?? time) <= time))
      .sort(
        (a, b) =>
          (a.modifiedMs ?? 0) - (b.modifiedMs ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0),
      );
    const sc = this._ssc.sparkContext;
    if (due.length === 0) return sc.emptyRDD<T>();
    const names = files.map((f) => f.name);
    const paths = due.map((f) => literalPath(f, names));
    for (const f of due) this.seen.add(f.path);
    return this.read(sc, paths);
  }

  override _saveState(): unknown {
    return [...this.seen];
  }

  override _restoreState(state: unknown): void {
    if (!Array.isArray(state)) return;
    this.seen = new Set(state.filter((p): p is string => typeof p === 'string'));
    this.restored = true;
  }
}

/**
 * A file's path as a path expression that names only it: wildcard characters
 * in its name become one-character classes (`[*]`), and a comma (which would
 * split the expression) a `?`, when no other file of the directory matches it.
 */
function literalPath(f: Found, names: readonly string[]): string {
  const cut = f.path.length - encodedLength(f);
  const dir = f.path.slice(0, cut);
  const last = f.path.slice(cut);
  const escaped = last.replace(/[*?[{]/g, (c) => `[${c}]`).replace(/,/g, '?');
  if (last.includes(',')) {
    const pattern = new RegExp(`^${f.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/,/g, '.')}$`);
    if (names.filter((n) => pattern.test(n)).length > 1)
      throw new IOError(
        f.path,
        'a file whose name holds a comma cannot be read next to files whose names differ from it only there',
      );
  }
  return dir + escaped;
}

/** How long the file's own name is at the end of its path (a file:// URL holds it percent-encoded). */
function encodedLength(f: Found): number {
  const slash = f.path.lastIndexOf('/');
  return slash < 0 ? f.path.length : f.path.length - slash - 1;
}
