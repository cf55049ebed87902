/**
 * gs:// faults through the RDD API: a proxy in front of a real
 * gcp-storage-emulator answers 503 or 500, or cuts an object's body, for
 * the next requests a test picks. sparkling's own request retries (3
 * attempts) absorb brief 5xx runs; a cut body is retried by `ioRetries`;
 * what outlasts both is a transient IOError naming the gs:// path. Never a
 * short result, never a hang; a failed save leaves no object behind.
 */
import zlib from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import { Context, type ContextOptions, IOError } from '../../lib/index.js';
import {
  GcsProxy,
  getMedia,
  listing,
  listPage2,
  multipart,
  uploadPiece,
  uploadStart,
} from '../io/gcs-proxy.js';
import { type Emulator, emulatorPython, Gcs, startEmulator } from '../io/gcs-server.js';
import { randomLines } from '../io/helpers.js';

const python = emulatorPython();
const required = process.env.SPARKLING_REQUIRE_GCS === '1';
const run = (python || required ? test : test.skip) as typeof test;

let emulator: Emulator | undefined;
let gcs: Gcs;
const lines = randomLines(20_000, 7);
const text = `${lines.join('\n')}\n`;
const gz = zlib.gzipSync(text);

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
  await gcs.put('bucket', 'text/lines.txt.gz', gz);
  for (let i = 0; i < 12; i++)
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

const plain = getMedia('text/lines.txt');
const packed = getMedia('text/lines.txt.gz');

run('gcs faults: 503s and 500s on reads are retried to an exact result', async (t) => {
  const proxy = await proxyFor(t);
  const sc = new Context(options(proxy, { ioRetries: 0 }));
  proxy.arm(plain, { kind: 'unavailable' }, 2);
  t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt', 1).collect(), lines);
  t.is(proxy.count(plain, 'unavailable'), 2);
  t.is(proxy.count(plain, null), 1, 'the third attempt went through');
  proxy.arm(packed, { kind: 'internal' }, 2);
  t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt.gz').collect(), lines);
  proxy.seen.length = 0;
  proxy.arm(plain, { kind: 'internal' }, 2);
  t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt', 4).collect(), lines);
  t.is(proxy.count(plain, 'internal'), 2);
});

run(
  'gcs faults: a persistent 500 is a transient IOError naming the path, after request and task retries',
  async (t) => {
    // The 9 attempts below show the retries end; the clock only catches a hang (the machine may be loaded).
    t.timeout(180_000);
    const proxy = await proxyFor(t);
    const path = 'gs://bucket/text/lines.txt';
    proxy.arm(plain, { kind: 'internal' }, Number.POSITIVE_INFINITY);
    const t0 = Date.now();
    const e = await t.throwsAsync(() => new Context(options(proxy)).textFile(path, 1).collect(), {
      instanceOf: IOError,
    });
    t.is(e?.path, path);
    t.true(e?.transient);
    t.regex(e?.message ?? '', /HTTP 500/);
    t.is(proxy.count(plain), 9, '3 task attempts × 3 request attempts');
    t.true(Date.now() - t0 < 120_000, 'no hang');
    proxy.seen.length = 0;
    const none = new Context(options(proxy, { ioRetries: 0 }));
    await t.throwsAsync(() => none.textFile(path, 3).count(), { instanceOf: IOError, message: /lines\.txt/ });
    await t.throwsAsync(() => none.textFile(path).take(1), { instanceOf: IOError, message: /lines\.txt/ });
  },
);

run(
  'gcs faults: a connection cut mid-body is retried exactly; with ioRetries 0 an IOError, not a CodecError',
  async (t) => {
    const proxy = await proxyFor(t);
    const sc = new Context(options(proxy));
    proxy.arm(plain, { kind: 'cut', afterBytes: 150_000 });
    t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt', 1).collect(), lines);
    t.is(proxy.cuts, 1);
    proxy.arm(plain, { kind: 'cut', afterBytes: 50_000 });
    t.is(await sc.textFile('gs://bucket/text/lines.txt', 3).count(), lines.length);
    proxy.arm(packed, { kind: 'cut', afterBytes: Math.floor(gz.length / 2) });
    t.deepEqual(await sc.textFile('gs://bucket/text/lines.txt.gz').collect(), lines);
    t.is(proxy.cuts, 3);
    const none = new Context(options(proxy, { ioRetries: 0 }));
    proxy.arm(plain, { kind: 'cut', afterBytes: 150_000 });
    const e = await t.throwsAsync(() => none.textFile('gs://bucket/text/lines.txt', 1).collect(), {
      instanceOf: IOError,
    });
    t.is(e?.path, 'gs://bucket/text/lines.txt');
    t.true(e?.transient);
    proxy.arm(packed, { kind: 'cut', afterBytes: Math.floor(gz.length / 2) });
    const ez = await t.throwsAsync(() => none.textFile('gs://bucket/text/lines.txt.gz').collect(), {
      instanceOf: IOError,
    });
    t.is(ez?.path, 'gs://bucket/text/lines.txt.gz');
  },
);

run(
  'gcs faults: paginated listings with a 503 on page 2 still list everything; a failing listing is an IOError',
  async (t) => {
    const proxy = await proxyFor(t);
    proxy.pageSize = 5;
    const sc = new Context(options(proxy, { ioRetries: 0 }));
    proxy.arm(listPage2, { kind: 'unavailable' });
    t.is(await sc.textFile('gs://bucket/many/f*.txt').getNumPartitions(), 12);
    t.is(proxy.count(listPage2, 'unavailable'), 1);
    proxy.arm(listing, { kind: 'internal' }, Number.POSITIVE_INFINITY);
    const rdd = sc.textFile('gs://bucket/many/*.txt');
    const e = await t.throwsAsync(() => rdd.collect(), {
      instanceOf: IOError,
      message: /gs:\/\/bucket\/many/,
    });
    t.true(e?.transient);
    proxy.disarm();
    t.is((await rdd.collect()).length, 12, 'a failed listing is not kept');
  },
);

run('gcs faults: saveAsTextFile gets through 5xx on every kind of write request', async (t) => {
  const proxy = await proxyFor(t);
  const sc = new Context(options(proxy, { ioRetries: 0 }));
  proxy.arm(uploadStart, { kind: 'unavailable' });
  proxy.arm(uploadPiece, { kind: 'internal' });
  proxy.arm(multipart, { kind: 'unavailable' });
  const data = Array.from({ length: 400_000 }, (_, i) => `row ${i} ${'y'.repeat(20)}`); // > one 8 MiB piece
  await sc.parallelize(data, 1).saveAsTextFile('gs://out/saved');
  t.is(proxy.seen.filter((r) => r.fault !== null).length, 3, 'every fault was served');
  t.deepEqual(await gcs.names('out', 'saved/'), ['saved/_SUCCESS', 'saved/part-00000']);
  t.is(await sc.textFile('gs://out/saved', 4).count(), data.length);
});

run(
  'gcs faults: a persistent 500 on one part fails saveAsTextFile with an IOError and leaves nothing',
  async (t) => {
    const proxy = await proxyFor(t);
    const sc = new Context(options(proxy, { concurrency: 1 }));
    proxy.arm(multipart, { kind: 'internal' }, Number.POSITIVE_INFINITY);
    const e = await t.throwsAsync(() => sc.parallelize(['a', 'b'], 2).saveAsTextFile('gs://out/failed'), {
      instanceOf: IOError,
    });
    t.true(e?.message.includes('gs://out/failed'), e?.message);
    t.deepEqual(await gcs.names('out', 'failed'), []);
  },
);
