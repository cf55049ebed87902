/**
 * Path expressions, Hadoop/pysparkling style: a comma-separated list of
 * paths, each a file, a directory or a glob.
 *
 * - Wildcards (`*`, `?`, `[...]`, `{a,b}`; picomatch, one path segment at a
 *   time, without extglobs or globstars, so `(`, `)` and `|` are literal) may appear in any segment after the scheme and host/bucket. In
 *   http(s) URLs `?` starts the query string, so a URL with a query is taken
 *   literally.
 * - A directory means every file below it, at any depth (pysparkling reads
 *   directories recursively too), skipping names that start with `_` or `.`
 *   (`_SUCCESS`, `_temporary`, `.crc` files, editors' dot files).
 * - Wildcards skip `_`/`.` names too, unless the pattern segment itself starts
 *   with that character. A file named explicitly is always read.
 * - Files are sorted by path within each expression; expressions keep the
 *   order given.
 */
import picomatch from 'picomatch';
import { ArgumentError, PathNotFoundError } from '../errors.js';
import { fileSystemFor, schemeOf } from './fs/index.js';
import type { FileInfo, FileSystem, ListEntry } from './fs/types.js';
import type { IoOptions } from './options.js';
import { mapLimit, withIoRetries } from './util.js';

/**
 * The filesystem of `path`, each of its listing and size requests sent again
 * after a transient failure (`ioRetries`): planning is not part of a task,
 * which the scheduler would run again.
 */
function retrying(path: string, opts: IoOptions): FileSystem {
  const fs = fileSystemFor(path);
  const listTree = fs.listTree;
  return {
    ...fs,
    stat: (p, o, signal) => withIoRetries(opts, () => fs.stat(p, o, signal), signal),
    list: (d, o, signal) => withIoRetries(opts, () => fs.list(d, o, signal), signal),
    ...(listTree === undefined
      ? {}
      : { listTree: (d, o, signal) => withIoRetries(opts, () => listTree.call(fs, d, o, signal), signal) }),
  };
}

/** Splits a comma-separated path list (commas inside `{...}` belong to the glob), trimming blanks. */
export function splitExpressions(paths: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= paths.length; i++) {
    const c = paths[i];
    if (c === '{') depth++;
    else if (c === '}' && depth > 0) depth--;
    else if (i === paths.length || (c === ',' && depth === 0)) {
      const piece = paths.slice(start, i).trim();
      if (piece === '') throw new ArgumentError(`empty path in path list '${paths}'`);
      out.push(piece);
      start = i + 1;
    }
  }
  return out;
}

/** True if a name is skipped when listing directories (Hadoop's hidden-file rule). */
export function isHiddenName(name: string): boolean {
  return name.startsWith('_') || name.startsWith('.');
}

const GLOB_CHARS = /[*?[{]/;

interface ParsedExpression {
  /** `scheme://authority` (or `file:`/`file://`, or `''` for a plain local path). */
  readonly root: string;
  /** Path segments after the root (the first is `''` for an absolute path). */
  readonly segments: string[];
  /** Index of the first segment holding a wildcard, or -1 for a literal path. */
  readonly firstGlob: number;
}

function parseExpression(expr: string): ParsedExpression {
  const scheme = schemeOf(expr);
  let root = '';
  if (scheme === 'file') root = /^file:(\/\/[^/]*)?/i.exec(expr)?.[0] ?? 'file:';
  else if (scheme !== '') root = /^[^:]+:\/\/[^/]*/.exec(expr)?.[0] ?? '';
  const rest = expr.slice(root.length);
  const segments = rest.split('/');
  const literal = (scheme === 'http' || scheme === 'https') && /[?#]/.test(rest);
  const firstGlob = literal ? -1 : segments.findIndex((s) => GLOB_CHARS.test(s));
  return { root, segments, firstGlob };
}

/** Sorts file infos by path (code-unit order). */
function byPath(a: FileInfo, b: FileInfo): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

async function infoOf(
  fs: FileSystem,
  entry: ListEntry,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<FileInfo | null> {
  return entry.info ?? (await fs.stat(entry.path, opts, signal));
}

/** Every non-hidden file below `dir`, at any depth. */
async function filesUnder(
  fs: FileSystem,
  dir: string,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<FileInfo[]> {
  if (fs.listTree) {
    const tree = await fs.listTree(dir, opts, signal);
    return tree.filter((t) => !t.relative.split('/').some(isHiddenName)).map((t) => t.info);
  }
  const out: FileInfo[] = [];
  const walk = async (d: string): Promise<void> => {
    const entries = (await fs.list(d, opts, signal)).filter((e) => !isHiddenName(e.name));
    const files = await mapLimit(
      entries.filter((e) => !e.isDirectory),
      16,
      (e) => infoOf(fs, e, opts, signal),
    );
    for (const f of files) if (f !== null && !f.isDirectory) out.push(f);
    for (const e of entries) if (e.isDirectory) await walk(e.path);
  };
  await walk(dir);
  return out;
}

/** Entries (files or directories) matching `segments[i..]` below `dir`. */
/**
 * A matcher of one path segment's names: `*` `?` `[...]` `[!...]` `{a,b}`
 * and `\` escapes, as Hadoop's globs; names starting with a dot match too.
 * Parentheses and `|` are literal (picomatch would read them as a regular
 * expression's groups).
 */
function segmentMatcher(pattern: string): (name: string) => boolean {
  const literalGroups = pattern.replace(/(\\.)|([()|])/g, (m, escaped: string | undefined) =>
    escaped === undefined ? `\\${m}` : m,
  );
  return picomatch(literalGroups, {
    dot: true,
    nonegate: true,
    noextglob: true,
    noglobstar: true,
    posix: true,
  });
}

async function matchBelow(
  fs: FileSystem,
  dir: string,
  segments: readonly string[],
  i: number,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<ListEntry[]> {
  const pattern = segments[i]!;
  const match = segmentMatcher(pattern);
  let entries: ListEntry[];
  try {
    entries = await fs.list(dir, opts, signal);
  } catch (e) {
    if (e instanceof PathNotFoundError) return [];
    throw e;
  }
  const out: ListEntry[] = [];
  const last = i === segments.length - 1;
  for (const e of entries) {
    if (isHiddenName(e.name) && !pattern.startsWith(e.name[0]!)) continue;
    if (!match(e.name)) continue;
    if (last) out.push(e);
    else if (e.isDirectory)
      for (const m of await matchBelow(fs, e.path, segments, i + 1, opts, signal)) out.push(m);
  }
  return out;
}

/**
 * The files one path expression names, sorted by path. PathNotFoundError if a
 * literal path does not exist or a glob matches nothing; an existing empty
 * directory gives no files.
 */
export async function expandExpression(
  expr: string,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<FileInfo[]> {
  const fs = retrying(expr, opts);
  const { root, segments, firstGlob } = parseExpression(expr);
  if (firstGlob === -1) {
    const info = await fs.stat(expr, opts, signal);
    if (info === null) throw new PathNotFoundError(expr);
    if (!info.isDirectory) return [info];
    return (await filesUnder(fs, expr, opts, signal)).sort(byPath);
  }
  const head = segments.slice(0, firstGlob).join('/');
  const base = root + (head === '' && firstGlob > 0 ? '/' : head);
  const pattern = segments.slice(firstGlob).filter((s) => s !== '');
  const matched = await matchBelow(fs, base, pattern, 0, opts, signal);
  if (matched.length === 0) throw new PathNotFoundError(expr, `no files match pattern: ${expr}`);
  const files: FileInfo[] = [];
  const infos = await mapLimit(matched, 16, async (e) =>
    e.isDirectory ? filesUnder(fs, e.path, opts, signal) : [await infoOf(fs, e, opts, signal)],
  );
  for (const group of infos) for (const f of group) if (f !== null && !f.isDirectory) files.push(f);
  return files.sort(byPath);
}

/** The files of a comma-separated path list: each expression's files sorted by path, expressions in order. */
export async function expandPaths(paths: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo[]> {
  const exprs = splitExpressions(paths);
  const settled = await Promise.allSettled(exprs.map((e) => expandExpression(e, opts, signal)));
  const out: FileInfo[] = [];
  for (const r of settled) {
    // The first failing expression in the order given decides the error, whatever finished first.
    if (r.status === 'rejected') throw r.reason;
    for (const f of r.value) out.push(f);
  }
  return out;
}
