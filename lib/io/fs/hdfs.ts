/**
 * HDFS through WebHDFS, Hadoop's REST interface, with Node's `fetch`: no
 * Java and no native client at run time.
 *
 * Paths:
 * - `hdfs://namenode[:rpcPort]/path` talks to the NameNode's HTTP port,
 *   `IoOptions.hdfs.httpPort` (default 9870, Hadoop 3's
 *   `dfs.namenode.http-address`). The port in an `hdfs://` URL is the RPC
 *   port, which WebHDFS does not use, so it is ignored.
 * - `webhdfs://namenode[:httpPort]/path` names the HTTP port itself (default
 *   9870); `swebhdfs://` is the same over https (default 9871).
 * - The path after the authority is the HDFS path, taken literally (as
 *   Hadoop's `Path` takes it): `hdfs://nn/a%20b` is the file `/a%20b`.
 * - Requests carry `user.name` (simple authentication): `hdfs.user`, else
 *   `HADOOP_USER_NAME`, else the OS user, as Hadoop's own client does.
 *   Kerberos (SPNEGO) and delegation tokens are not supported.
 *
 * Reading: `GETFILESTATUS`, `LISTSTATUS`, and `OPEN` with `offset`/`length`,
 * so uncompressed files split into byte ranges like local ones; the split
 * size defaults to the file's HDFS block size (see FileInfo.blockSize). The
 * NameNode answers `OPEN` with a redirect to a DataNode, followed here by
 * hand so errors say which DataNode failed (HttpFS gateways answer with the
 * data directly, which works too). A body that ends before its
 * `Content-Length`, a dropped connection or a DataNode that sends nothing for
 * `httpTimeoutMs` is an IOError (transient), never a short result.
 *
 * Errors carry the server's `RemoteException`: FileNotFoundException →
 * PathNotFoundError, FileAlreadyExistsException → PathExistsError, others →
 * IOError naming the path, the operation and the exception; transient (worth
 * a retry) for 5xx answers, standby/safe-mode/retriable exceptions and
 * network failures.
 *
 * Output (saveAsTextFile): parts are written (`CREATE`, two steps: the
 * NameNode redirects to a DataNode, which receives the streamed body) into a
 * hidden temporary sibling directory
 * `.<name>.sparkling-tmp-<host>.<pid>.<start>-XXXXXXXX` (skipped by readers),
 * `_SUCCESS` last, then the directory is renamed into place with `RENAME`
 * and `renameoptions=NONE`, which HDFS does atomically and refuses if the
 * target exists. `abort` deletes the temporary directory; one left by a
 * killed writer is deleted by the next save into the same parent (staging.ts).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { userInfo } from 'node:os';
import { ArgumentError, IOError, PathExistsError, PathNotFoundError, SparklingError } from '../../errors.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type IoOptions } from '../options.js';
import { anySignal, InputGuard, isAbortError } from '../util.js';
import { StagedOutput } from './staged.js';
import { isAbandonedStaging, stagingPrefix } from './staging.js';
import { StallGuard } from './stall.js';
import type { FileInfo, FileSystem, ListEntry, OutputTarget } from './types.js';

/** Hadoop 3's default NameNode HTTP port (`dfs.namenode.http-address`). */
export const DEFAULT_HDFS_HTTP_PORT = 9870;
/** Hadoop 3's default NameNode HTTPS port (`dfs.namenode.https-address`), for `swebhdfs://`. */
const DEFAULT_HDFS_HTTPS_PORT = 9871;

interface HdfsLocation {
  /** `scheme://authority` as the user wrote it: the prefix of every path built from this one. */
  readonly root: string;
  /** `http://host:port` of the NameNode's WebHDFS endpoint. */
  readonly endpoint: string;
  /** Absolute HDFS path, `/` for the root, no trailing `/` otherwise. */
  readonly path: string;
}

function parse(path: string, opts: IoOptions): HdfsLocation {
  const m = /^(hdfs|webhdfs|swebhdfs):\/\/([^/?#]*)(.*)$/is.exec(path);
  if (!m) throw new ArgumentError(`not an HDFS path (hdfs://namenode/path): ${path}`);
  const scheme = m[1]!.toLowerCase();
  const authority = m[2]!;
  if (authority === '') {
    throw new ArgumentError(
      `an HDFS path needs the NameNode's host (hdfs://namenode/path), got ${path}: there is no default file system`,
    );
  }
  let url: URL;
  try {
    url = new URL(`http://${authority}`);
  } catch {
    throw new ArgumentError(`bad NameNode address '${authority}' in ${path}`);
  }
  let port: number;
  if (scheme === 'hdfs') port = opts.hdfs?.httpPort ?? DEFAULT_HDFS_HTTP_PORT;
  else if (url.port !== '') port = Number(url.port);
  else port = scheme === 'swebhdfs' ? DEFAULT_HDFS_HTTPS_PORT : DEFAULT_HDFS_HTTP_PORT;
  const protocol = scheme === 'swebhdfs' ? 'https' : 'http';
  const rest = m[3]!.replace(/\/+$/, '');
  return {
    root: `${m[1]}://${authority}`,
    endpoint: `${protocol}://${url.hostname}:${port}`,
    path: rest === '' ? '/' : rest.startsWith('/') ? rest : `/${rest}`,
  };
}

const childOf = (loc: HdfsLocation, name: string): HdfsLocation => ({
  ...loc,
  path: loc.path === '/' ? `/${name}` : `${loc.path}/${name}`,
});

const userPath = (loc: HdfsLocation): string => loc.root + loc.path;

function userName(opts: IoOptions): string | undefined {
  const fromEnv = process.env.HADOOP_USER_NAME;
  if (opts.hdfs?.user !== undefined) return opts.hdfs.user;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return userInfo().username;
  } catch {
    return undefined; // no user entry (some containers): the server's default (dr.who) applies
  }
}

/** The WebHDFS URL of `op` on `loc`. */
function opUrl(loc: HdfsLocation, op: string, params: Record<string, string>, opts: IoOptions): string {
  const path = loc.path.split('/').map(encodeURIComponent).join('/');
  const query = new URLSearchParams({ op, ...params });
  const user = userName(opts);
  if (user !== undefined) query.set('user.name', user);
  return `${loc.endpoint}/webhdfs/v1${path}?${query}`;
}

const timeoutOf = (opts: IoOptions): number => opts.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;

/** `NameNode 127.0.0.1:9870` / `DataNode dn1:9864`, for messages. */
function serverOf(url: string, role: string): string {
  const u = new URL(url);
  return `${role} ${u.host}`;
}

interface Request {
  readonly method: 'GET' | 'PUT' | 'DELETE';
  /** Operation name for messages (`OPEN`, `CREATE` ...). */
  readonly op: string;
  /** `NameNode` or `DataNode`, for messages. */
  readonly role: string;
}

/**
 * One WebHDFS request, redirects not followed, under a stall guard that
 * covers waiting for the response headers (the caller arms it again for the
 * body). A network failure is an IOError naming the server.
 */
async function send(
  path: string,
  url: string,
  req: Request,
  guard: StallGuard,
  signal?: AbortSignal,
): Promise<Response> {
  return guard.wait(
    () =>
      fetch(url, {
        method: req.method,
        headers: { 'accept-encoding': 'identity' },
        redirect: 'manual',
        signal: anySignal(signal, guard.controller.signal),
      }),
    () => requestFailed(path, url, req),
    signal,
  );
}

/** `OPEN request to NameNode 127.0.0.1:9870 failed`, with a hint about the port for hdfs:// paths. */
function requestFailed(path: string, url: string, req: Request): string {
  const hint =
    req.role === 'NameNode' && /^hdfs:/i.test(path)
      ? ` (hdfs:// paths use the NameNode's HTTP port, IoOptions.hdfs.httpPort, default ${DEFAULT_HDFS_HTTP_PORT})`
      : '';
  return `${req.op} request to ${serverOf(url, req.role)} failed${hint}`;
}

const isRedirect = (res: Response): boolean => res.status >= 300 && res.status < 400;

/** The redirect target of a NameNode answer (absolute). */
function locationOf(path: string, res: Response, url: string, op: string): string {
  const location = res.headers.get('location');
  if (location === null)
    throw new IOError(path, `${op}: NameNode redirect (HTTP ${res.status}) without Location`);
  return new URL(location, url).toString();
}

/** Exceptions a WebHDFS server reports that a later attempt may not meet. */
const TRANSIENT_EXCEPTIONS = new Set([
  'StandbyException',
  'RetriableException',
  'SafeModeException',
  'ConnectException',
  'SocketTimeoutException',
  'ConnectTimeoutException',
  'ServerNotRunningYetException',
]);

interface RemoteException {
  readonly exception: string;
  readonly message: string;
}

/** The `RemoteException` of an error answer (JSON), or its text. */
async function remoteExceptionOf(res: Response, guard: StallGuard): Promise<RemoteException> {
  let text = '';
  guard.arm();
  try {
    text = await res.text();
  } catch {
    // the status alone has to do
  } finally {
    guard.disarm();
  }
  return parseRemoteException(text);
}

function parseRemoteException(text: string): RemoteException {
  try {
    const json: unknown = JSON.parse(text);
    const re = (json as { RemoteException?: { exception?: unknown; message?: unknown } })?.RemoteException;
    if (re !== undefined && re !== null) {
      return {
        exception: typeof re.exception === 'string' ? re.exception : '',
        message: typeof re.message === 'string' ? re.message : '',
      };
    }
  } catch {}
  // Not WebHDFS JSON (a proxy's HTML page ...): its first line of text, tags stripped.
  const plain = text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return { exception: '', message: plain.length > 200 ? `${plain.slice(0, 200)}...` : plain };
}

/** The error for a failed WebHDFS answer about `path`, given its RemoteException. */
function errorOf(path: string, status: number, remote: RemoteException, url: string, req: Request): Error {
  const { exception, message } = remote;
  if (exception === 'FileNotFoundException' || (exception === '' && status === 404)) {
    return new PathNotFoundError(path, `path not found: ${path}${message ? ` (${message})` : ''}`);
  }
  if (exception === 'FileAlreadyExistsException') {
    return new PathExistsError(path, `output path already exists: ${path}${message ? ` (${message})` : ''}`);
  }
  const what = [`HTTP ${status}`, exception].filter((s) => s !== '').join(', ');
  const transient = status >= 500 || status === 429 || status === 408 || TRANSIENT_EXCEPTIONS.has(exception);
  return new IOError(
    path,
    `${req.op} at ${serverOf(url, req.role)} failed (${what})${message ? `: ${message}` : ''}`,
    { transient },
  );
}

/** The error for a failed WebHDFS answer about `path`. */
async function failure(
  path: string,
  res: Response,
  url: string,
  req: Request,
  guard: StallGuard,
): Promise<Error> {
  return errorOf(path, res.status, await remoteExceptionOf(res, guard), url, req);
}

/** A JSON answer of the NameNode to a metadata operation; error answers become errors naming `path`. */
async function nameNodeJson(
  loc: HdfsLocation,
  method: 'GET' | 'PUT' | 'DELETE',
  op: string,
  params: Record<string, string>,
  opts: IoOptions,
  signal?: AbortSignal,
  path = userPath(loc),
): Promise<unknown> {
  const guard = new StallGuard(timeoutOf(opts), path);
  const url = opUrl(loc, op, params, opts);
  const req: Request = { method, op, role: 'NameNode' };
  try {
    const res = await send(path, url, req, guard, signal);
    if (!res.ok) throw await failure(path, res, url, req, guard);
    const text = await guard.wait(
      () => res.text(),
      () => `reading the ${op} answer failed`,
      signal,
    );
    if (text.trim() === '') return null; // RENAME with renameoptions answers with an empty body
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new IOError(path, `${op} at ${serverOf(url, req.role)}: answer is not JSON (${String(e)})`);
    }
  } finally {
    guard.controller.abort();
  }
}

interface HdfsFileStatus {
  readonly pathSuffix?: string;
  readonly type?: string;
  readonly length?: number;
  readonly blockSize?: number;
  readonly modificationTime?: number;
}

function infoOf(path: string, st: HdfsFileStatus): FileInfo {
  const isDirectory = st.type === 'DIRECTORY';
  if (isDirectory) return { path, isDirectory, size: null, rangeable: false };
  const size = typeof st.length === 'number' && st.length >= 0 ? st.length : null;
  const blockSize = typeof st.blockSize === 'number' && st.blockSize > 0 ? st.blockSize : undefined;
  const modifiedMs = typeof st.modificationTime === 'number' ? st.modificationTime : undefined;
  return {
    path,
    isDirectory,
    size,
    rangeable: size !== null,
    ...(blockSize ? { blockSize } : {}),
    ...(modifiedMs === undefined ? {} : { modifiedMs }),
  };
}

async function statHdfs(path: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo | null> {
  const loc = parse(path, opts);
  let json: unknown;
  try {
    json = await nameNodeJson(loc, 'GET', 'GETFILESTATUS', {}, opts, signal);
  } catch (e) {
    if (e instanceof PathNotFoundError) return null;
    throw e;
  }
  const st = (json as { FileStatus?: HdfsFileStatus } | null)?.FileStatus;
  if (!st) throw new IOError(path, 'GETFILESTATUS answer has no FileStatus');
  return infoOf(path, st);
}

async function listHdfs(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<ListEntry[]> {
  const loc = parse(dir, opts);
  const json = await nameNodeJson(loc, 'GET', 'LISTSTATUS', {}, opts, signal);
  const statuses = (json as { FileStatuses?: { FileStatus?: HdfsFileStatus[] } } | null)?.FileStatuses
    ?.FileStatus;
  if (!Array.isArray(statuses)) throw new IOError(dir, 'LISTSTATUS answer has no FileStatuses');
  // Listing a file answers the file itself, with an empty pathSuffix.
  if (statuses.length === 1 && !statuses[0]!.pathSuffix && statuses[0]!.type !== 'DIRECTORY') {
    throw new PathNotFoundError(dir, `not a directory: ${dir}`);
  }
  const base = dir.replace(/\/+$/, '');
  const entries: ListEntry[] = [];
  for (const st of statuses) {
    const name = st.pathSuffix;
    if (!name) continue;
    const path = `${base}/${name}`;
    const info = infoOf(path, st);
    entries.push(
      info.isDirectory ? { name, path, isDirectory: true } : { name, path, isDirectory: false, info },
    );
  }
  return entries;
}

/** `Offset=N out of the range [0, size)`: a read starting at or after EOF, which is empty elsewhere. */
const PAST_EOF = /^Offset=\d+ out of the range/;

async function* readHdfs(
  path: string,
  start: number,
  end: number | null,
  opts: IoOptions,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (end !== null && end <= start) return;
  const loc = parse(path, opts);
  const guard = new StallGuard(timeoutOf(opts), path);
  const params: Record<string, string> = {};
  if (start > 0) params.offset = String(start);
  if (end !== null) params.length = String(end - start);
  let url = opUrl(loc, 'OPEN', params, opts);
  let req: Request = { method: 'GET', op: 'OPEN', role: 'NameNode' };
  let received = 0;
  try {
    let res = await send(path, url, req, guard, signal);
    if (isRedirect(res)) {
      url = locationOf(path, res, url, 'OPEN');
      await res.body?.cancel();
      req = { ...req, role: 'DataNode' };
      res = await send(path, url, req, guard, signal);
    }
    if (!res.ok) {
      const remote = await remoteExceptionOf(res, guard);
      if (PAST_EOF.test(remote.message)) return;
      throw errorOf(path, res.status, remote, url, req);
    }
    const cl = res.headers.get('content-length');
    const expected = cl === null || !/^\d+$/.test(cl) ? null : Number(cl);
    if (!res.body) {
      if (expected !== null && expected > 0)
        throw new IOError(path, `OPEN answer has no body, expected ${expected} bytes`);
      return;
    }
    const where = serverOf(url, req.role);
    const reader = res.body.getReader();
    for (;;) {
      const r = await guard.wait(
        () => reader.read(),
        () => `connection to ${where} failed after ${received} bytes`,
        signal,
      );
      if (r.done) break;
      received += r.value.length;
      if (r.value.length > 0) yield r.value;
    }
    if (expected !== null && received < expected) {
      throw new IOError(path, `connection to ${where} closed after ${received} of ${expected} bytes`, {
        transient: true,
      });
    }
  } finally {
    guard.disarm();
    guard.controller.abort(); // releases the connection if the body was not read to the end
  }
}

/**
 * PUTs `input` to a DataNode, streamed (chunked) with backpressure. This is
 * node:http, not fetch: a DataNode answers CREATE with an unsolicited
 * `100 Continue` before its final answer, which Node's fetch (undici) treats
 * as a broken response. The stall guard runs while the socket does not take
 * more bytes and while the answer is awaited, never while `input` computes.
 */
async function upload(
  path: string,
  url: string,
  input: AsyncIterable<Uint8Array>,
  guard: StallGuard,
  signal?: AbortSignal,
): Promise<{ status: number; text: string }> {
  const req: Request = { method: 'PUT', op: 'CREATE', role: 'DataNode' };
  const u = new URL(url);
  const client = (u.protocol === 'https:' ? https : http).request(u, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
    signal: anySignal(signal, guard.controller.signal),
  });
  client.on('error', () => undefined); // reported through `answer`; a second error must not go unhandled
  const answer = new Promise<IncomingMessage>((resolve, reject) => {
    client.once('response', resolve);
    client.once('error', reject);
  });
  let answered = false;
  answer.then(
    () => {
      answered = true;
    },
    () => undefined,
  );
  let done = false;
  try {
    try {
      for await (const chunk of input) {
        if (answered) break; // the DataNode answered early (an error): stop sending
        if (!client.write(chunk)) {
          guard.arm();
          await Promise.race([once(client, 'drain'), answer]);
          guard.disarm();
        }
      }
      client.end();
      guard.arm();
      const res = await answer;
      res.setEncoding('utf8');
      let text = '';
      for await (const piece of res) text += piece;
      done = true;
      return { status: res.statusCode ?? 0, text };
    } catch (e) {
      throw guard.failure(e, requestFailed(path, url, req), signal);
    }
  } finally {
    guard.disarm();
    if (!done) client.destroy();
  }
}

/**
 * Writes `data` to the file at `loc` (CREATE: NameNode redirect, then the
 * body to a DataNode); errors name `path`.
 */
async function createFile(
  loc: HdfsLocation,
  data: AsyncIterable<Uint8Array>,
  opts: IoOptions,
  signal: AbortSignal | undefined,
  path: string,
): Promise<void> {
  const guard = new StallGuard(timeoutOf(opts), path);
  const input = new InputGuard(data);
  const nnUrl = opUrl(loc, 'CREATE', { overwrite: 'true' }, opts);
  const nnReq: Request = { method: 'PUT', op: 'CREATE', role: 'NameNode' };
  try {
    const res = await send(path, nnUrl, nnReq, guard, signal);
    if (!isRedirect(res)) {
      if (!res.ok) throw await failure(path, res, nnUrl, nnReq, guard);
      throw new IOError(
        path,
        `CREATE at ${serverOf(nnUrl, 'NameNode')}: expected a redirect, got HTTP ${res.status}`,
      );
    }
    await res.body?.cancel();
    // HttpFS redirects to itself and wants `data=true` with the body; a DataNode ignores it.
    const target = new URL(locationOf(path, res, nnUrl, 'CREATE'));
    if (!target.searchParams.has('data')) target.searchParams.set('data', 'true');
    const url = target.toString();
    let answer: { status: number; text: string };
    try {
      answer = await upload(path, url, input, guard, signal);
    } catch (e) {
      if (input.failed) throw input.error;
      throw e;
    }
    if (input.failed) throw input.error;
    if (answer.status < 200 || answer.status >= 300) {
      const dnReq: Request = { method: 'PUT', op: 'CREATE', role: 'DataNode' };
      throw errorOf(path, answer.status, parseRemoteException(answer.text), url, dnReq);
    }
  } finally {
    guard.disarm();
    guard.controller.abort();
  }
}

/** Reads `{"boolean": b}` (MKDIRS, RENAME, DELETE). */
function booleanOf(json: unknown): boolean | undefined {
  const b = (json as { boolean?: unknown } | null)?.boolean;
  return typeof b === 'boolean' ? b : undefined;
}

async function mkdirs(loc: HdfsLocation, opts: IoOptions, path: string): Promise<void> {
  const ok = booleanOf(await nameNodeJson(loc, 'PUT', 'MKDIRS', {}, opts, undefined, path));
  if (ok !== true) throw new IOError(path, `MKDIRS ${loc.path} failed (the NameNode answered false)`);
}

const EMPTY: AsyncIterable<Uint8Array> = {
  async *[Symbol.asyncIterator]() {},
};

class HdfsOutput extends StagedOutput {
  constructor(
    path: string,
    private readonly target: HdfsLocation,
    private readonly tmp: HdfsLocation,
    private readonly opts: IoOptions,
  ) {
    super(path);
  }

  protected write(name: string, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void> {
    return createFile(childOf(this.tmp, name), data, this.opts, signal, `${this.path}/${name}`);
  }

  protected async publish(): Promise<void> {
    await createFile(childOf(this.tmp, '_SUCCESS'), EMPTY, this.opts, undefined, `${this.path}/_SUCCESS`);
    // renameoptions=NONE: HDFS's rename2, atomic, and refused (FileAlreadyExistsException) if the
    // target exists, where the plain rename would move the directory into an existing one.
    await nameNodeJson(
      this.tmp,
      'PUT',
      'RENAME',
      { destination: this.target.path, renameoptions: 'NONE' },
      this.opts,
      undefined,
      this.path,
    );
  }

  protected async discard(): Promise<void> {
    await nameNodeJson(this.tmp, 'DELETE', 'DELETE', { recursive: 'true' }, this.opts).catch(() => undefined);
  }

  protected commitError(e: unknown): unknown {
    if (e instanceof SparklingError || isAbortError(e)) return e;
    return new IOError(this.path, `commit failed: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** Deletes the staging directories in `parent` whose writer was killed on this host (see staging.ts); best effort. */
async function removeAbandoned(parent: HdfsLocation, opts: IoOptions): Promise<void> {
  let statuses: HdfsFileStatus[] = [];
  try {
    const json = await nameNodeJson(parent, 'GET', 'LISTSTATUS', {}, opts);
    statuses =
      (json as { FileStatuses?: { FileStatus?: HdfsFileStatus[] } } | null)?.FileStatuses?.FileStatus ?? [];
  } catch {
    return; // no parent yet, or not listable: nothing of ours to clean
  }
  for (const st of statuses) {
    const name = st.pathSuffix;
    if (name?.includes('.sparkling-tmp-') && st.type === 'DIRECTORY' && (await isAbandonedStaging(name)))
      await nameNodeJson(childOf(parent, name), 'DELETE', 'DELETE', { recursive: 'true' }, opts).catch(
        () => undefined,
      );
  }
}

async function createOutputHdfs(path: string, opts: IoOptions): Promise<OutputTarget> {
  const target = parse(path, opts);
  if (target.path === '/') throw new ArgumentError(`cannot write output to the HDFS root: ${path}`);
  if ((await statHdfs(path, opts)) !== null) throw new PathExistsError(path);
  const cut = target.path.lastIndexOf('/');
  const parent: HdfsLocation = { ...target, path: cut === 0 ? '/' : target.path.slice(0, cut) };
  const name = target.path.slice(cut + 1);
  await removeAbandoned(parent, opts);
  const tmp = childOf(parent, `${await stagingPrefix(name)}${randomBytes(4).toString('hex')}`);
  await mkdirs(tmp, opts, path); // creates the parent too, as Hadoop's output formats do
  return new HdfsOutput(path, target, tmp, opts);
}

export const hdfsFs: FileSystem = {
  schemes: ['hdfs', 'webhdfs', 'swebhdfs'],
  stat: statHdfs,
  list: listHdfs,
  read: readHdfs,
  createOutput: createOutputHdfs,
};
