/**
 * A local s3rver for the S3 specs (not a spec file itself): buckets in a
 * temporary directory, served on 127.0.0.1 at a free port by a plain
 * node:http server, so a spec can put its own handler (logging, fault
 * injection) in front of s3rver's.
 */
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { tempDir } from './helpers.js';

// The SDK warns once per process that its releases after January 2027 need Node 22; keep test output clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** The credentials s3rver accepts. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

/** A request handler of node:http. */
export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

let desShimmed = false;

/**
 * s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES, which
 * OpenSSL 3 (Node >= 17) no longer provides: every truncated listing (even
 * MaxKeys=1) would answer 500. Its tokens only need to round-trip through
 * itself, so this maps its 'des' to AES-128-CBC with the 8-byte key and IV
 * zero-padded. Test scaffolding for the fake server only; idempotent.
 */
export function shimDesForS3rver(): void {
  if (desShimmed) return;
  desShimmed = true;
  const crypto = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  const pad = (b: Uint8Array | string): Buffer =>
    Buffer.concat([Buffer.from(b), Buffer.alloc(16)]).subarray(0, 16);
  const { createCipheriv, createDecipheriv } = crypto;
  type Args = Parameters<typeof createCipheriv>;
  Object.assign(crypto, {
    createCipheriv: (alg: string, key: Args[1], iv: Args[2], ...rest: []) =>
      alg === 'des'
        ? createCipheriv('aes-128-cbc', pad(key as Uint8Array), pad(iv as Uint8Array))
        : createCipheriv(alg, key, iv, ...rest),
    createDecipheriv: (alg: string, key: Args[1], iv: Args[2], ...rest: []) =>
      alg === 'des'
        ? createDecipheriv('aes-128-cbc', pad(key as Uint8Array), pad(iv as Uint8Array))
        : createDecipheriv(alg, key, iv, ...rest),
  });
}

/** s3rver's request handler over a fresh temporary directory holding empty `buckets`. */
export async function s3rverHandler(buckets: readonly string[]): Promise<Handler> {
  shimDesForS3rver();
  const directory = await tempDir('sparkling-s3rver-');
  const s3rver = new S3rver({
    directory,
    silent: true,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  await s3rver.configureBuckets();
  return s3rver.callback();
}

/** A node:http server running `handler` on 127.0.0.1 at a free port, and its URL. */
export async function listen(handler: Handler): Promise<{ server: http.Server; endpoint: string }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes `server`, dropping its open (keep-alive) connections. */
export async function close(server: http.Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
