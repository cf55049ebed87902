/**
 * S3 faults through the RDD API: a fault-injecting proxy in front of s3rver
 * answers 503 SlowDown or 500 InternalError, or cuts an object's body, for
 * the next requests a test picks. Throttling and 5xx answers are absorbed by
 * the AWS SDK's own retries (3 attempts, 50 ms base backoff for 5xx, 1 s for
 * throttling); what outlasts them is retried by sparkling's `ioRetries` and
 * then ends in an IOError naming the s3:// path. Never a short result, never
 * a hang.
 *
 * Every test starts its own proxy: the port is part of the endpoint, so each
 * test gets its own S3Client (sparkling keeps one per configuration) and so
 * its own SDK retry quota, and its request counts are its own.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import test, { type ExecutionContext } from 'ava';
import { Context, type ContextOptions, IOError } from '../../lib/index.js';
import { randomLines } from '../io/helpers.js';
import { close, listen, S3RVER_CREDENTIALS, s3rverHandler } from '../io/s3-server.js';

/** A request as the proxy saw it. */
interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** The fault the proxy answered with, or null if it forwarded the request untouched. */
  readonly fault: Fault['kind'] | null;
}

type Match = (r: Pick<Seen, 'method' | 'path' | 'query'>) => boolean;

type Fault =
  | { kind: 'SlowDown' } // 503, S3's throttling answer
  | { kind: 'InternalError' } // 500
  | { kind: 'cut'; afterBytes: number }; // forwards, then drops the connection mid-body

const STATUS = { SlowDown: 503, InternalError: 500 } as const;

/** A proxy to s3rver that answers the next requests matching a rule with a fault. */
class FaultProxy {
  readonly seen: Seen[] = [];
  /** Connections dropped mid-body (a 'cut' rule on a body shorter than its limit drops nothing). */
  cuts = 0;
  endpoint = '';
  private server: http.Server | undefined;
  private readonly rules: { match: Match; fault: Fault; left: number }[] = [];
  private readonly agent = new http.Agent({ keepAlive: true });

  constructor(private readonly upstream: URL) {}

  async start(): Promise<this> {
    ({ server: this.server, endpoint: this.endpoint } = await listen((req, res) => this.handle(req, res)));
    return this;
  }

  /** The next `times` requests matching `match` get `fault` (Infinity: all of them). */
  arm(match: Match, fault: Fault, times = 1): void {
    this.rules.push({ match, fault, left: times });
  }

  disarm(): void {
    this.rules.length = 0;
  }

  /** How many requests matching `match` the proxy saw (with a fault of `fault`, if given; null: forwarded). */
  count(match: Match, fault?: Fault['kind'] | null): number {
    return this.seen.filter((r) => match(r) && (fault === undefined || r.fault === fault)).length;
  }

  /** S3 options of a Context talking to s3rver through this proxy. */
  options(extra: ContextOptions = {}): ContextOptions {
    return {
      defaultParallelism: 2,
      s3: {
        endpoint: this.endpoint,
        forcePathStyle: true,
        region: 'us-east-1',
        credentials: S3RVER_CREDENTIALS,
      },
      ...extra,
    };
  }

  async close(): Promise<void> {
    await close(this.server);
    this.agent.destroy();
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const r = { method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams };
    const rule = this.rules.find((x) => x.left > 0 && x.match(r));
    if (rule) rule.left--;
    const fault = rule?.fault ?? null;
    this.seen.push({ ...r, fault: fault?.kind ?? null });
    if (fault?.kind === 'SlowDown' || fault?.kind === 'InternalError') {
      const message =
        fault.kind === 'SlowDown' ? 'Please reduce your request rate.' : 'We encountered an internal error.';
      const xml =
        '<?xml version="1.0" encoding="UTF-8"?>\n' +
        `<Error><Code>${fault.kind}</Code><Message>${message}</Message>` +
        `<Resource>${r.path}</Resource><RequestId>FAULT${this.seen.length}</RequestId></Error>`;
      req.resume(); // read the request body (an upload part) before answering
      req.on('end', () => {
        res.writeHead(STATUS[fault.kind], {
          'content-type': 'application/xml',
          'content-length': Buffer.byteLength(xml),
        });
        res.end(req.method === 'HEAD' ? undefined : xml);
      });
      return;
    }
    const up = http.request(
      {
        host: this.upstream.hostname,
        port: this.upstream.port,
        method: req.method,
        path: req.url,
        headers: req.headers, // Host included: the request is signed for the proxy's address
        agent: this.agent,
      },
      (ures) => {
        res.writeHead(ures.statusCode ?? 502, ures.headers);
        if (fault?.kind !== 'cut') {
          ures.pipe(res);
          return;
        }
        const socket = res.socket;
        let sent = 0;
        ures.on('data', (chunk: Buffer) => {
          if (sent >= fault.afterBytes) return;
          const part = chunk.subarray(0, fault.afterBytes - sent);
          sent += part.length;
          if (sent < fault.afterBytes) {
            res.write(part);
            return;
          }
          ures.destroy();
          this.cuts++;
          // Let the client receive the bytes sent so far, then drop the connection. (Never res.end():
          // that would leave a short response on a live keep-alive connection, not a cut.)
          res.write(part, () => setTimeout(() => socket?.destroy(), 20));
        });
        ures.on('end', () => {
          if (sent < fault.afterBytes) res.end(); // the body was shorter than the cut: nothing to cut
        });
      },
    );
    up.on('error', () => res.destroy());
    req.pipe(up);
  }
}

// Request predicates (path-style URLs: /bucket/key).
const getObject =
  (key: string): Match =>
  (r) =>
    r.method === 'GET' && r.path === `/bucket/${key}`;
const listObjects: Match = (r) => r.method === 'GET' && r.query.get('list-type') === '2';
const listPage2: Match = (r) => listObjects(r) && r.query.has('continuation-token');
const createUpload: Match = (r) => r.method === 'POST' && r.query.has('uploads');
const uploadPart =
  (key?: string): Match =>
  (r) =>
    r.method === 'PUT' && r.query.has('partNumber') && (key === undefined || r.path === `/out/${key}`);
const completeUpload: Match = (r) => r.method === 'POST' && r.query.has('uploadId');
const putObject =
  (key: string): Match =>
  (r) =>
    r.method === 'PUT' && !r.query.has('partNumber') && r.path === `/out/${key}`;

let s3rver: http.Server;
let direct: S3Client;

const lines = randomLines(20_000, 7);
const text = `${lines.join('\n')}\n`;
const gz = zlib.gzipSync(text);
const MANY = 1100; // more than one ListObjectsV2 page (1000 keys)
const manyKey = (i: number): string => `many/f${String(i).padStart(4, '0')}.txt`;

test.before(async () => {
  let endpoint: string;
  ({ server: s3rver, endpoint } = await listen(await s3rverHandler(['bucket', 'out'])));
  direct = new S3Client({
    endpoint,
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  const put = (Key: string, Body: string | Uint8Array) =>
    direct.send(
      new PutObjectCommand({ Bucket: 'bucket', Key, Body, ContentLength: Buffer.byteLength(Body) }),
    );
  await Promise.all([
    put('text/lines.txt', text),
    put('text/lines.txt.gz', gz),
    put('logs/2020-01/x.log', 'x1\n'),
    put('logs/2020-02/y.log', 'y1\ny2\n'),
    put('logs/2021-01/z.log', 'z1\n'),
  ]);
  // s3rver takes about 5 ms a PUT: these 1100 keys are most of this file's run time (about 6 s).
  for (let i = 0; i < MANY; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, MANY - i) }, (_, j) => put(manyKey(i + j), `line ${i + j}\n`)),
    );
  }
});

test.after.always(async () => {
  direct?.destroy();
  await close(s3rver);
});

/** A fresh proxy for one test, closed when the test ends. */
async function proxyFor(t: ExecutionContext): Promise<FaultProxy> {
  const upstream = new URL(`http://127.0.0.1:${(s3rver.address() as { port: number }).port}`);
  const proxy = await new FaultProxy(upstream).start();
  t.teardown(() => proxy.close());
  return proxy;
}

/** Runs `f`, logs and returns how long it took. */
async function timed<R>(t: ExecutionContext, what: string, f: () => Promise<R>): Promise<[R, number]> {
  const t0 = Date.now();
  const r = await f();
  const ms = Date.now() - t0;
  t.log(`${what}: ${ms} ms`);
  return [r, ms];
}

/** Keys under `prefix` of the `out` bucket, read from s3rver directly (not through the proxy). */
async function outKeys(prefix: string): Promise<string[]> {
  const r = await direct.send(new ListObjectsV2Command({ Bucket: 'out', Prefix: prefix }));
  return (r.Contents ?? []).map((c) => c.Key ?? '').sort();
}

test('s3 faults: throttling and 500s on GetObject are absorbed by the SDK retries, the result is exact', async (t) => {
  const proxy = await proxyFor(t);
  // ioRetries 0: nothing but the SDK's own retries can have saved these reads.
  const sc = new Context(proxy.options({ ioRetries: 0 }));
  const plain = getObject('text/lines.txt');
  proxy.arm(plain, { kind: 'SlowDown' }, 2);
  const [got] = await timed(t, '2 × 503 SlowDown', () =>
    sc.textFile('s3://bucket/text/lines.txt', 1).collect(),
  );
  t.deepEqual(got, lines);
  t.is(proxy.count(plain, 'SlowDown'), 2);
  t.is(proxy.count(plain, null), 1, 'the third attempt went through');

  const packed = getObject('text/lines.txt.gz');
  proxy.arm(packed, { kind: 'InternalError' }, 2);
  const [unzipped] = await timed(t, '2 × 500 on .gz', () =>
    sc.textFile('s3://bucket/text/lines.txt.gz').collect(),
  );
  t.deepEqual(unzipped, lines);
  t.is(proxy.count(packed), 3);

  // Ranged reads of 4 splits: the first two GETs fail once each (or one fails twice), all are retried.
  proxy.seen.length = 0;
  proxy.arm(plain, { kind: 'InternalError' }, 2);
  const [split] = await timed(t, '2 × 500 over 4 splits', () =>
    sc.textFile('s3://bucket/text/lines.txt', 4).collect(),
  );
  t.deepEqual(split, lines);
  t.is(proxy.count(plain, 'InternalError'), 2);
  t.true(proxy.count(plain, null) >= 4);
});

test('s3 faults: a persistent 500 ends in a transient IOError naming the path, after SDK and task retries', async (t) => {
  const proxy = await proxyFor(t);
  const path = 's3://bucket/text/lines.txt';
  const plain = getObject('text/lines.txt');
  proxy.arm(plain, { kind: 'InternalError' }, Number.POSITIVE_INFINITY);

  const sc = new Context(proxy.options()); // ioRetries: 2 by default
  const [e, ms] = await timed(t, 'persistent 500, default ioRetries', () =>
    t.throwsAsync(() => sc.textFile(path, 1).collect(), { instanceOf: IOError }),
  );
  t.is(e?.path, path);
  t.true(e?.transient);
  t.true(e?.message.includes(path));
  t.regex(e?.message ?? '', /InternalError, HTTP 500/);
  t.is((e?.cause as { $metadata?: { attempts?: number } }).$metadata?.attempts, 3, 'the SDK tried 3 times');
  t.is(proxy.count(plain), 9, '3 task attempts × 3 SDK attempts');
  // Seconds of SDK back-off, never a hang (10 s was too tight on a loaded 2-CPU machine: 10.9 s seen).
  t.true(ms < 30_000, `${ms} ms`);

  proxy.seen.length = 0;
  const none = new Context(proxy.options({ ioRetries: 0 }));
  const [e0, ms0] = await timed(t, 'persistent 500, ioRetries 0', () =>
    t.throwsAsync(() => none.textFile(path, 1).collect(), { instanceOf: IOError }),
  );
  t.is(e0?.path, path);
  t.true(e0?.transient);
  t.is(proxy.count(plain), 3, '1 task attempt × 3 SDK attempts');
  t.true(ms0 < 5_000);

  // Every action fails the same way: no short or empty result on any path through the engine.
  await t.throwsAsync(() => none.textFile(path, 3).count(), { instanceOf: IOError, message: /lines\.txt/ });
  await t.throwsAsync(() => none.textFile(path).take(1), { instanceOf: IOError, message: /lines\.txt/ });

  // Throttling that never lets up ends the same way (the SDK backs off up to 1 s, then 2 s, for it).
  proxy.disarm();
  proxy.seen.length = 0;
  proxy.arm(plain, { kind: 'SlowDown' }, Number.POSITIVE_INFINITY);
  const [es] = await timed(t, 'persistent 503 SlowDown, ioRetries 0', () =>
    t.throwsAsync(() => none.textFile(path, 1).collect(), { instanceOf: IOError }),
  );
  t.is(es?.path, path);
  t.true(es?.transient);
  t.regex(es?.message ?? '', /SlowDown, HTTP 503/);
  t.is(proxy.count(plain), 3);
});

test('s3 faults: a connection cut mid-body is retried to an exact result; with ioRetries 0 an IOError', async (t) => {
  const proxy = await proxyFor(t);
  const path = 's3://bucket/text/lines.txt';
  const plain = getObject('text/lines.txt');
  t.true(text.length > 300_000);

  // Cut after 150 kB, by then batches of lines have been handed on: the retry must not repeat them.
  const sc = new Context(proxy.options());
  proxy.arm(plain, { kind: 'cut', afterBytes: 150_000 });
  const [got] = await timed(t, 'cut once, collect', () => sc.textFile(path, 1).collect());
  t.deepEqual(got, lines);
  t.is(proxy.cuts, 1);
  t.is(proxy.count(plain, null), 1, 'one more task attempt');

  proxy.arm(plain, { kind: 'cut', afterBytes: 150_000 });
  const streamed: string[] = [];
  await timed(t, 'cut once, toLocalIterator', async () => {
    for await (const line of sc.textFile(path, 1).toLocalIterator()) streamed.push(line);
  });
  t.deepEqual(streamed, lines, 'toLocalIterator: nothing repeated, nothing lost');
  t.is(proxy.cuts, 2);

  proxy.arm(plain, { kind: 'cut', afterBytes: 50_000 });
  const [n] = await timed(t, 'cut once, 3 splits', () => sc.textFile(path, 3).count());
  t.is(n, lines.length, 'one of 3 ranged splits cut');
  t.is(proxy.cuts, 3);

  const packed = getObject('text/lines.txt.gz');
  proxy.arm(packed, { kind: 'cut', afterBytes: Math.floor(gz.length / 2) });
  const [unzipped] = await timed(t, 'cut once, .gz', () => sc.textFile(`${path}.gz`).collect());
  t.deepEqual(unzipped, lines, 'gzip: the cut is an I/O error, retried');
  t.is(proxy.cuts, 4);

  proxy.seen.length = 0;
  const none = new Context(proxy.options({ ioRetries: 0 }));
  proxy.arm(plain, { kind: 'cut', afterBytes: 150_000 });
  const [e, ms] = await timed(t, 'cut, ioRetries 0', () =>
    t.throwsAsync(() => none.textFile(path, 1).collect(), { instanceOf: IOError }),
  );
  t.is(e?.path, path);
  t.true(e?.transient);
  t.true(e?.message.includes(path));
  t.is(proxy.count(plain), 1, 'the SDK does not retry a body that broke after the headers');
  t.is(proxy.cuts, 5);
  t.true(ms < 5_000);

  // gzip: an IOError too, never a CodecError blaming the data for the dropped connection.
  proxy.arm(packed, { kind: 'cut', afterBytes: Math.floor(gz.length / 2) });
  const [ez] = await timed(t, 'cut, .gz, ioRetries 0', () =>
    t.throwsAsync(() => none.textFile(`${path}.gz`).collect(), { instanceOf: IOError }),
  );
  t.is(ez?.path, `${path}.gz`);
  t.true(ez?.transient);
  t.is(proxy.cuts, 6);
});

test('s3 faults: listing (a glob over a prefix) with a 503 once still lists everything', async (t) => {
  const proxy = await proxyFor(t);
  // Counts listing requests: the main thread lists, and worker threads get its listing with their tasks.
  const sc = new Context(proxy.options({ ioRetries: 0 }));
  const glob = 's3://bucket/logs/2020-*/*.log';
  t.deepEqual(await sc.textFile(glob).collect(), ['x1', 'y1', 'y2']);
  const lists = proxy.count(listObjects);

  proxy.seen.length = 0;
  proxy.arm(listObjects, { kind: 'SlowDown' });
  const [got] = await timed(t, 'glob, 503 on the first listing', () => sc.textFile(glob).collect());
  t.deepEqual(got, ['x1', 'y1', 'y2']);
  t.is(proxy.count(listObjects, 'SlowDown'), 1);
  t.is(proxy.count(listObjects), lists + 1);

  // More keys than one ListObjectsV2 page: the 503 hits the request for the second page.
  proxy.seen.length = 0;
  proxy.arm(listPage2, { kind: 'SlowDown' });
  const many = sc.textFile('s3://bucket/many/f*.txt');
  const [n] = await timed(t, `glob over ${MANY} keys, 503 on page 2`, () => many.getNumPartitions());
  t.is(n, MANY, 'one split per object: every key listed');
  t.is(proxy.count(listPage2, 'SlowDown'), 1);
  t.is(proxy.count(listPage2, null), 1);

  // A listing that keeps failing: an IOError after the SDK's attempts, not "no files match".
  proxy.seen.length = 0;
  proxy.arm(listObjects, { kind: 'InternalError' }, Number.POSITIVE_INFINITY);
  const rdd = sc.textFile(glob);
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: IOError, message: /s3:\/\/bucket\/logs/ });
  t.true(e?.transient);
  t.is(proxy.count(listObjects), 3);
  // A missing key cannot be told from a missing directory while listing fails: an IOError, not "not found".
  await t.throwsAsync(() => sc.textFile('s3://bucket/nope.txt').collect(), {
    instanceOf: IOError,
    message: /s3:\/\/bucket\/nope\.txt/,
  });
  // The failed resolution is not kept: the same RDD lists again once S3 answers.
  proxy.disarm();
  t.deepEqual(await rdd.collect(), ['x1', 'y1', 'y2']);
});

test('s3 faults: saveAsTextFile gets through throttling and 500s on every kind of write request', async (t) => {
  const proxy = await proxyFor(t);
  const sc = new Context(proxy.options({ ioRetries: 0 }));
  proxy.arm(createUpload, { kind: 'SlowDown' });
  proxy.arm(uploadPart(), { kind: 'InternalError' });
  proxy.arm(completeUpload, { kind: 'InternalError' });
  proxy.arm(putObject('saved/_SUCCESS'), { kind: 'SlowDown' });
  const data = randomLines(5000, 11);
  await timed(t, 'save with 4 faults', () => sc.parallelize(data, 3).saveAsTextFile('s3://out/saved'));
  t.is(proxy.seen.filter((r) => r.fault !== null).length, 4, 'every fault was served');
  t.deepEqual(await outKeys('saved/'), [
    'saved/_SUCCESS',
    'saved/part-00000',
    'saved/part-00001',
    'saved/part-00002',
  ]);
  t.deepEqual(await sc.textFile('s3://out/saved').collect(), data);
});

test('s3 faults: a persistent 500 on one upload fails saveAsTextFile with an IOError and leaves nothing', async (t) => {
  const proxy = await proxyFor(t);
  const part = uploadPart('failed/part-00001');
  proxy.arm(part, { kind: 'InternalError' }, Number.POSITIVE_INFINITY);
  const sc = new Context(proxy.options({ concurrency: 1 }));
  const [e] = await timed(t, 'save, persistent 500 on part 1', () =>
    t.throwsAsync(() => sc.parallelize(randomLines(100, 3), 3).saveAsTextFile('s3://out/failed'), {
      instanceOf: IOError,
    }),
  );
  t.is(e?.path, 's3://out/failed/part-00001');
  t.true(e?.transient);
  t.is(proxy.count(part), 9, '3 task attempts × 3 SDK attempts');
  t.deepEqual(await outKeys('failed'), []);

  // A commit that cannot write _SUCCESS deletes the parts it had completed.
  const success = putObject('failed2/_SUCCESS');
  proxy.arm(success, { kind: 'InternalError' }, Number.POSITIVE_INFINITY);
  const e2 = await t.throwsAsync(() => sc.parallelize(['a', 'b'], 2).saveAsTextFile('s3://out/failed2'), {
    instanceOf: IOError,
  });
  t.is(e2?.path, 's3://out/failed2');
  t.is(proxy.count(success), 3);
  t.deepEqual(await outKeys('failed2'), []);
});
