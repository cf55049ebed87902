/**
 * gs:// against a real gcp-storage-emulator (see gcs-server.ts), through a
 * recording proxy: textFile with byte-range splits at 1, 2 and 7 partitions,
 * globs over paginated listings, wholeTextFiles, binaryFiles, atomic
 * saveAsTextFile, errors, and the credential chain (token, anonymous, a
 * service-account key exchanged at a local token endpoint, the metadata
 * server).
 */
import { createVerify, generateKeyPairSync } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import {
  ArgumentError,
  Context,
  type ContextOptions,
  PathExistsError,
  PathNotFoundError,
} from '../../lib/index.js';
import { GcsProxy, listing } from './gcs-proxy.js';
import { type Emulator, emulatorPython, Gcs, startEmulator } from './gcs-server.js';
import { randomLines, tempDir } from './helpers.js';

const python = emulatorPython();
const required = process.env.SPARKLING_REQUIRE_GCS === '1';
const run = (python || required ? test : test.skip) as typeof test;
const runSerial = (python || required ? test.serial : test.serial.skip) as typeof test.serial;
if (!python && !required)
  console.log(
    'gs:// specs skipped: gcp-storage-emulator not installed (pip install -r requirements-dev.txt into .cache/venv)',
  );

let emulator: Emulator | undefined;
let gcs: Gcs;
const lines = randomLines(12_000, 5).map((l, i) => `${i} ${l}`);
const text = `${lines.join('\n')}\n`;
const logs: [string, string][] = [
  ['logs/2020-01/x.log', 'x1\n'],
  ['logs/2020-02/y.log', 'y1\ny2\n'],
  ['logs/2021-01/z.log', 'z1\n'],
];

test.before(async () => {
  if (!python) {
    if (required)
      throw new Error('SPARKLING_REQUIRE_GCS=1 but gcp-storage-emulator is not installed in .cache/venv');
    return;
  }
  emulator = await startEmulator(python);
  gcs = new Gcs(emulator.endpoint);
  await gcs.createBucket('bucket');
  await gcs.createBucket('out');
  await gcs.put('bucket', 'text/lines.txt', text);
  await gcs.put('bucket', 'text/lines.txt.gz', zlib.gzipSync(text));
  await gcs.put('bucket', 'text/empty.txt', '');
  await gcs.put('bucket', 'docs/a.txt', 'alpha\n');
  await gcs.put('bucket', 'docs/b.txt', 'beta');
  await gcs.put('bucket', 'docs/_hidden', 'never\n');
  await gcs.put('bucket', 'docs/sub/c.txt', 'gamma\n');
  await gcs.put('bucket', 'dir with space/é.txt', 'accent\n');
  for (const [name, content] of logs) await gcs.put('bucket', name, content);
  for (let i = 0; i < 25; i++)
    await gcs.put('bucket', `many/f${String(i).padStart(2, '0')}.txt`, `line ${i}\n`);
});

test.after.always(async () => {
  await emulator?.stop();
});

async function proxyFor(t: ExecutionContext): Promise<GcsProxy> {
  const proxy = await new GcsProxy(emulator!.endpoint).start();
  t.teardown(() => proxy.close());
  return proxy;
}

const options = (proxy: GcsProxy, extra: ContextOptions = {}): ContextOptions => ({
  defaultParallelism: 2,
  gcs: { endpoint: proxy.endpoint, anonymous: true },
  ...extra,
});

for (const n of [1, 2, 7]) {
  run(`gcs: textFile reads byte-range splits exactly, at minPartitions ${n}`, async (t) => {
    const proxy = await proxyFor(t);
    const sc = new Context(options(proxy, { blockSize: 64 * 1024 }));
    const rdd = sc.textFile('gs://bucket/text/lines.txt', n);
    t.deepEqual(await rdd.collect(), lines);
    const parts = await rdd.getNumPartitions();
    t.true(parts >= Math.max(n, Math.floor(text.length / (64 * 1024))), `${parts} partitions`);
    t.true(proxy.count((r) => r.method === 'GET' && r.query.get('alt') === 'media') >= parts);
    t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt.gz', n).collect(), lines);
    t.deepEqual(await sc.textFile('gs://bucket/text/empty.txt', n).collect(), []);
    t.is(await sc.textFile('gs://bucket/text/lines.txt', n).count(), lines.length);
  });
}

run('gcs: directories, globs (paginated listings), hidden names skipped', async (t) => {
  const proxy = await proxyFor(t);
  proxy.pageSize = 2; // the emulator answers one page: the proxy pages it
  const sc = new Context(options(proxy));
  t.deepEqual(await sc.textFile('gs://bucket/docs').collect(), ['alpha', 'beta', 'gamma']);
  t.deepEqual(await sc.textFile('gs://bucket/logs/2020-*/*.log').collect(), ['x1', 'y1', 'y2']);
  t.deepEqual(await sc.textFile('gs://bucket/logs/*/?.log').collect(), ['x1', 'y1', 'y2', 'z1']);
  const many = await sc.textFile('gs://bucket/many/f*.txt').collect();
  t.deepEqual(
    many,
    Array.from({ length: 25 }, (_, i) => `line ${i}`),
  );
  t.true(proxy.count((r) => listing(r) && r.query.has('pageToken')) >= 12, 'listings were paged');
  t.deepEqual(await sc.textFile('gs://bucket/dir with space/*.txt').collect(), ['accent']);
});

run('gcs: wholeTextFiles and binaryFiles', async (t) => {
  const proxy = await proxyFor(t);
  const sc = new Context(options(proxy));
  t.deepEqual(await sc.wholeTextFiles('gs://bucket/docs/*.txt').collect(), [
    ['gs://bucket/docs/a.txt', 'alpha\n'],
    ['gs://bucket/docs/b.txt', 'beta'],
  ]);
  const [[p, bytes] = ['', new Uint8Array()]] = await sc
    .binaryFiles('gs://bucket/text/lines.txt.gz')
    .collect();
  t.is(p, 'gs://bucket/text/lines.txt.gz');
  t.is(zlib.gunzipSync(bytes).toString(), text);
  t.deepEqual(
    await sc
      .wholeTextFiles('gs://bucket/text/lines.txt.gz')
      .map(([, s]) => s.length)
      .collect(),
    [text.length],
  );
});

run('gcs: missing objects, prefixes and buckets are PathNotFoundErrors naming them', async (t) => {
  const proxy = await proxyFor(t);
  const sc = new Context(options(proxy));
  for (const p of ['gs://bucket/nope.txt', 'gs://bucket/nope/*.txt', 'gs://no-such-bucket/x.txt']) {
    const e = await t.throwsAsync(() => sc.textFile(p).collect(), { instanceOf: PathNotFoundError });
    t.true(e?.message.includes(p.replace('/*.txt', '')), e?.message);
  }
  t.throws(() => new Context({ gcs: { endpoint: 'not a url' } }), {
    instanceOf: ArgumentError,
    message: /gcs\.endpoint/,
  });
  t.throws(() => new Context({ gcs: { token: 5 as unknown as string } }), {
    instanceOf: ArgumentError,
    message: /gcs\.token/,
  });
});

run(
  'gcs: saveAsTextFile is atomic: parts appear at commit, _SUCCESS last; nothing after a failure',
  async (t) => {
    const proxy = await proxyFor(t);
    const sc = new Context(options(proxy));
    const data = randomLines(3000, 8);
    await sc.parallelize(data, 3).saveAsTextFile('gs://out/saved');
    t.deepEqual(await gcs.names('out', 'saved/'), [
      'saved/_SUCCESS',
      'saved/part-00000',
      'saved/part-00001',
      'saved/part-00002',
    ]);
    t.deepEqual(await sc.textFile('gs://out/saved').collect(), data);
    await t.throwsAsync(() => sc.parallelize([1]).saveAsTextFile('gs://out/saved'), {
      instanceOf: PathExistsError,
    });
    // Empty partitions are empty parts; a compressed output reads back.
    await sc.parallelize([1, 2], 4).saveAsTextFile('gs://out/sparse', 'gzip');
    t.deepEqual(await gcs.names('out', 'sparse/'), [
      'sparse/_SUCCESS',
      'sparse/part-00000.gz',
      'sparse/part-00001.gz',
      'sparse/part-00002.gz',
      'sparse/part-00003.gz',
    ]);
    t.deepEqual(await sc.textFile('gs://out/sparse').collect(), ['1', '2']);
    // A part bigger than one upload piece goes in several resumable pieces.
    const big = Array.from({ length: 600_000 }, (_, i) => `row ${i} ${'x'.repeat(20)}`);
    await sc.parallelize(big, 2).saveAsTextFile('gs://out/big');
    t.true(
      proxy.count((r) => r.method === 'PUT' && r.query.has('upload_id')) >= 4,
      'several pieces per part',
    );
    t.is(await sc.textFile('gs://out/big', 7).count(), big.length);
    // A job that fails after some parts were written leaves nothing under the path.
    const failing = sc.parallelize(data, 3).map((x) => {
      if (x === data[2500]) throw new Error('boom');
      return x;
    });
    await t.throwsAsync(() => failing.saveAsTextFile('gs://out/failed'));
    t.deepEqual(await gcs.names('out', 'failed'), []);
    await t.throwsAsync(() => sc.parallelize([1]).saveAsTextFile('gs://no-such-bucket/x'), {
      instanceOf: PathNotFoundError,
    });
  },
);

/** A local stand-in for Google's token endpoint and the metadata server. */
async function tokenServer(
  t: ExecutionContext,
  handle: (req: http.IncomingMessage, body: string) => [number, unknown],
): Promise<string> {
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (s: string) => {
      body += s;
    });
    req.on('end', () => {
      const [status, json] = handle(req, body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

runSerial('gcs credentials: a token wins over anonymous; anonymous sends none', async (t) => {
  const proxy = await proxyFor(t);
  await new Context({ gcs: { endpoint: proxy.endpoint, token: 'tok-1', anonymous: true } })
    .textFile('gs://bucket/docs/a.txt')
    .collect();
  t.true(proxy.seen.length > 0 && proxy.seen.every((r) => r.authorization === 'Bearer tok-1'));
  proxy.seen.length = 0;
  await new Context({ gcs: { endpoint: proxy.endpoint, anonymous: true } })
    .textFile('gs://bucket/docs/a.txt')
    .collect();
  t.true(proxy.seen.length > 0 && proxy.seen.every((r) => r.authorization === undefined));
});

runSerial(
  'gcs credentials: GOOGLE_APPLICATION_CREDENTIALS service-account key, signed RS256 JWT',
  async (t) => {
    const proxy = await proxyFor(t);
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    let assertions = 0;
    const tokenUri = await tokenServer(t, (_req, body) => {
      const form = new URLSearchParams(body);
      const jwt = form.get('assertion') ?? '';
      const [h, c, s] = jwt.split('.');
      const verify = createVerify('RSA-SHA256');
      verify.update(`${h}.${c}`);
      const claims = JSON.parse(Buffer.from(c ?? '', 'base64url').toString()) as Record<string, unknown>;
      const ok =
        form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer' &&
        JSON.parse(Buffer.from(h ?? '', 'base64url').toString()).alg === 'RS256' &&
        verify.verify(publicKey, Buffer.from(s ?? '', 'base64url')) &&
        claims.iss === 'sa@project.iam.gserviceaccount.com' &&
        typeof claims.scope === 'string' &&
        claims.aud === `${tokenUri}/token`;
      assertions++;
      return ok
        ? [200, { access_token: 'sa-token', expires_in: 3600, token_type: 'Bearer' }]
        : [400, { error: 'invalid_grant' }];
    });
    const dir = await tempDir('sparkling-gcs-key-');
    const keyFile = path.join(dir, 'key.json');
    await fsp.writeFile(
      keyFile,
      JSON.stringify({
        type: 'service_account',
        client_email: 'sa@project.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        private_key_id: 'k1',
        token_uri: `${tokenUri}/token`,
      }),
    );
    process.env.GOOGLE_APPLICATION_CREDENTIALS = keyFile;
    try {
      // workers: 0 — worker threads copy the environment when they start, before this test sets it.
      const sc = new Context({ gcs: { endpoint: proxy.endpoint }, workers: 0 });
      t.deepEqual(await sc.textFile('gs://bucket/docs/*.txt').collect(), ['alpha', 'beta']);
      t.true(proxy.seen.length > 0);
      t.true(proxy.seen.every((r) => r.authorization === 'Bearer sa-token'));
      t.is(assertions, 1, 'the token is cached');
    } finally {
      delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    }
  },
);

runSerial('gcs credentials: the metadata server (GCE_METADATA_HOST)', async (t) => {
  const proxy = await proxyFor(t);
  const host = await tokenServer(t, (req) =>
    req.headers['metadata-flavor'] === 'Google' && req.url?.endsWith('/service-accounts/default/token')
      ? [200, { access_token: 'md-token', expires_in: 3600 }]
      : [403, {}],
  );
  process.env.GCE_METADATA_HOST = host.replace('http://', '');
  try {
    // workers: 0 — worker threads copy the environment when they start, before this test sets it.
    const sc = new Context({ gcs: { endpoint: proxy.endpoint }, workers: 0 });
    t.deepEqual(await sc.textFile('gs://bucket/docs/a.txt').collect(), ['alpha']);
    t.true(proxy.seen.every((r) => r.authorization === 'Bearer md-token'));
  } finally {
    delete process.env.GCE_METADATA_HOST;
  }
});

runSerial('gcs: STORAGE_EMULATOR_HOST names the endpoint when gcs.endpoint is not given', async (t) => {
  const proxy = await proxyFor(t);
  process.env.STORAGE_EMULATOR_HOST = proxy.endpoint.replace('http://', '');
  try {
    // workers: 0 — worker threads copy the environment when they start, before this test sets it.
    const sc = new Context({ workers: 0 });
    t.deepEqual(await sc.textFile('gs://bucket/docs/a.txt').collect(), ['alpha']);
    t.true(proxy.seen.length > 0);
    t.true(
      proxy.seen.every((r) => r.authorization === undefined),
      'no credentials sent to an emulator',
    );
  } finally {
    delete process.env.STORAGE_EMULATOR_HOST;
  }
});
