/**
 * textFileStream and binaryRecordsStream against real files: files present at
 * start ignored, hidden names and directories skipped, each new file read once
 * in the first batch at or after its modification time, in modification-time
 * order; odd names; compressed files; the system clock.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import test, { type ExecutionContext } from 'ava';
import { Context, IOError, PathNotFoundError, StreamingContext, TaskError } from '../../lib/index.js';
import { close, listen, S3RVER_CREDENTIALS, s3rverHandler } from '../io/s3-server.js';
import { harness } from './helpers.js';

function tempDir(t: ExecutionContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-filestream-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Writes a file and sets its modification time (epoch ms). */
function write(path: string, content: string | Uint8Array, mtime: number): void {
  writeFileSync(path, content);
  utimesSync(path, mtime / 1000, mtime / 1000);
}

const T0 = 1_700_000_000_000; // a batch time (multiple of 1 s)

test('new files are read once, in the first batch at or after their modification time, oldest first', async (t) => {
  const dir = tempDir(t);
  write(join(dir, 'old.txt'), 'old\n', T0 - 5000);
  const h = harness(t, 1, 2, T0);
  const out: string[][] = [];
  h.ssc.textFileStream(dir).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  write(join(dir, 'b.txt'), 'b1\nb2\n', T0 + 500);
  write(join(dir, 'a.txt'), 'a1\n', T0 + 700);
  write(join(dir, 'c.txt'), 'c1\n', T0 + 1000);
  write(join(dir, 'later.txt'), 'later\n', T0 + 2500);
  write(join(dir, '.hidden'), 'hidden\n', T0 + 100);
  write(join(dir, '_SUCCESS'), '', T0 + 100);
  mkdirSync(join(dir, 'sub'));
  write(join(dir, 'sub', 'x.txt'), 'in a subdirectory\n', T0 + 100);
  await h.step(); // T0 + 1000: b, a, c (modified at or before)
  await h.step(); // T0 + 2000: nothing new
  write(join(dir, 'b.txt'), 'rewritten\n', T0 + 2100); // same path: not read again
  await h.step(); // T0 + 3000: later
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [['b1', 'b2', 'a1', 'c1'], [], ['later'], []]);
});

test('a file moved in with an old modification time is read in the next batch', async (t) => {
  const dir = tempDir(t);
  const h = harness(t, 1, 2, T0);
  const out: string[][] = [];
  h.ssc.textFileStream(dir).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  write(join(dir, 'moved.txt'), 'moved\n', T0 - 3_600_000);
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [['moved']]);
});

test('names with wildcard characters or commas are read literally; .gz files are decompressed', async (t) => {
  const dir = tempDir(t);
  const h = harness(t, 1, 2, T0);
  const out: string[] = [];
  h.ssc.textFileStream(dir).foreachRDD(async (rdd) => {
    out.push(...(await rdd.collect()));
  });
  await h.ssc.start();
  write(join(dir, 'star*.txt'), 'star\n', T0 + 100);
  write(join(dir, 'starX.txt'), 'starX\n', T0 + 200);
  write(join(dir, 'q?[1]{a,b}.txt'), 'odd\n', T0 + 300);
  write(join(dir, 'comma,name.txt'), 'comma\n', T0 + 400);
  write(join(dir, 'z.txt.gz'), gzipSync('gz1\ngz2\n'), T0 + 500);
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, ['star', 'starX', 'odd', 'comma', 'gz1', 'gz2']);
});

test('binaryRecordsStream: fixed-length records; a file of another length fails its batch naming it', async (t) => {
  const dir = tempDir(t);
  const h = harness(t, 1, 2, T0);
  const out: number[][] = [];
  h.ssc.binaryRecordsStream(dir, 3).foreachRDD(async (rdd) => {
    out.push(...(await rdd.collect()).map((r) => [...r]));
  });
  await h.ssc.start();
  write(join(dir, 'r1.bin'), new Uint8Array([1, 2, 3, 4, 5, 6]), T0 + 100);
  write(join(dir, 'r2.bin'), new Uint8Array([7, 8, 9]), T0 + 200);
  await h.step();
  t.deepEqual(out, [
    [1, 2, 3],
    [4, 5, 6],
    [7, 8, 9],
  ]);
  write(join(dir, 'bad.bin'), new Uint8Array([1, 2, 3, 4]), T0 + 1100);
  await h.step();
  const e = await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: TaskError });
  t.true(e.cause instanceof IOError);
  t.regex(e.message, /bad\.bin: length 4 is not a multiple of recordLength 3/);
});

test('a directory that does not exist at start: start() and awaitTermination reject with PathNotFoundError', async (t) => {
  const dir = join(tempDir(t), 'missing');
  const h = harness(t, 1, 2, T0);
  h.ssc.textFileStream(dir).foreachRDD(() => {});
  await t.throwsAsync(h.ssc.start(), { instanceOf: PathNotFoundError });
  await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: PathNotFoundError });
  t.is(h.ssc.getState(), 'stopped');
});

test('a monitored directory is one directory: wildcards and commas are an ArgumentError', (t) => {
  const h = harness(t);
  t.throws(() => h.ssc.textFileStream('logs/*'), { message: /without wildcards/ });
  t.throws(() => h.ssc.textFileStream('a,b'), { message: /without wildcards/ });
  t.throws(() => h.ssc.binaryRecordsStream('d', 0), { message: /recordLength/ });
});

test('with the system clock: a file written while running is read by the next batches', async (t) => {
  const dir = tempDir(t);
  const sc = new Context({ defaultParallelism: 2 });
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 0.1);
  const lines: string[] = [];
  ssc.textFileStream(dir).foreachRDD(async (rdd) => {
    lines.push(...(await rdd.collect()));
    if (lines.length >= 2) void ssc.stop(false);
  });
  await ssc.start();
  writeFileSync(join(dir, 'one.txt'), 'x\ny\n');
  t.true(await ssc.awaitTerminationOrTimeout(60));
  t.deepEqual(lines, ['x', 'y']);
});

test('on S3: new objects under a prefix, skipping those present at start and hidden names', async (t) => {
  const { server, endpoint } = await listen(await s3rverHandler(['bucket']));
  t.teardown(() => close(server));
  const s3 = { endpoint, forcePathStyle: true, region: 'us-east-1', credentials: S3RVER_CREDENTIALS };
  const client = new S3Client(s3);
  t.teardown(() => client.destroy());
  const put = (Key: string, Body: string | Uint8Array) =>
    client.send(
      new PutObjectCommand({ Bucket: 'bucket', Key, Body, ContentLength: Buffer.byteLength(Body) }),
    );
  await put('in/old.txt', 'old\n');
  const sc = new Context({ s3, defaultParallelism: 2 });
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 0.2);
  const lines: string[] = [];
  ssc.textFileStream('s3://bucket/in/').foreachRDD(async (rdd) => {
    lines.push(...(await rdd.collect()));
    if (lines.length >= 3) void ssc.stop(false);
  });
  await ssc.start();
  await put('in/_COPYING_', 'hidden\n');
  await put('in/a.txt', 'a1\na2\n');
  await put('in/b.txt.gz', gzipSync('b1\n'));
  t.true(await ssc.awaitTerminationOrTimeout(30));
  t.deepEqual(lines.sort(), ['a1', 'a2', 'b1']);
});
