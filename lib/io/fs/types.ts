/**
 * What a filesystem (one per URL scheme) must do for sparkling's readers and
 * writers. Paths are strings in the user's own form (`data/a.txt`,
 * `file:///tmp/a.txt`, `s3a://bucket/key`, `https://host/x.txt`); a
 * filesystem builds child paths in the same form, so results name files the
 * way the user named their parents.
 */
import type { IoOptions } from '../options.js';

/** What `stat` knows about a path. */
export interface FileInfo {
  readonly path: string;
  readonly isDirectory: boolean;
  /** Bytes, or null when the filesystem cannot tell (an http server without Content-Length). */
  readonly size: number | null;
  /** A read can start at any offset cheaply (local, S3, http with `Accept-Ranges: bytes`). */
  readonly rangeable: boolean;
  /**
   * The file's own block size, where the store has one (HDFS): the split size
   * when `IoOptions.blockSize` is not set, as in Hadoop's FileInputFormat.
   */
  readonly blockSize?: number;
  /** Last modification time, epoch milliseconds, where the store tells it (local, S3, HDFS). */
  readonly modifiedMs?: number;
}

/** One child of a directory. `info` may be left out for a file when listing does not tell its size (http). */
export interface ListEntry {
  /** The child's own name (decoded), for matching glob patterns and skipping `_`/`.` names. */
  readonly name: string;
  readonly path: string;
  readonly isDirectory: boolean;
  readonly info?: FileInfo;
}

/** A file under a directory, found by a recursive listing. */
export interface TreeEntry {
  /** Path relative to the listed directory, `/`-separated (to skip hidden names at any depth). */
  readonly relative: string;
  readonly info: FileInfo;
}

/** An output directory being written: files stay invisible until `commit`. */
export interface OutputTarget {
  /** Writes (or rewrites) the file `name` of the output from `data`, streamed with backpressure. */
  writeFile(name: string, data: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void>;
  /** Makes every written file visible under the output path, `_SUCCESS` last. */
  commit(): Promise<void>;
  /** Removes everything written; the output path is left absent. Never throws for cleanup it cannot do. */
  abort(): Promise<void>;
}

/** What a reader promises a filesystem's `read` about how it uses the chunks. */
export interface ReadHints {
  /**
   * The reader is done with each chunk when it asks for the next one (or
   * stops): it copies what it keeps and never hands a chunk on. The
   * filesystem may then read later bytes into that chunk's memory. Without
   * it, every chunk is the reader's to keep.
   */
  readonly scratch?: boolean;
  /**
   * The file's size when it was listed: a filesystem that reads into
   * buffers of its own need not make them bigger (a small file gets a small
   * buffer). The file is still read to its end if it has grown since.
   */
  readonly size?: number | null;
}

export interface FileSystem {
  /** URL schemes served, lower case, without `://` (`''` is a plain local path). */
  readonly schemes: readonly string[];
  /** Null when nothing exists at `path`. */
  stat(path: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo | null>;
  /** Direct children of a directory (PathNotFoundError if it does not exist). */
  list(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<ListEntry[]>;
  /** Every file below `dir` at any depth, when the filesystem can do better than walking `list` (S3). */
  listTree?(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<TreeEntry[]>;
  /**
   * Streams bytes `[start, end)` of a file (`end` null: to EOF). Stopping early
   * (`return()`) or aborting `signal` closes the file or connection.
   */
  read(
    path: string,
    start: number,
    end: number | null,
    opts: IoOptions,
    signal?: AbortSignal,
    hints?: ReadHints,
  ): AsyncIterable<Uint8Array>;
  /** Starts an output directory at `path` (PathExistsError if anything is there). Absent: read-only filesystem. */
  createOutput?(path: string, opts: IoOptions): Promise<OutputTarget>;
}
