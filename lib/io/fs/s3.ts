/**
 * s3://, s3a://, s3n:// (all the same store) with `@aws-sdk/client-s3`,
 * imported lazily on first use so programs that never touch S3 do not pay
 * its load time.
 *
 * Configuration: `IoOptions.s3` first, then the standard environment
 * (`AWS_REGION`/`AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`,
 * credentials through the SDK's default chain: `AWS_ACCESS_KEY_ID`...,
 * `~/.aws`, instance roles), plus `AWS_S3_FORCE_PATH_STYLE=true` as a
 * convenience for S3-compatible stores. `anonymous: true` sends unsigned
 * requests (public buckets). Checksums are computed only where S3 requires
 * them (`WHEN_REQUIRED`), which S3-compatible stores accept.
 *
 * Directories are key prefixes: `s3://b/logs` is a directory when some key
 * starts with `logs/`. Listing is ListObjectsV2 (with `/` as delimiter for one
 * level, without for a whole tree). Reads are ranged GetObject requests under
 * the same stall timeout as http (`httpTimeoutMs`); a body that ends short or
 * a dropped connection is an IOError. Throttling and 5xx answers get the
 * SDK's retries (3 attempts by default), then an IOError naming the path.
 *
 * Output ("rename" on S3): every part is a multipart upload under its final
 * key, but no upload is completed until `commit`, and an uncompleted
 * multipart upload is invisible. `commit` completes them all, then writes
 * `_SUCCESS`; `abort` aborts the uploads (and deletes anything a failed
 * commit had completed), so a failed job leaves no object under the path. No
 * copy+delete, so no doubling of the bytes moved. A process killed mid-job
 * leaves only invisible incomplete uploads, which a bucket lifecycle rule
 * (AbortIncompleteMultipartUpload) reclaims.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { ArgumentError, IOError, PathExistsError, PathNotFoundError } from '../../errors.js';
import { DEFAULT_HTTP_TIMEOUT_MS, type IoOptions } from '../options.js';
import { anySignal, concatBytes, messageOf, rethrowKnown } from '../util.js';
import { StagedOutput } from './staged.js';
import { StallGuard } from './stall.js';
import type { FileInfo, FileSystem, ListEntry, OutputTarget, TreeEntry } from './types.js';

type Sdk = typeof import('@aws-sdk/client-s3');

let sdkPromise: Promise<Sdk> | undefined;
/** The SDK module, loaded on first use. */
const sdk = (): Promise<Sdk> => {
  sdkPromise ??= import('@aws-sdk/client-s3');
  return sdkPromise;
};

/** Size of every multipart-upload part but the last (S3's minimum is 5 MiB). */
export const PART_SIZE = 8 * 1024 * 1024;

interface S3Location {
  readonly scheme: string;
  readonly bucket: string;
  /** Object key or prefix, without a leading `/`. */
  readonly key: string;
}

function parse(path: string): S3Location {
  const m = /^(s3[an]?):\/\/([^/]+)\/?(.*)$/is.exec(path);
  if (!m) throw new ArgumentError(`not an S3 path (s3://bucket/key): ${path}`);
  return { scheme: m[1]!.toLowerCase(), bucket: m[2]!, key: m[3]! };
}

const pathOf = (loc: S3Location, key: string): string => `${loc.scheme}://${loc.bucket}/${key}`;

/** The key prefix of the "directory" at `key`. */
const dirPrefix = (key: string): string => (key === '' || key.endsWith('/') ? key : `${key}/`);

const clients = new Map<string, Promise<S3Client>>();

function envFlag(name: string): boolean | undefined {
  const v = process.env[name]?.toLowerCase();
  return v === undefined || v === '' ? undefined : v === 'true' || v === '1';
}

/** The client for these options (one per distinct configuration, reused). */
function clientFor(opts: IoOptions): Promise<S3Client> {
  const o = opts.s3 ?? {};
  const config = {
    region: o.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
    endpoint: o.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL,
    forcePathStyle: o.forcePathStyle ?? envFlag('AWS_S3_FORCE_PATH_STYLE') ?? false,
    anonymous: o.anonymous ?? false,
    credentials: o.credentials,
  };
  const cacheKey = JSON.stringify(config);
  let client = clients.get(cacheKey);
  if (!client) {
    client = sdk().then(
      ({ S3Client }) =>
        new S3Client({
          region: config.region,
          forcePathStyle: config.forcePathStyle,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          ...(config.anonymous
            ? {
                credentials: { accessKeyId: '', secretAccessKey: '' },
                signer: { sign: async (request) => request },
              }
            : config.credentials
              ? { credentials: config.credentials }
              : {}),
        }),
    );
    clients.set(cacheKey, client);
  }
  return client;
}

/** The S3 error name (`NoSuchKey`, `NoSuchBucket`, `NotFound` ...) and HTTP status of an SDK error. */
function s3ErrorOf(e: unknown): { name: string; status: number | undefined } {
  if (typeof e !== 'object' || e === null) return { name: '', status: undefined };
  const name = String((e as { name?: unknown; Code?: unknown }).Code ?? (e as { name?: unknown }).name ?? '');
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return { name, status };
}

const isNoSuchBucket = (e: unknown): boolean => s3ErrorOf(e).name === 'NoSuchBucket';
const isMissing = (e: unknown): boolean => {
  const { name, status } = s3ErrorOf(e);
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || status === 404;
};

/** Maps an SDK error for `path` to sparkling's errors. */
function s3Error(path: string, e: unknown, signal?: AbortSignal): unknown {
  try {
    rethrowKnown(e, signal);
  } catch (known) {
    return known;
  }
  const { name, status } = s3ErrorOf(e);
  if (name === 'NoSuchBucket') return new PathNotFoundError(path, `bucket not found: ${path}`, { cause: e });
  if (isMissing(e)) return new PathNotFoundError(path, undefined, { cause: e });
  const what = [name, status === undefined ? '' : `HTTP ${status}`].filter((s) => s !== '').join(', ');
  const transient =
    status === undefined || status >= 500 || status === 429 || /Throttl|SlowDown|Timeout/.test(name ?? '');
  return new IOError(path, `S3 request failed${what ? ` (${what})` : ''}: ${messageOf(e)}`, {
    cause: e,
    transient,
  });
}

/** Up to `max` keys under `prefix` (one ListObjectsV2 page), or null if the bucket does not exist. */
async function anyUnder(
  client: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<boolean | null> {
  const { ListObjectsV2Command } = await sdk();
  try {
    const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 1 }), {
      abortSignal: signal,
    });
    return (r.KeyCount ?? r.Contents?.length ?? 0) > 0 || (r.CommonPrefixes?.length ?? 0) > 0;
  } catch (e) {
    if (isNoSuchBucket(e)) return null;
    throw e;
  }
}

async function statS3(path: string, opts: IoOptions, signal?: AbortSignal): Promise<FileInfo | null> {
  const loc = parse(path);
  const client = await clientFor(opts);
  const dir: FileInfo = { path, isDirectory: true, size: null, rangeable: false };
  try {
    if (loc.key === '') return (await anyUnder(client, loc.bucket, '', signal)) === null ? null : dir;
    if (loc.key.endsWith('/')) return (await anyUnder(client, loc.bucket, loc.key, signal)) ? dir : null;
    // An object at the key, or keys under `key/` (a directory): asked at the same time. An object wins,
    // as in Hadoop's S3A; a directory wins over a failed HEAD (some S3-compatible stores answer 500
    // to a HEAD on a prefix).
    const { HeadObjectCommand } = await sdk();
    const [head, under] = await Promise.allSettled([
      client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: loc.key }), { abortSignal: signal }),
      anyUnder(client, loc.bucket, `${loc.key}/`, signal),
    ]);
    if (head.status === 'fulfilled') {
      return { path, isDirectory: false, size: head.value.ContentLength ?? null, rangeable: true };
    }
    if (under.status === 'fulfilled' && under.value) return dir;
    if (!isMissing(head.reason)) throw head.reason;
    if (under.status === 'rejected') throw under.reason;
    return null;
  } catch (e) {
    throw s3Error(path, e, signal);
  }
}

/** An object found by a listing. */
interface S3Key {
  readonly key: string;
  readonly size: number | null;
  readonly modifiedMs: number | undefined;
}

/** A listed object's FileInfo. */
function keyInfo(path: string, k: S3Key): FileInfo {
  return {
    path,
    isDirectory: false,
    size: k.size,
    rangeable: true,
    ...(k.modifiedMs === undefined ? {} : { modifiedMs: k.modifiedMs }),
  };
}

/** Every page of a ListObjectsV2 listing. */
async function listAll(
  path: string,
  loc: S3Location,
  prefix: string,
  delimiter: string | undefined,
  opts: IoOptions,
  signal?: AbortSignal,
): Promise<{ keys: S3Key[]; prefixes: string[] }> {
  const client = await clientFor(opts);
  const { ListObjectsV2Command } = await sdk();
  const keys: S3Key[] = [];
  const prefixes: string[] = [];
  let token: string | undefined;
  try {
    do {
      const r = await client.send(
        new ListObjectsV2Command({
          Bucket: loc.bucket,
          Prefix: prefix,
          Delimiter: delimiter,
          ContinuationToken: token,
        }),
        { abortSignal: signal },
      );
      for (const c of r.Contents ?? [])
        if (c.Key !== undefined)
          keys.push({ key: c.Key, size: c.Size ?? null, modifiedMs: c.LastModified?.getTime() });
      for (const p of r.CommonPrefixes ?? []) if (p.Prefix !== undefined) prefixes.push(p.Prefix);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
  } catch (e) {
    throw s3Error(path, e, signal);
  }
  return { keys, prefixes };
}

async function listS3(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<ListEntry[]> {
  const loc = parse(dir);
  const prefix = dirPrefix(loc.key);
  const { keys, prefixes } = await listAll(dir, loc, prefix, '/', opts, signal);
  if (keys.length === 0 && prefixes.length === 0 && prefix !== '') throw new PathNotFoundError(dir);
  const entries: ListEntry[] = [];
  for (const p of prefixes) {
    const name = p.slice(prefix.length, -1);
    if (name !== '') entries.push({ name, path: pathOf(loc, p), isDirectory: true });
  }
  for (const k of keys) {
    const name = k.key.slice(prefix.length);
    if (name === '') continue; // a "directory marker" object
    const path = pathOf(loc, k.key);
    entries.push({ name, path, isDirectory: false, info: keyInfo(path, k) });
  }
  return entries;
}

async function listTreeS3(dir: string, opts: IoOptions, signal?: AbortSignal): Promise<TreeEntry[]> {
  const loc = parse(dir);
  const prefix = dirPrefix(loc.key);
  const { keys } = await listAll(dir, loc, prefix, undefined, opts, signal);
  const out: TreeEntry[] = [];
  for (const k of keys) {
    const relative = k.key.slice(prefix.length);
    if (relative === '' || relative.endsWith('/')) continue;
    const path = pathOf(loc, k.key);
    out.push({ relative, info: keyInfo(path, k) });
  }
  return out;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<Uint8Array> {
  return typeof x === 'object' && x !== null && Symbol.asyncIterator in x;
}

async function* readS3(
  path: string,
  start: number,
  end: number | null,
  opts: IoOptions,
  signal?: AbortSignal,
): AsyncGenerator<Uint8Array> {
  signal?.throwIfAborted();
  if (end !== null && end <= start) return;
  const loc = parse(path);
  const client = await clientFor(opts);
  const { GetObjectCommand } = await sdk();
  const guard = new StallGuard(opts.httpTimeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS, path);
  const sig = anySignal(signal, guard.controller.signal);
  const range = start > 0 || end !== null ? `bytes=${start}-${end === null ? '' : end - 1}` : undefined;
  let received = 0;
  let body: { destroy?: () => void } | undefined;
  const destroyBody = (): void => body?.destroy?.();
  guard.controller.signal.addEventListener('abort', destroyBody, { once: true });
  try {
    let expected: number | null;
    guard.arm();
    try {
      const r = await client.send(new GetObjectCommand({ Bucket: loc.bucket, Key: loc.key, Range: range }), {
        abortSignal: sig,
      });
      body = r.Body as typeof body;
      expected = r.ContentLength ?? null;
    } catch (e) {
      if (s3ErrorOf(e).name === 'InvalidRange' || s3ErrorOf(e).status === 416) return; // starts at or after EOF
      if (guard.stalled) throw guard.failure(e, 'GetObject', signal);
      throw s3Error(path, e, signal);
    } finally {
      guard.disarm();
    }
    if (!isAsyncIterable(body)) throw new IOError(path, 'GetObject returned no readable body');
    const it = body[Symbol.asyncIterator]();
    for (;;) {
      const r = await guard.wait(
        () => it.next(),
        () => `connection failed after ${received} bytes`,
        signal,
      );
      if (r.done) break;
      received += r.value.length;
      yield r.value;
    }
    if (expected !== null && received < expected) {
      throw new IOError(path, `connection closed after ${received} of ${expected} bytes`, {
        transient: true,
      });
    }
  } finally {
    guard.disarm();
    guard.controller.signal.removeEventListener('abort', destroyBody);
    guard.controller.abort(); // releases the connection if the body was not read to the end
    destroyBody();
  }
}

/** A part file being uploaded: completed only at commit. */
interface PendingFile {
  readonly key: string;
  /** Undefined for an empty file (written with a plain PutObject at commit). */
  readonly uploadId: string | undefined;
  readonly parts: { ETag: string | undefined; PartNumber: number }[];
}

class S3Output extends StagedOutput {
  private readonly pending = new Map<string, PendingFile>();
  private readonly started = new Set<{ key: string; uploadId: string }>();
  private readonly completed: string[] = [];

  constructor(
    path: string,
    private readonly loc: S3Location,
    private readonly client: S3Client,
  ) {
    super(path);
  }

  private keyOf(name: string): string {
    return `${this.loc.key.replace(/\/+$/, '')}/${name}`;
  }

  protected async write(name: string, data: AsyncIterable<Uint8Array>, signal: AbortSignal): Promise<void> {
    const { CreateMultipartUploadCommand, UploadPartCommand } = await sdk();
    const key = this.keyOf(name);
    const filePath = pathOf(this.loc, key);
    const earlier = this.pending.get(name);
    if (earlier) {
      this.pending.delete(name);
      await this.abortUpload(earlier);
    }
    let upload: { key: string; uploadId: string } | undefined;
    const parts: PendingFile['parts'] = [];
    let buffered: Uint8Array[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      if (!upload) {
        const r = await this.client.send(
          new CreateMultipartUploadCommand({ Bucket: this.loc.bucket, Key: key }),
          {
            abortSignal: signal,
          },
        );
        if (!r.UploadId) throw new IOError(filePath, 'CreateMultipartUpload returned no UploadId');
        upload = { key, uploadId: r.UploadId };
        this.started.add(upload);
      }
      const PartNumber = parts.length + 1;
      const body = concatBytes(buffered, size);
      buffered = [];
      size = 0;
      const r = await this.client.send(
        new UploadPartCommand({
          Bucket: this.loc.bucket,
          Key: key,
          UploadId: upload.uploadId,
          PartNumber,
          Body: body,
        }),
        { abortSignal: signal },
      );
      parts.push({ ETag: r.ETag, PartNumber });
    };
    try {
      for await (const chunk of data) {
        signal.throwIfAborted();
        buffered.push(chunk);
        size += chunk.length;
        if (size >= PART_SIZE) await flush();
      }
      if (size > 0) await flush();
      this.pending.set(name, { key, uploadId: upload?.uploadId, parts });
    } catch (e) {
      if (upload) await this.abortUpload({ key, uploadId: upload.uploadId, parts });
      throw s3Error(filePath, e, signal);
    } finally {
      if (upload) this.started.delete(upload);
    }
  }

  /** Best effort: an upload that cannot be aborted stays invisible (and lifecycle rules reclaim it). */
  private async abortUpload(f: PendingFile): Promise<void> {
    if (f.uploadId === undefined) return;
    const { AbortMultipartUploadCommand } = await sdk();
    await this.client
      .send(new AbortMultipartUploadCommand({ Bucket: this.loc.bucket, Key: f.key, UploadId: f.uploadId }))
      .catch(() => undefined);
  }

  protected async publish(): Promise<void> {
    const { CompleteMultipartUploadCommand, PutObjectCommand } = await sdk();
    const files = [...this.pending.values()].sort((a, b) => (a.key < b.key ? -1 : 1));
    for (const f of files) {
      if (f.uploadId === undefined) {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.loc.bucket,
            Key: f.key,
            Body: new Uint8Array(0),
            ContentLength: 0,
          }),
        );
      } else {
        await this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.loc.bucket,
            Key: f.key,
            UploadId: f.uploadId,
            MultipartUpload: { Parts: f.parts },
          }),
        );
      }
      this.pending.delete(f.key.slice(f.key.lastIndexOf('/') + 1));
      this.completed.push(f.key);
    }
    const success = this.keyOf('_SUCCESS');
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.loc.bucket,
        Key: success,
        Body: new Uint8Array(0),
        ContentLength: 0,
      }),
    );
    this.completed.push(success);
  }

  protected commitError(e: unknown): unknown {
    return s3Error(this.path, e);
  }

  protected async discard(): Promise<void> {
    await Promise.all([...this.pending.values()].map((f) => this.abortUpload(f)));
    await Promise.all([...this.started].map((u) => this.abortUpload({ ...u, parts: [] })));
    this.pending.clear();
    this.started.clear();
    if (this.completed.length > 0) {
      const { DeleteObjectCommand } = await sdk();
      await Promise.all(
        this.completed.map((Key) =>
          this.client.send(new DeleteObjectCommand({ Bucket: this.loc.bucket, Key })).catch(() => undefined),
        ),
      );
      this.completed.length = 0;
    }
  }
}

async function createOutputS3(path: string, opts: IoOptions): Promise<OutputTarget> {
  const loc = parse(path);
  if (loc.key.replace(/\/+$/, '') === '')
    throw new ArgumentError(`cannot write output to a bucket root: ${path}`);
  const client = await clientFor(opts);
  if ((await statS3(path, opts)) !== null) throw new PathExistsError(path);
  const bucketExists = await anyUnder(client, loc.bucket, '', undefined).catch((e: unknown) => {
    throw s3Error(path, e);
  });
  if (bucketExists === null) throw new PathNotFoundError(path, `bucket not found: ${path}`);
  return new S3Output(path, loc, client);
}

export const s3Fs: FileSystem = {
  schemes: ['s3', 's3a', 's3n'],
  stat: statS3,
  list: listS3,
  listTree: listTreeS3,
  read: readS3,
  createOutput: createOutputS3,
};
