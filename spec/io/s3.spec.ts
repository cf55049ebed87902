import type http from 'node:http';
import zlib from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import test from 'ava';
import { IOError, PathExistsError, PathNotFoundError } from '../../lib/errors.js';
import {
  type IoOptions,
  listFiles,
  openTextOutput,
  planTextSplits,
  readWholeFile,
} from '../../lib/io/index.js';
import { splitLines } from '../../lib/io/lines.js';
import { randomLines, readAll, rejectsWith, splitLinesOf } from './helpers.js';
import { close, listen, S3RVER_CREDENTIALS, s3rverHandler } from './s3-server.js';

let server: http.Server;
let opts: IoOptions;
let client: S3Client;
/** Per request: method, path and query, and whether it was signed. */
const requests: { method: string; url: string; signed: boolean }[] = [];

const bigText = `${randomLines(30000, 5).join('\n')}\n`;
const bigLines = splitLines(bigText);

async function keys(bucket: string, prefix: string): Promise<string[]> {
  const r = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key ?? '').sort();
}

async function* batchesOf(lines: string[], size = 1000): AsyncGenerator<string[]> {
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size);
}

test.before(async () => {
  const handler = await s3rverHandler(['bucket', 'out']);
  let endpoint: string;
  ({ server, endpoint } = await listen((req, res) => {
    requests.push({
      method: req.method ?? '',
      url: req.url ?? '',
      signed: req.headers.authorization !== undefined,
    });
    // Fault injection in front of s3rver: a GET that stalls, and one whose connection drops mid-body.
    if (req.method === 'GET' && req.url?.startsWith('/bucket/faults/stall.txt')) {
      res.writeHead(200, { 'content-length': 1000, 'content-type': 'text/plain' });
      res.write('first\nsecond');
      return;
    }
    if (req.method === 'GET' && req.url?.startsWith('/bucket/faults/drop.txt')) {
      res.writeHead(200, { 'content-length': 1000, 'content-type': 'text/plain' });
      res.write('first\nsecond', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    handler(req, res);
  }));
  const credentials = S3RVER_CREDENTIALS;
  opts = { s3: { endpoint, forcePathStyle: true, region: 'us-east-1', credentials } };
  client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials });
  const put = (Key: string, Body: string | Uint8Array) =>
    client.send(
      new PutObjectCommand({ Bucket: 'bucket', Key, Body, ContentLength: Buffer.byteLength(Body) }),
    );
  await Promise.all([
    put('big.txt', bigText),
    put('big.txt.gz', zlib.gzipSync(bigText)),
    put('data/a.txt', 'a1\na2\n'),
    put('data/b.txt', 'b1\r\nb2'),
    put('data/_SUCCESS', ''),
    put('data/.hidden', 'hidden\n'),
    put('data/_temporary/0/part-00000', 'temp\n'),
    put('data/sub/c.txt', 'c1\n'),
    put('logs/2020-01/x.log', 'x1\n'),
    put('logs/2020-02/y.log', 'y1\n'),
    put('logs/2021-01/z.log', 'z1\n'),
    // s3rver reports a common prefix only for "directories" holding an object directly
    // (real S3 has no such limit); this one lets a root-level glob find logs/.
    put('logs/_README', 'not data\n'),
    put('spark/part-00000.gz', zlib.gzipSync('p0a\np0b\n')),
    put('spark/part-00001.gz', zlib.gzipSync('p1a\n')),
    put('spark/_SUCCESS', ''),
  ]);
});

test.after.always(async () => {
  client?.destroy();
  await close(server);
});

test('s3: read a whole object, plain and gzip, with s3://, s3a:// and s3n://', async (t) => {
  t.deepEqual(await readAll('s3://bucket/big.txt', 1, opts), bigLines);
  t.deepEqual(await readAll('s3a://bucket/big.txt.gz', 1, opts), bigLines);
  t.deepEqual(await readAll('s3n://bucket/data/a.txt', 1, opts), ['a1', 'a2']);
  t.is(new TextDecoder().decode(await readWholeFile('s3://bucket/data/b.txt', opts, false)), 'b1\r\nb2');
});

test.serial('s3: ranged split reads: every line once, with ranged GetObject', async (t) => {
  requests.length = 0;
  const splits = await planTextSplits('s3://bucket/big.txt', 7, { ...opts, blockSize: 64 * 1024 });
  t.true(splits.length >= 7);
  const got: string[] = [];
  for (const s of splits) got.push(...(await splitLinesOf(s, opts)));
  t.deepEqual(got, bigLines);
  t.true(
    requests.filter((r) => r.method === 'GET' && r.url.startsWith('/bucket/big.txt')).length >= splits.length,
  );
});

test('s3: directories (prefixes) and globs, hidden names skipped, paths keep the scheme', async (t) => {
  const files = await listFiles('s3a://bucket/data', opts);
  t.deepEqual(
    files.map((f) => f.path),
    ['s3a://bucket/data/a.txt', 's3a://bucket/data/b.txt', 's3a://bucket/data/sub/c.txt'],
  );
  t.deepEqual(
    files.map((f) => f.size),
    [6, 6, 3],
  );
  t.deepEqual(await readAll('s3://bucket/logs/2020-*/*.log', 1, opts), ['x1', 'y1']);
  t.deepEqual(await readAll('s3://bucket/logs/*/?.log,s3://bucket/data/a.txt', 1, opts), [
    'x1',
    'y1',
    'z1',
    'a1',
    'a2',
  ]);
  t.deepEqual(await readAll('s3://bucket/*/2021-*', 1, opts), ['z1']);
  // A Spark-written layout: part files plus _SUCCESS.
  t.deepEqual(await readAll('s3://bucket/spark/', 2, opts), ['p0a', 'p0b', 'p1a']);
});

test('s3: missing key, missing prefix, missing bucket, glob matching nothing → PathNotFoundError', async (t) => {
  await rejectsWith(
    t,
    planTextSplits('s3://bucket/nope.txt', 1, opts),
    PathNotFoundError,
    's3://bucket/nope.txt',
  );
  await rejectsWith(t, listFiles('s3://bucket/nodir/', opts), PathNotFoundError, 's3://bucket/nodir/');
  await rejectsWith(
    t,
    readWholeFile('s3://bucket/gone.bin', opts, false),
    PathNotFoundError,
    's3://bucket/gone.bin',
  );
  await rejectsWith(
    t,
    listFiles('s3://no-such-bucket/x.txt', opts),
    PathNotFoundError,
    's3://no-such-bucket/x.txt',
  );
  await rejectsWith(
    t,
    splitLinesOf({ path: 's3://no-such-bucket/x.txt', start: 0, end: null, codec: null, size: null }, opts),
    PathNotFoundError,
    's3://no-such-bucket/x.txt',
  );
  await rejectsWith(
    t,
    listFiles('s3://bucket/logs/19*/*', opts),
    PathNotFoundError,
    's3://bucket/logs/19*/*',
  );
});

test('s3: a GetObject body that stalls or drops → IOError naming the object, never a short result', async (t) => {
  for (const name of ['stall.txt', 'drop.txt']) {
    const path = `s3://bucket/faults/${name}`;
    const t0 = Date.now();
    await rejectsWith(
      t,
      splitLinesOf({ path, start: 0, end: null, codec: null, size: null }, { ...opts, httpTimeoutMs: 300 }),
      IOError,
      path,
    );
    t.true(Date.now() - t0 < 5000);
  }
});

test.serial('s3: anonymous access sends unsigned requests', async (t) => {
  requests.length = 0;
  const anon: IoOptions = { s3: { ...opts.s3, credentials: undefined, anonymous: true } };
  t.deepEqual(await readAll('s3://bucket/data/a.txt', 1, anon), ['a1', 'a2']);
  t.true(requests.length > 0);
  t.true(requests.every((r) => !r.signed));
});

for (const codec of [null, 'gzip', 'bzip2'] as const) {
  test.serial(
    `s3 output (${codec ?? 'plain'}): multipart uploads, _SUCCESS last, read back in order`,
    async (t) => {
      const target = `s3://out/result-${codec ?? 'plain'}`;
      const parts = [randomLines(2000, 21), [], ['single line'], randomLines(50, 22)];
      requests.length = 0;
      const out = await openTextOutput(target, codec, opts);
      await Promise.all(parts.map((lines, i) => out.writePart(i, batchesOf(lines))));
      t.deepEqual(await keys('out', `result-${codec ?? 'plain'}/`), [], 'nothing visible before commit');
      await out.commit();
      const suffix = codec === 'gzip' ? '.gz' : codec === 'bzip2' ? '.bz2' : '';
      const prefix = `result-${codec ?? 'plain'}/`;
      t.deepEqual(await keys('out', prefix), [
        `${prefix}_SUCCESS`,
        ...[0, 1, 2, 3].map((i) => `${prefix}part-0000${i}${suffix}`),
      ]);
      const puts = requests.filter((r) => r.method === 'PUT' || r.method === 'POST').map((r) => r.url);
      t.true(puts.at(-1)?.includes('_SUCCESS'), '_SUCCESS is written last');
      t.true(
        puts.some((u) => u.includes('uploadId=')),
        'multipart upload',
      );
      t.deepEqual(await readAll(target, 3, opts), parts.flat());
      await rejectsWith(t, openTextOutput(target, codec, opts), PathExistsError, target);
    },
  );
}

test.serial('s3 output: a part larger than one upload part is split into several parts', async (t) => {
  const big = randomLines(600000, 31);
  const out = await openTextOutput('s3://out/large', null, opts);
  requests.length = 0;
  await out.writePart(0, batchesOf(big, 4096));
  const uploads = requests.filter((r) => r.method === 'PUT' && r.url.includes('partNumber='));
  t.true(uploads.length >= 2, `${uploads.length} parts`);
  await out.commit();
  t.deepEqual(await readAll('s3://out/large', 4, opts), big);
});

test.serial('s3 output: abort leaves nothing under the path; existing prefix refused', async (t) => {
  const out = await openTextOutput('s3://out/failed', 'gzip', opts);
  await out.writePart(0, batchesOf(['a', 'b']));
  const boom = new Error('user code failed');
  async function* failing(): AsyncGenerator<string[]> {
    yield ['x'];
    throw boom;
  }
  t.is(await t.throwsAsync(out.writePart(1, failing())), boom, 'the partition keeps its own error');
  await out.abort();
  t.deepEqual(await keys('out', 'failed'), []);
  await rejectsWith(t, openTextOutput('s3://bucket/data', null, opts), PathExistsError, 's3://bucket/data');
  await rejectsWith(
    t,
    openTextOutput('s3://no-such-bucket/out', null, opts),
    PathNotFoundError,
    'no-such-bucket',
  );
});
