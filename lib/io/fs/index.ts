/**
 * The filesystem registry: URL scheme → filesystem. A new filesystem is one
 * file implementing `FileSystem` and one line in `FILESYSTEMS`.
 */
import { UnsupportedSchemeError } from '../../errors.js';
import { gcsFs } from './gcs.js';
import { hdfsFs } from './hdfs.js';
import { httpFs } from './http.js';
import { localFs } from './local.js';
import { s3Fs } from './s3.js';
import type { FileSystem } from './types.js';

const FILESYSTEMS: readonly FileSystem[] = [localFs, httpFs, s3Fs, gcsFs, hdfsFs];

const BY_SCHEME = new Map<string, FileSystem>(FILESYSTEMS.flatMap((fs) => fs.schemes.map((s) => [s, fs])));

/** The scheme of a path, lower case (`''` for a plain local path; `file:/x` and `file:///x` are `file`). */
export function schemeOf(path: string): string {
  if (/^file:/i.test(path)) return 'file';
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(path);
  return m ? m[1]!.toLowerCase() : '';
}

/** The filesystem serving `path` (UnsupportedSchemeError if none does). */
export function fileSystemFor(path: string): FileSystem {
  const scheme = schemeOf(path);
  const fs = BY_SCHEME.get(scheme);
  if (!fs) {
    const known = [...BY_SCHEME.keys()].filter((s) => s !== '').map((s) => `${s}://`);
    throw new UnsupportedSchemeError(
      path,
      `unsupported scheme '${scheme}://' in path ${path} (supported: local paths, ${known.join(', ')})`,
    );
  }
  return fs;
}

export type { FileInfo, FileSystem, ListEntry, OutputTarget, TreeEntry } from './types.js';
