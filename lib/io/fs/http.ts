/**
 * http:// and https:// (read-only), with Node's `fetch`.
 *
 * - `stat` is a HEAD request (GET when the server refuses HEAD); a file is
 *   splittable when the server answers `Accept-Ranges: bytes` and gives a
 *   `Content-Length`.
 * - Reads are streamed, ranged (`Range: bytes=a-b`) when they do not start at
 *   0 or stop before EOF; a server that ignores the range and answers 200 is
 *   handled by skipping and cutting the bytes here.
 * - `Accept-Encoding: identity`: byte offsets are offsets into the file.
 * - 404/410 → PathNotFoundError; any other 4xx/5xx → IOError naming the URL
 *   and the status. A body that ends before its announced length, a dropped
 *   connection, or a server that sends nothing for `httpTimeoutMs` → IOError
 *   naming the URL: never a short result.
 * - Listing (directories, globs) reads the server's HTML directory index
 *   (a URL ending in `/`): links to direct children, skipping links with a
 *   query (`?C=N;O=D` sort links), parent links and other hosts.
 */
import { IOError, PathNotFoundError } from '../../errors.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type IoOptions } from '../options.js';
import { anySignal } from '../util.js';
import { StallGuard } from './stall.js';
import type { FileInfo, FileSystem, ListEntry } from './types.js';

function statusError(url: string, res: Response): Error {
  const status = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
  if (res.status === 404 || res.status === 410)
    return new PathNotFoundError(url, `path not found: ${url} (${status})`);
  return new IOError(url, status, {
    transient: res.status >= 500 || res.status === 429 || res.status === 408,
  });
}

const timeoutOf = (opts: IoOptions): number => opts.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

/** fetch under a stall guard that covers waiting for the response headers. */
async function send(
  url: string,
  init: { method: string; headers?: Record<string, string> },
  guard: StallGuard,
  signal?: AbortSignal,
): Promise<Response> {
  return guard.wait(
    () =>
      fetch(url, {
        method: init.method,
        headers: { 'accept-encoding': 'identity', ...init.headers },
        redirect: 'follow',
        signal: anySignal(signal, guard.controller.signal),
      }),
    () => 'request failed',
    signal,
  );
}

function lengthOf(res: Response): number | null {
  const cl = res.headers.get('content-length');
  if (cl === null || res.headers.get('content-encoding')) return null;
  const n = Number(cl);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

async function statHttp(url: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo | null> {
  const guard = new StallGuard(timeoutOf(opts), url);
  let res = await send(url, { method: 'HEAD' }, guard, signal);
  if (res.status === 403 || res.status === 405 || res.status === 501) {
    // HEAD refused (or, for a presigned URL, signed for GET only): ask for the first byte instead.
    res = await send(url, { method: 'GET', headers: { range: 'bytes=0-0' } }, guard, signal);
    guard.controller.abort(); // only the headers were wanted
    if (res.status === 416) return { path: url, isDirectory: false, size: 0, rangeable: false };
    if (res.status === 206) {
      const total = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '')?.[1];
      const size = total === undefined ? null : Number(total);
      return { path: url, isDirectory: false, size, rangeable: size !== null };
    }
  }
  if (res.status === 404 || res.status === 410) return null;
  if (!res.ok) throw statusError(url, res);
  const finalPath = new URL(res.url || url).pathname;
  const isDirectory = finalPath.endsWith('/');
  const size = isDirectory ? null : lengthOf(res);
  const rangeable =
    !isDirectory && size !== null && res.headers.get('accept-ranges')?.toLowerCase() === 'bytes';
  return { path: url, isDirectory, size, rangeable };
}

async function* readHttp(
  url: string,
  start: number,
  end: number | null,
  opts: IoOptions,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (end !== null && end <= start) return;
  const guard = new StallGuard(timeoutOf(opts), url);
  const ranged = start > 0 || end !== null;
  const headers: Record<string, string> = ranged
    ? { range: `bytes=${start}-${end === null ? '' : end - 1}` }
    : {};
  let received = 0;
  try {
    const res = await send(url, { method: 'GET', headers }, guard, signal);
    if (res.status === 416) return; // the range starts at or after EOF
    if (!res.ok) throw statusError(url, res);
    // A 200 to a ranged request: the server ignored the range; skip and cut here.
    let skip = 0;
    let want = end === null ? Number.POSITIVE_INFINITY : end - start;
    let expected = lengthOf(res);
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== start) {
        throw new IOError(
          url,
          `server answered range ${start}- with Content-Range '${res.headers.get('content-range')}'`,
        );
      }
      expected = Number(m[2]) - Number(m[1]) + 1;
    } else if (ranged) {
      skip = start;
    }
    if (!res.body) {
      if (expected !== null && expected > 0)
        throw new IOError(url, `response has no body, expected ${expected} bytes`);
      return;
    }
    const reader = res.body.getReader();
    for (;;) {
      const r = await guard.wait(
        () => reader.read(),
        () => `connection failed after ${received} bytes`,
        signal,
      );
      if (r.done) break;
      let chunk = r.value;
      received += chunk.length;
      if (skip > 0) {
        const n = Math.min(skip, chunk.length);
        skip -= n;
        chunk = chunk.subarray(n);
      }
      if (chunk.length > want) chunk = chunk.subarray(0, want);
      want -= chunk.length;
      if (chunk.length > 0) yield chunk;
      if (want === 0) return;
    }
    if (expected !== null && received < expected) {
      throw new IOError(url, `connection closed after ${received} of ${expected} bytes`, { transient: true });
    }
    if (skip > 0) throw new IOError(url, `file ended before offset ${start}`);
  } finally {
    guard.disarm();
    guard.controller.abort(); // releases the connection if the body was not read to the end
  }
}

const HREF = /href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi;

function decodeEntities(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|apos);/g, (_, e: string) =>
    e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : e === 'quot' ? '"' : "'",
  );
}

async function listHttp(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<ListEntry[]> {
  const base = dir.endsWith('/') ? dir : `${dir}/`;
  const guard = new StallGuard(timeoutOf(opts), base);
  const res = await send(base, { method: 'GET' }, guard, signal);
  if (res.status === 404 || res.status === 410) throw new PathNotFoundError(dir);
  if (!res.ok) throw statusError(base, res);
  const html = await guard.wait(
    () => res.text(),
    () => 'reading the directory index failed',
    signal,
  );
  const baseUrl = new URL(res.url || base);
  const seen = new Set<string>();
  const entries: ListEntry[] = [];
  for (const m of html.matchAll(HREF)) {
    const href = decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
    let u: URL;
    try {
      u = new URL(href, baseUrl);
    } catch {
      continue;
    }
    if (u.origin !== baseUrl.origin || u.search !== '' || !u.pathname.startsWith(baseUrl.pathname)) continue;
    const rest = u.pathname.slice(baseUrl.pathname.length);
    const isDirectory = rest.endsWith('/');
    const seg = isDirectory ? rest.slice(0, -1) : rest;
    if (seg === '' || seg.includes('/') || seen.has(seg)) continue;
    seen.add(seg);
    let name = seg;
    try {
      name = decodeURIComponent(seg);
    } catch {}
    entries.push({ name, path: base + seg + (isDirectory ? '/' : ''), isDirectory });
  }
  return entries;
}

export const httpFs: FileSystem = {
  schemes: ['http', 'https'],
  stat: statHttp,
  list: listHttp,
  read: readHttp,
};
