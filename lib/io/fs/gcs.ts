/**
 * gs:// (Google Cloud Storage) over the JSON API with Node's `fetch`: no SDK.
 *
 * Endpoint: `IoOptions.gcs.endpoint`, an origin such as
 * `http://127.0.0.1:9023`, replaces `https://storage.googleapis.com`
 * (else `STORAGE_EMULATOR_HOST`, as Google's libraries read it);
 * `/storage/v1` and `/upload/storage/v1` are appended.
 *
 * Credentials, first that applies: `gcs.token` (an OAuth2 access token; wins
 * over `anonymous`), `gcs.anonymous: true` (no Authorization header: public
 * buckets, emulators), the key file `GOOGLE_APPLICATION_CREDENTIALS` names
 * (a service-account key: an RS256 JWT signed with node:crypto, exchanged at
 * its `token_uri`; or an `authorized_user` refresh token), the metadata
 * server (`GCE_METADATA_HOST`, default `metadata.google.internal`; asked only
 * when talking to Google's endpoint or when `GCE_METADATA_HOST` is set, with
 * a 1 s timeout), else anonymous. Tokens are cached until a minute before
 * they expire.
 *
 * Directories are name prefixes, as on S3: `gs://b/logs` is a directory when
 * some object's name starts with `logs/`. Listing follows `nextPageToken`
 * to the last page. Reads are `alt=media` GETs with a `Range` header, under
 * the stall timeout (`httpTimeoutMs`); a body that ends short or a dropped
 * connection is a transient IOError, which `ioRetries` retries. A request
 * answered 429/5xx, or that fails before an answer, is tried 3 times in all
 * (100 ms, then 400 ms apart) before it is an IOError naming the path.
 *
 * Output: every part is a resumable upload under its final name, sent in
 * 8 MiB pieces as it is written; its last piece (at most 256 KiB, what the
 * protocol lets a session hold back) is kept until `commit`, and an
 * unfinished upload is invisible. `commit` finishes them in name order, then
 * writes `_SUCCESS`; `abort` cancels the sessions and deletes what a failed
 * commit had finished, so a failed job leaves no object under the path.
 * Empty objects (`_SUCCESS`, empty parts) are written as multipart uploads.
 */
import { createSign } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { ArgumentError, IOError, PathExistsError, PathNotFoundError } from '../../errors.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type IoOptions } from '../options.js';
import { anySignal, concatBytes, messageOf } from '../util.js';
import { StagedOutput } from './staged.js';
import { StallGuard } from './stall.js';
import type { FileInfo, FileSystem, ListEntry, OutputTarget, TreeEntry } from './types.js';

const GOOGLE_ENDPOINT = 'https://storage.googleapis.com';
const SCOPE = 'https://www.googleapis.com/auth/devstorage.read_write';
/** A resumable upload's pieces (but the last) must be multiples of 256 KiB. */
const QUANTUM = 256 * 1024;
/** Bytes sent per resumable-upload request. */
export const GCS_PIECE = 32 * QUANTUM;
const ATTEMPTS = 3;

interface GcsLocation {
  readonly bucket: string;
  /** Object name or prefix, without a leading `/`. */
  readonly key: string;
}

function parse(path: string): GcsLocation {
  const m = /^gs:\/\/([^/]+)\/?(.*)$/is.exec(path);
  if (!m) throw new ArgumentError(`not a Google Cloud Storage path (gs://bucket/name): ${path}`);
  return { bucket: m[1]!, key: m[2]! };
}

const pathOf = (loc: GcsLocation, key: string): string => `gs://${loc.bucket}/${key}`;
const dirPrefix = (key: string): string => (key === '' || key.endsWith('/') ? key : `${key}/`);
const timeoutOf = (opts: IoOptions): number => opts.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

/**
 * The endpoint: `gcs.endpoint`, else `STORAGE_EMULATOR_HOST` (the variable
 * Google's own client libraries read; `host:port` or a URL), else Google's.
 */
function endpointOf(opts: IoOptions): string {
  const emulator = process.env.STORAGE_EMULATOR_HOST;
  const fromEnv = emulator ? (/^https?:\/\//i.test(emulator) ? emulator : `http://${emulator}`) : undefined;
  return (opts.gcs?.endpoint ?? fromEnv ?? GOOGLE_ENDPOINT).replace(/\/+$/, '');
}

const objectUrl = (opts: IoOptions, loc: GcsLocation, key: string): string =>
  `${endpointOf(opts)}/storage/v1/b/${encodeURIComponent(loc.bucket)}/o/${encodeURIComponent(key)}`;

// ---------------------------------------------------------------------------------------------
// Credentials

interface Token {
  readonly value: string | null;
  /** ms since the epoch; Infinity for a fixed token or none. */
  readonly expires: number;
}

const tokens = new Map<string, Promise<Token>>();

const base64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

/** Exchanges a form at a token endpoint for `{ access_token, expires_in }`. */
async function exchange(url: string, form: Record<string, string>, what: string): Promise<Token> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    throw new IOError(url, `${what}: token request failed: ${messageOf(e)}`, { cause: e, transient: true });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new IOError(url, `${what}: token request answered HTTP ${res.status}: ${text.slice(0, 300)}`, {
      transient: res.status >= 500 || res.status === 429,
    });
  }
  const json = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
  if (typeof json.access_token !== 'string') throw new IOError(url, `${what}: no access_token in the answer`);
  const ttl = typeof json.expires_in === 'number' ? json.expires_in : 3600;
  return { value: json.access_token, expires: Date.now() + ttl * 1000 };
}

/** A token from the key file at `file` (a service account's key, or gcloud's authorized_user). */
async function fromKeyFile(file: string): Promise<Token> {
  let key: Record<string, unknown>;
  try {
    key = JSON.parse(await fsp.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new IOError(file, `GOOGLE_APPLICATION_CREDENTIALS: cannot read the key file: ${messageOf(e)}`, {
      cause: e,
    });
  }
  const what = `credentials ${file}`;
  if (key.type === 'authorized_user') {
    return exchange(
      typeof key.token_uri === 'string' ? key.token_uri : 'https://oauth2.googleapis.com/token',
      {
        grant_type: 'refresh_token',
        client_id: String(key.client_id),
        client_secret: String(key.client_secret),
        refresh_token: String(key.refresh_token),
      },
      what,
    );
  }
  if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
    throw new ArgumentError(
      `GOOGLE_APPLICATION_CREDENTIALS ${file}: not a service-account key (no client_email/private_key)`,
    );
  }
  const tokenUri = typeof key.token_uri === 'string' ? key.token_uri : 'https://oauth2.googleapis.com/token';
  const now = Math.floor(Date.now() / 1000);
  const header = base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id }));
  const claims = base64url(
    JSON.stringify({ iss: key.client_email, scope: SCOPE, aud: tokenUri, iat: now, exp: now + 3600 }),
  );
  const signer = createSign('RSA-SHA256');
  signer.update(`${header}.${claims}`);
  const signature = signer.sign(key.private_key).toString('base64url');
  return exchange(
    tokenUri,
    {
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${header}.${claims}.${signature}`,
    },
    what,
  );
}

/** A token from the metadata server, or none (not on Google Cloud) within a second. */
async function fromMetadata(host: string): Promise<Token> {
  const base = /^https?:\/\//.test(host) ? host : `http://${host}`;
  try {
    const res = await fetch(`${base}/computeMetadata/v1/instance/service-accounts/default/token`, {
      headers: { 'metadata-flavor': 'Google' },
      signal: AbortSignal.timeout(1000),
    });
    if (!res.ok) return { value: null, expires: Number.POSITIVE_INFINITY };
    const json = (await res.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== 'string') return { value: null, expires: Number.POSITIVE_INFINITY };
    const ttl = typeof json.expires_in === 'number' ? json.expires_in : 3600;
    return { value: json.access_token, expires: Date.now() + ttl * 1000 };
  } catch {
    return { value: null, expires: Number.POSITIVE_INFINITY };
  }
}

/** The `Authorization` header value for these options, or null (anonymous). */
async function authorization(opts: IoOptions): Promise<string | null> {
  const o = opts.gcs ?? {};
  if (o.token !== undefined) return `Bearer ${o.token}`;
  if (o.anonymous) return null;
  const file = process.env.GOOGLE_APPLICATION_CREDENTIALS;
  const metadataHost = process.env.GCE_METADATA_HOST;
  let source: string;
  let fetchToken: () => Promise<Token>;
  if (file) {
    source = `file:${file}`;
    fetchToken = () => fromKeyFile(file);
  } else if (metadataHost || endpointOf(opts) === GOOGLE_ENDPOINT) {
    const host = metadataHost || 'metadata.google.internal';
    source = `metadata:${host}`;
    fetchToken = () => fromMetadata(host);
  } else return null;
  let p = tokens.get(source);
  if (p) {
    const t = await p.catch(() => undefined);
    if (t === undefined || t.expires - 60_000 < Date.now()) p = undefined;
  }
  if (!p) {
    p = fetchToken();
    tokens.set(source, p);
    p.catch(() => tokens.delete(source));
  }
  const t = await p;
  return t.value === null ? null : `Bearer ${t.value}`;
}

// ---------------------------------------------------------------------------------------------
// Requests

interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: Uint8Array | string;
  /** Statuses that are answers, not errors (404 for a stat, 308 for an upload piece). */
  readonly accept?: readonly number[];
  /** What the request does, for messages (`list`, `read`, `upload` ...). */
  readonly what: string;
}

const isTransientStatus = (s: number): boolean => s === 408 || s === 429 || s >= 500;

/** The error message GCS put in a JSON error body, if any. */
function messageIn(text: string): string {
  try {
    const m = (JSON.parse(text) as { error?: { message?: unknown } }).error?.message;
    if (typeof m === 'string') return m;
  } catch {}
  const plain = text.replace(/\s+/g, ' ').trim();
  return plain.length > 200 ? `${plain.slice(0, 200)}...` : plain;
}

/**
 * One JSON-API request, tried up to 3 times when it fails before an answer
 * or is answered 408/429/5xx. Returns the response (its body unread) for an
 * ok or accepted status; a 404 is a PathNotFoundError, others IOErrors, all
 * naming `path`. The stall guard covers waiting for the answer.
 */
async function send(path: string, call: Call, opts: IoOptions, signal?: AbortSignal): Promise<Response> {
  const auth = await authorization(opts);
  let lastError: unknown;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    signal?.throwIfAborted();
    if (attempt > 1) await new Promise((r) => setTimeout(r, 100 * 4 ** (attempt - 2)));
    const guard = new StallGuard(timeoutOf(opts), path);
    let res: Response;
    try {
      res = await guard.wait(
        () =>
          fetch(call.url, {
            method: call.method,
            headers: {
              'accept-encoding': 'identity',
              ...(auth === null ? {} : { authorization: auth }),
              ...call.headers,
            },
            ...(call.body === undefined ? {} : { body: call.body }),
            redirect: 'manual',
            signal: anySignal(signal, guard.controller.signal),
          }),
        () => `${call.what} request failed`,
        signal,
      );
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      lastError = e;
      if (e instanceof IOError && e.transient) continue;
      throw e;
    }
    if (res.ok || call.accept?.includes(res.status)) return res;
    const text = await res.text().catch(() => '');
    const detail = messageIn(text);
    if (res.status === 404) {
      throw new PathNotFoundError(path, `path not found: ${path}${detail ? ` (${detail})` : ''}`);
    }
    lastError = new IOError(
      path,
      `GCS ${call.what} failed (HTTP ${res.status})${detail ? `: ${detail}` : ''}${attempt > 1 ? ` after ${attempt} attempts` : ''}`,
      { transient: isTransientStatus(res.status) },
    );
    if (!isTransientStatus(res.status)) throw lastError;
  }
  throw lastError;
}

/** A request whose answer is JSON. */
async function sendJson(path: string, call: Call, opts: IoOptions, signal?: AbortSignal): Promise<unknown> {
  const res = await send(path, call, opts, signal);
  const text = await res.text().catch((e: unknown) => {
    throw new IOError(path, `GCS ${call.what}: reading the answer failed: ${messageOf(e)}`, {
      cause: e,
      transient: true,
    });
  });
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new IOError(path, `GCS ${call.what}: the answer is not JSON: ${text.slice(0, 100)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

interface ObjectResource {
  readonly name?: string;
  readonly size?: string | number;
}

const sizeOf = (o: ObjectResource): number | null => {
  const n = Number(o.size);
  return o.size !== undefined && Number.isSafeInteger(n) && n >= 0 ? n : null;
};

/** Every page of a listing under `prefix`. */
async function listAll(
  path: string,
  loc: GcsLocation,
  prefix: string,
  delimiter: string | undefined,
  opts: IoOptions,
  signal?: AbortSignal,
  maxResults?: number,
): Promise<{ items: ObjectResource[]; prefixes: string[] }> {
  const items: ObjectResource[] = [];
  const prefixes: string[] = [];
  let pageToken: string | undefined;
  do {
    const q = new URLSearchParams({ prefix });
    if (delimiter) q.set('delimiter', delimiter);
    if (pageToken) q.set('pageToken', pageToken);
    if (maxResults !== undefined) q.set('maxResults', String(maxResults));
    q.set('fields', 'items(name,size),prefixes,nextPageToken');
    const url = `${endpointOf(opts)}/storage/v1/b/${encodeURIComponent(loc.bucket)}/o?${q}`;
    const json = (await sendJson(path, { method: 'GET', url, what: 'list' }, opts, signal)) as {
      items?: ObjectResource[];
      prefixes?: string[];
      nextPageToken?: string;
    } | null;
    for (const it of json?.items ?? []) items.push(it);
    for (const p of json?.prefixes ?? []) prefixes.push(p);
    pageToken = maxResults === undefined ? json?.nextPageToken || undefined : undefined;
  } while (pageToken);
  return { items, prefixes };
}

/** Whether any object's name starts with `prefix`; null when the bucket does not exist. */
async function anyUnder(
  path: string,
  loc: GcsLocation,
  prefix: string,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<boolean | null> {
  try {
    const { items, prefixes } = await listAll(path, loc, prefix, '/', opts, signal, 1);
    return items.length > 0 || prefixes.length > 0;
  } catch (e) {
    if (e instanceof PathNotFoundError) return null;
    throw e;
  }
}

async function statGcs(path: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo | null> {
  const loc = parse(path);
  const dir: FileInfo = { path, isDirectory: true, size: null, rangeable: false };
  if (loc.key === '') return (await anyUnder(path, loc, '', opts, signal)) === null ? null : dir;
  if (loc.key.endsWith('/')) return (await anyUnder(path, loc, loc.key, opts, signal)) ? dir : null;
  try {
    const o = (await sendJson(
      path,
      { method: 'GET', url: `${objectUrl(opts, loc, loc.key)}?fields=name,size`, what: 'stat' },
      opts,
      signal,
    )) as ObjectResource | null;
    return { path, isDirectory: false, size: sizeOf(o ?? {}), rangeable: true };
  } catch (e) {
    if (!(e instanceof PathNotFoundError)) throw e;
  }
  return (await anyUnder(path, loc, `${loc.key}/`, opts, signal)) ? dir : null;
}

async function listGcs(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<ListEntry[]> {
  const loc = parse(dir);
  const prefix = dirPrefix(loc.key);
  let listed: { items: ObjectResource[]; prefixes: string[] };
  try {
    listed = await listAll(dir, loc, prefix, '/', opts, signal);
  } catch (e) {
    if (e instanceof PathNotFoundError) throw new PathNotFoundError(dir, `bucket not found: ${dir}`);
    throw e;
  }
  if (listed.items.length === 0 && listed.prefixes.length === 0 && prefix !== '')
    throw new PathNotFoundError(dir);
  const entries: ListEntry[] = [];
  for (const p of listed.prefixes) {
    const name = p.slice(prefix.length, -1);
    if (name !== '') entries.push({ name, path: pathOf(loc, p), isDirectory: true });
  }
  for (const it of listed.items) {
    if (it.name === undefined) continue;
    const name = it.name.slice(prefix.length);
    if (name === '' || name.includes('/')) continue; // a "directory marker" object
    const path = pathOf(loc, it.name);
    entries.push({
      name,
      path,
      isDirectory: false,
      info: { path, isDirectory: false, size: sizeOf(it), rangeable: true },
    });
  }
  return entries;
}

async function listTreeGcs(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<TreeEntry[]> {
  const loc = parse(dir);
  const prefix = dirPrefix(loc.key);
  const { items } = await listAll(dir, loc, prefix, undefined, opts, signal);
  const out: TreeEntry[] = [];
  for (const it of items) {
    if (it.name === undefined) continue;
    const relative = it.name.slice(prefix.length);
    if (relative === '' || relative.endsWith('/')) continue;
    const path = pathOf(loc, it.name);
    out.push({ relative, info: { path, isDirectory: false, size: sizeOf(it), rangeable: true } });
  }
  return out;
}

async function* readGcs(
  path: string,
  start: number,
  end: number | null,
  opts: IoOptions,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (end !== null && end <= start) return;
  const loc = parse(path);
  const ranged = start > 0 || end !== null;
  const headers: Record<string, string> = ranged
    ? { range: `bytes=${start}-${end === null ? '' : end - 1}` }
    : {};
  const res = await send(
    path,
    {
      method: 'GET',
      url: `${objectUrl(opts, loc, loc.key)}?alt=media`,
      headers,
      accept: [416],
      what: 'read',
    },
    opts,
    signal,
  );
  if (res.status === 416) {
    await res.body?.cancel();
    return; // the range starts at or after the end
  }
  const guard = new StallGuard(timeoutOf(opts), path);
  let received = 0;
  let skip = 0;
  let want = end === null ? Number.POSITIVE_INFINITY : end - start;
  let expected: number | null = null;
  const cl = res.headers.get('content-length');
  if (cl !== null && /^\d+$/.test(cl)) expected = Number(cl);
  if (res.status === 206) {
    const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== start) {
      await res.body?.cancel();
      throw new IOError(
        path,
        `GCS answered range ${start}- with Content-Range '${res.headers.get('content-range')}'`,
      );
    }
    if (m[3] !== '*' && Number(m[1]) >= Number(m[3])) {
      await res.body?.cancel();
      return; // past the end (an emulator answers 206 with nothing)
    }
  } else if (ranged) skip = start; // the range was ignored
  if (!res.body) return;
  const reader = res.body.getReader();
  const stop = (): void => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', stop, { once: true });
  try {
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
      throw new IOError(path, `connection closed after ${received} of ${expected} bytes`, {
        transient: true,
      });
    }
  } finally {
    signal?.removeEventListener('abort', stop);
    guard.disarm();
    await reader.cancel().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// Writing

/** Writes an object whole, as a multipart upload (also right for empty objects). */
async function putSmall(
  path: string,
  loc: GcsLocation,
  key: string,
  body: Uint8Array,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<void> {
  const boundary = `sparkling-${Math.random().toString(36).slice(2)}`;
  const head = Buffer.from(
    `--${boundary}\r\ncontent-type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify({ name: key })}\r\n` +
      `--${boundary}\r\ncontent-type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = `${endpointOf(opts)}/upload/storage/v1/b/${encodeURIComponent(loc.bucket)}/o?uploadType=multipart`;
  const res = await send(
    path,
    {
      method: 'POST',
      url,
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body: concatBytes([head, body, tail]),
      what: 'upload',
    },
    opts,
    signal,
  );
  await res.body?.cancel();
}

/** A part being uploaded: its resumable session and the held-back last piece. */
interface PendingFile {
  readonly key: string;
  /** Null when the part is empty or small enough to go whole at commit. */
  readonly session: string | null;
  readonly sent: number;
  readonly rest: Uint8Array;
}

class GcsOutput extends StagedOutput {
  private readonly pending = new Map<string, PendingFile>();
  private readonly sessions = new Set<string>();
  private readonly completed: string[] = [];

  constructor(
    path: string,
    private readonly loc: GcsLocation,
    private readonly opts: IoOptions,
  ) {
    super(path);
  }

  private keyOf(name: string): string {
    return `${this.loc.key.replace(/\/+$/, '')}/${name}`;
  }

  private async startSession(key: string, filePath: string, signal: AbortSignal): Promise<string> {
    const url = `${endpointOf(this.opts)}/upload/storage/v1/b/${encodeURIComponent(this.loc.bucket)}/o?uploadType=resumable&name=${encodeURIComponent(key)}`;
    const res = await send(
      filePath,
      {
        method: 'POST',
        url,
        headers: {
          'content-type': 'application/json; charset=UTF-8',
          'x-upload-content-type': 'application/octet-stream',
        },
        body: JSON.stringify({ name: key }),
        what: 'upload start',
      },
      this.opts,
      signal,
    );
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (!location) throw new IOError(filePath, 'GCS resumable upload answered without a session Location');
    this.sessions.add(location);
    return location;
  }

  /** Sends `body` at offset `at` of the session; `total` set: the last piece, which finishes the object. */
  private async sendPiece(
    session: string,
    filePath: string,
    body: Uint8Array,
    at: number,
    total: number | null,
    signal?: AbortSignal,
  ): Promise<void> {
    const range =
      body.length === 0 ? `bytes */${total ?? '*'}` : `bytes ${at}-${at + body.length - 1}/${total ?? '*'}`;
    const res = await send(
      filePath,
      {
        method: 'PUT',
        url: session,
        headers: { 'content-range': range },
        body,
        accept: [308],
        what: 'upload',
      },
      this.opts,
      signal,
    );
    await res.body?.cancel();
    if (total === null && res.status !== 308) {
      throw new IOError(filePath, `GCS upload piece answered HTTP ${res.status}, expected 308 (incomplete)`);
    }
    if (total !== null && res.status === 308) {
      throw new IOError(filePath, 'GCS did not finish the upload after its last piece');
    }
  }

  protected async write(name: string, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void> {
    const key = this.keyOf(name);
    const filePath = pathOf(this.loc, key);
    const earlier = this.pending.get(name);
    if (earlier) {
      this.pending.delete(name);
      await this.cancel(earlier.session);
    }
    let session: string | null = null;
    let sent = 0;
    let buffered: Uint8Array[] = [];
    let size = 0;
    try {
      for await (const chunk of data) {
        signal.throwIfAborted();
        buffered.push(chunk);
        size += chunk.length;
        // Send whole quanta while more than a piece is buffered, always keeping some bytes back.
        if (size > GCS_PIECE) {
          const all = concatBytes(buffered, size);
          const n = Math.floor((size - 1) / QUANTUM) * QUANTUM;
          session ??= await this.startSession(key, filePath, signal);
          await this.sendPiece(session, filePath, all.subarray(0, n), sent, null, signal);
          sent += n;
          buffered = [all.slice(n)];
          size -= n;
        }
      }
      this.pending.set(name, { key, session, sent, rest: concatBytes(buffered, size) });
    } catch (e) {
      await this.cancel(session);
      throw e;
    }
  }

  /** Best effort: an unfinished session is invisible and expires by itself. */
  private async cancel(session: string | null): Promise<void> {
    if (session === null) return;
    this.sessions.delete(session);
    await fetch(session, { method: 'DELETE', signal: AbortSignal.timeout(5000) })
      .then((r) => r.body?.cancel())
      .catch(() => undefined);
  }

  protected async publish(): Promise<void> {
    const files = [...this.pending.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const f of files) {
      const filePath = pathOf(this.loc, f.key);
      if (f.session === null) await putSmall(filePath, this.loc, f.key, f.rest, this.opts);
      else {
        await this.sendPiece(f.session, filePath, f.rest, f.sent, f.sent + f.rest.length);
        this.sessions.delete(f.session);
      }
      this.pending.delete(f.key.slice(f.key.lastIndexOf('/') + 1));
      this.completed.push(f.key);
    }
    const success = this.keyOf('_SUCCESS');
    await putSmall(pathOf(this.loc, success), this.loc, success, new Uint8Array(0), this.opts);
    this.completed.push(success);
  }

  protected commitError(e: unknown): unknown {
    return e instanceof Error ? e : new IOError(this.path, `commit failed: ${String(e)}`);
  }

  protected async discard(): Promise<void> {
    await Promise.all([...this.sessions].map((s) => this.cancel(s)));
    this.pending.clear();
    for (const key of this.completed) {
      await send(
        pathOf(this.loc, key),
        { method: 'DELETE', url: objectUrl(this.opts, this.loc, key), accept: [404], what: 'delete' },
        this.opts,
      )
        .then((r) => r.body?.cancel())
        .catch(() => undefined);
    }
    this.completed.length = 0;
  }
}

async function createOutputGcs(path: string, opts: IoOptions): Promise<OutputTarget> {
  const loc = parse(path);
  if (loc.key.replace(/\/+$/, '') === '')
    throw new ArgumentError(`cannot write output to a bucket root: ${path}`);
  if ((await statGcs(path, opts)) !== null) throw new PathExistsError(path);
  try {
    await sendJson(
      path,
      {
        method: 'GET',
        url: `${endpointOf(opts)}/storage/v1/b/${encodeURIComponent(loc.bucket)}?fields=name`,
        what: 'bucket',
      },
      opts,
    );
  } catch (e) {
    if (e instanceof PathNotFoundError) throw new PathNotFoundError(path, `bucket not found: ${path}`);
    throw e;
  }
  return new GcsOutput(path, loc, opts);
}

export const gcsFs: FileSystem = {
  schemes: ['gs'],
  stat: statGcs,
  list: listGcs,
  listTree: listTreeGcs,
  read: readGcs,
  createOutput: createOutputGcs,
};
