/**
 * hdfs:// and webhdfs:// against a real HDFS: Apache Hadoop's MiniDFSCluster
 * (one NameNode, one DataNode, 1 MiB blocks, 127.0.0.1 only), started by
 * spec/hdfs/cluster.ts. Without Java or Maven every test here is reported as
 * skipped, with the reason in its title; SPARKLING_REQUIRE_HDFS=1 makes that
 * a failure instead.
 *
 * The tests run serially, in order: the last one stops the DataNode.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { hostname } from 'node:os';
import zlib from 'node:zlib';
import test, { type ExecutionContext } from 'ava';
import {
  Context,
  IOError,
  PathExistsError,
  PathNotFoundError,
  StreamingContext,
  TaskError,
} from '../../lib/index.js';
import { fileSystemFor } from '../../lib/io/fs/index.js';
import {
  type IoOptions,
  listFiles,
  openTextOutput,
  planTextSplits,
  readTextSplit,
  readWholeFile,
} from '../../lib/io/index.js';
import { splitLines } from '../../lib/io/lines.js';
import { type HdfsCluster, startHdfs } from '../hdfs/cluster.js';
import { randomLines, readAll, rejectsWith, splitLinesOf } from './helpers.js';

const started = await startHdfs();
const cluster: HdfsCluster | undefined = started.cluster;
const skipReason = started.skip?.replace(/\s*\n\s*/g, ' | ').slice(0, 300);
if (started.skip !== undefined) console.warn(`HDFS specs skipped: ${started.skip}`);

/** Serial tests when the cluster runs; skipped ones, the reason in the title, when it does not. */
function hdfsTest(title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  if (cluster) test.serial(title, fn);
  else test.skip(`${title} [skipped: ${skipReason}]`, fn);
}

const port = cluster?.httpPort ?? 0;
const USER = 'sparkling';
/** Every path of this run lives under /tmp/<dir> (world-writable on the cluster, like a real one's). */
const dir = `/tmp/spec-${randomBytes(4).toString('hex')}`;
const hdfs = (p: string): string => `hdfs://127.0.0.1${dir}${p}`;
const webhdfs = (p: string): string => `webhdfs://127.0.0.1:${port}${dir}${p}`;
const opts: IoOptions = { hdfs: { httpPort: port, user: USER } };

const bigText = `${randomLines(40000, 7).join('\n')}\n`;
const bigLines = splitLines(bigText);
/** Over 4 blocks of 1 MiB, lines of every length, \r\n and lone \r terminators mixed in. */
const multiBlockText = randomLines(240000, 11)
  .map((l, i) => l + (i % 97 === 0 ? '\r\n' : i % 89 === 0 ? '\r' : '\n'))
  .join('');
const multiBlockLines = splitLines(multiBlockText);

// --- Raw WebHDFS, independent of the filesystem under test, for fixtures and checks. ---

const api = (p: string, op: string, extra = ''): string =>
  `http://127.0.0.1:${port}/webhdfs/v1${dir}${p}?op=${op}&user.name=${USER}${extra}`;

/** CREATE in its two steps; node:http for the DataNode's, which answers `100 Continue` first (fetch fails on it). */
async function put(p: string, body: string | Uint8Array): Promise<void> {
  const r1 = await fetch(api(p, 'CREATE', '&overwrite=true'), { method: 'PUT', redirect: 'manual' });
  const location = r1.headers.get('location');
  if (r1.status !== 307 || location === null) throw new Error(`CREATE ${p}: HTTP ${r1.status}`);
  const status = await new Promise<number | undefined>((resolve, reject) => {
    const req = http.request(location, { method: 'PUT' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject);
    req.end(body);
  });
  if (status !== 201) throw new Error(`CREATE ${p} at the DataNode: HTTP ${status}`);
}

interface Status {
  type: string;
  owner: string;
  length: number;
  modificationTime: number;
  pathSuffix: string;
}

async function statusOf(p: string): Promise<Status | null> {
  const r = await fetch(api(p, 'GETFILESTATUS'));
  if (r.status === 404) return null;
  return ((await r.json()) as { FileStatus: Status }).FileStatus;
}

async function names(p: string): Promise<string[]> {
  const r = await fetch(api(p, 'LISTSTATUS'));
  const json = (await r.json()) as { FileStatuses: { FileStatus: Status[] } };
  return json.FileStatuses.FileStatus.map((s) => s.pathSuffix).sort();
}

async function* batchesOf(lines: string[], size = 1000): AsyncGenerator<string[]> {
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size);
}

if (cluster) {
  test.before(async () => {
    const mk = await fetch(api('', 'MKDIRS', '&permission=1777'), { method: 'PUT' });
    if (!mk.ok) throw new Error(`MKDIRS ${dir}: HTTP ${mk.status}`);
    await Promise.all([
      put('/big.txt', bigText),
      put('/big.txt.gz', zlib.gzipSync(bigText)),
      put('/big.txt.bz2', execFileSync('bzip2', ['-c'], { input: bigText })),
      put('/multi.txt', multiBlockText),
      put('/empty.txt', ''),
      put('/spark/part-00000', 'p0a\np0b\n'),
      put('/spark/part-00001.gz', zlib.gzipSync('p1a\n')),
      put('/spark/part-00002', ''),
      put('/spark/_SUCCESS', ''),
      put('/spark/.part-00000.crc', 'not data'),
      put('/spark/_temporary/0/part-00003', 'temp\n'),
      put('/logs/2020-01/x.log', 'x1\n'),
      put('/logs/2020-02/y.log', 'y1\n'),
      put('/logs/2021-01/z.log', 'z1\n'),
      put('/name with space/a b.txt', 'spaced\n'),
    ]);
  });
  test.after.always(async () => {
    await cluster.stop();
  });
}

hdfsTest('hdfs: the launcher starts a real HDFS (timings logged)', async (t) => {
  t.log(`launcher build ${cluster!.buildMs} ms, cluster start ${cluster!.startMs} ms, WebHDFS port ${port}`);
  const r = await fetch(`http://127.0.0.1:${port}/webhdfs/v1/?op=GETFILESTATUS&user.name=${USER}`);
  t.is(r.status, 200);
});

hdfsTest('hdfs: read plain, .gz and .bz2 files through hdfs:// and webhdfs://', async (t) => {
  t.deepEqual(await readAll(hdfs('/big.txt'), 1, opts), bigLines);
  t.deepEqual(await readAll(hdfs('/big.txt.gz'), 1, opts), bigLines);
  t.deepEqual(await readAll(hdfs('/big.txt.bz2'), 1, opts), bigLines);
  t.deepEqual(await readAll(webhdfs('/big.txt.gz'), 3, {}), bigLines);
  t.deepEqual(await readAll(hdfs('/empty.txt'), 2, opts), []);
  t.is(new TextDecoder().decode(await readWholeFile(hdfs('/big.txt.bz2'), opts, true)), bigText);
  t.deepEqual(await readAll(hdfs('/name with space/a b.txt'), 1, opts), ['spaced']);
  t.is((await readWholeFile(hdfs('/empty.txt'), opts, false)).length, 0);
  // The port of an hdfs:// URL is the NameNode's RPC port: WebHDFS requests go to hdfs.httpPort.
  t.deepEqual(await readAll(`hdfs://127.0.0.1:8020${dir}/spark/part-00000`, 1, opts), ['p0a', 'p0b']);
});

hdfsTest('hdfs: a directory of part-* files and _SUCCESS; globs; comma lists', async (t) => {
  const files = await listFiles(hdfs('/spark'), opts);
  t.deepEqual(
    files.map((f) => f.path),
    [hdfs('/spark/part-00000'), hdfs('/spark/part-00001.gz'), hdfs('/spark/part-00002')],
  );
  t.deepEqual(
    files.map((f) => f.codec),
    [null, 'gzip', null],
  );
  t.deepEqual(await readAll(hdfs('/spark/'), 2, opts), ['p0a', 'p0b', 'p1a']);
  t.deepEqual(await readAll(hdfs('/logs/2020-*/*.log'), 1, opts), ['x1', 'y1']);
  t.deepEqual(await readAll(`${hdfs('/logs/*/?.log')},${webhdfs('/spark/part-00000')}`, 1, opts), [
    'x1',
    'y1',
    'z1',
    'p0a',
    'p0b',
  ]);
  t.deepEqual(await readAll(hdfs('/l*/2021-*'), 1, opts), ['z1']);
  const sc = new Context({ hdfs: { httpPort: port, user: USER } });
  const whole = await sc.wholeTextFiles(hdfs('/logs/*/*.log')).collect();
  t.deepEqual(whole, [
    [hdfs('/logs/2020-01/x.log'), 'x1\n'],
    [hdfs('/logs/2020-02/y.log'), 'y1\n'],
    [hdfs('/logs/2021-01/z.log'), 'z1\n'],
  ]);
  const [[, bytes]] = (await sc.binaryFiles(hdfs('/spark/part-00001.gz')).collect()) as [
    [string, Uint8Array],
  ];
  t.deepEqual(zlib.gunzipSync(bytes).toString(), 'p1a\n');
});

hdfsTest('hdfs: a multi-block file splits into byte ranges, every line exactly once', async (t) => {
  const info = await fileSystemFor(hdfs('/multi.txt')).stat(hdfs('/multi.txt'), opts);
  t.is(info?.size, Buffer.byteLength(multiBlockText));
  t.is(info?.blockSize, 1024 * 1024, 'the launcher writes 1 MiB blocks');
  t.true(info!.size! > 4 * 1024 * 1024);
  const splits = await planTextSplits(hdfs('/multi.txt'), 4, opts);
  t.true(splits.length >= 4, `${splits.length} splits`);
  t.true(
    splits.every((s) => s.end === null || s.end - s.start <= 1024 * 1024),
    'no split is larger than a block',
  );
  const perSplit = await Promise.all(splits.map((s) => splitLinesOf(s, opts)));
  t.deepEqual(perSplit.flat(), multiBlockLines);

  const sc = new Context({ hdfs: { httpPort: port, user: USER } });
  const rdd = sc.textFile(hdfs('/multi.txt'), 4);
  t.is(await rdd.getNumPartitions(), splits.length);
  t.deepEqual(await rdd.collect(), multiBlockLines);
  t.is(await rdd.first(), multiBlockLines[0]!);
  // webhdfs:// with an explicit split size: the option wins over the file's block size.
  const small = await planTextSplits(webhdfs('/multi.txt'), 1, { blockSize: 256 * 1024 });
  t.true(small.length >= 16);
});

hdfsTest('hdfs: first() reads only the start of the first block', async (t) => {
  const opens: URL[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.searchParams.get('op') === 'OPEN' && url.pathname.endsWith('/multi.txt')) opens.push(url);
    return realFetch(input, init);
  };
  try {
    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    t.is(await sc.textFile(hdfs('/multi.txt'), 4).first(), multiBlockLines[0]!);
  } finally {
    globalThis.fetch = realFetch;
  }
  // One OPEN at the NameNode and its redirect to the DataNode, both for the first split's range only.
  t.is(opens.length, 2, opens.join('\n'));
  for (const u of opens) {
    t.is(u.searchParams.get('offset') ?? '0', '0');
    t.true(Number(u.searchParams.get('length')) <= 1024 * 1024 + 1 + 64 * 1024, u.toString());
  }
});

hdfsTest('hdfs: user.name from the option, else HADOOP_USER_NAME', async (t) => {
  const before = process.env.HADOOP_USER_NAME;
  try {
    process.env.HADOOP_USER_NAME = 'from-env';
    const out = await openTextOutput(hdfs('/owned-env'), null, { hdfs: { httpPort: port } });
    await out.writePart(0, batchesOf(['x']));
    await out.commit();
    t.is((await statusOf('/owned-env/part-00000'))?.owner, 'from-env');
    const out2 = await openTextOutput(hdfs('/owned-opt'), null, opts);
    await out2.writePart(0, batchesOf(['x']));
    await out2.commit();
    t.is((await statusOf('/owned-opt/part-00000'))?.owner, USER);
  } finally {
    if (before === undefined) delete process.env.HADOOP_USER_NAME;
    else process.env.HADOOP_USER_NAME = before;
  }
});

for (const codec of [null, 'gzip'] as const) {
  hdfsTest(`hdfs output (${codec ?? 'plain'}): parts, _SUCCESS last, atomic rename, read back`, async (t) => {
    const name = `/out-${codec ?? 'plain'}`;
    const target = hdfs(name);
    const parts = [randomLines(30000, 21), [], ['single line'], randomLines(50, 22)];
    const out = await openTextOutput(target, codec, opts);
    await Promise.all(parts.map((lines, i) => out.writePart(i, batchesOf(lines))));
    t.is(await statusOf(name), null, 'nothing at the target before commit');
    const tmp = (await names('')).filter((n) => n.includes('sparkling-tmp'));
    t.is(tmp.length, 1, 'parts wait in one hidden temporary directory');
    t.true(tmp[0]!.startsWith(`.out-${codec ?? 'plain'}.`));
    await out.commit();
    const suffix = codec === 'gzip' ? '.gz' : '';
    t.deepEqual(await names(name), ['_SUCCESS', ...[0, 1, 2, 3].map((i) => `part-0000${i}${suffix}`)]);
    t.deepEqual(
      (await names('')).filter((n) => n.includes('sparkling-tmp')),
      [],
      'no temporary directory left',
    );
    const success = await statusOf(`${name}/_SUCCESS`);
    for (let i = 0; i < 4; i++) {
      const part = await statusOf(`${name}/part-0000${i}${suffix}`);
      t.true(part!.modificationTime <= success!.modificationTime, '_SUCCESS is written last');
    }
    t.deepEqual(await readAll(target, 3, opts), parts.flat());
    await rejectsWith(t, openTextOutput(target, codec, opts), PathExistsError, target);

    // The same through the RDD API.
    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    const rddTarget = hdfs(`${name}-rdd`);
    await sc.parallelize(parts.flat(), 3).saveAsTextFile(rddTarget, codec ?? undefined);
    t.deepEqual(await sc.textFile(rddTarget).collect(), parts.flat());
    await rejectsWith(t, sc.parallelize([1]).saveAsTextFile(rddTarget), PathExistsError, rddTarget);
  });
}

hdfsTest(
  'hdfs output: a failing write leaves nothing under the target, nor a temporary directory',
  async (t) => {
    const target = hdfs('/failed');
    const out = await openTextOutput(target, 'gzip', opts);
    await out.writePart(0, batchesOf(['a', 'b']));
    const boom = new Error('user code failed');
    async function* failing(): AsyncGenerator<string[]> {
      yield randomLines(20000, 3);
      throw boom;
    }
    t.is(await t.throwsAsync(out.writePart(1, failing())), boom, 'the partition keeps its own error');
    await out.abort();
    t.is(await statusOf('/failed'), null);
    t.deepEqual(
      (await names('')).filter((n) => n.includes('failed')),
      [],
    );

    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    const err = await t.throwsAsync(
      sc
        .parallelize(randomLines(5000, 4), 4)
        .mapPartitionsWithIndex((i, part) => {
          if (i === 2) throw new Error('partition 2 fails');
          return part;
        })
        .saveAsTextFile(hdfs('/failed-rdd')),
    );
    t.true(err instanceof TaskError, `${err?.name}: ${err?.message}`);
    t.is(await statusOf('/failed-rdd'), null);
    t.deepEqual(
      (await names('')).filter((n) => n.includes('failed')),
      [],
    );
  },
);

hdfsTest(
  'hdfs: missing paths → PathNotFoundError with the server message; other errors name the path',
  async (t) => {
    const missing = hdfs('/nope.txt');
    const err = await rejectsWith(t, planTextSplits(missing, 1, opts), PathNotFoundError, missing);
    t.is((err as PathNotFoundError).path, missing);
    await rejectsWith(
      t,
      splitLinesOf({ path: missing, start: 0, end: null, codec: null, size: null }, opts),
      PathNotFoundError,
      missing,
      'not found',
    );
    await rejectsWith(t, readWholeFile(webhdfs('/gone.bin'), opts, false), PathNotFoundError, 'gone.bin');
    await rejectsWith(t, listFiles(hdfs('/logs/19*/*'), opts), PathNotFoundError, hdfs('/logs/19*/*'));
    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    await rejectsWith(t, sc.textFile(missing).count(), PathNotFoundError, missing);

    // A server-side refusal carries its RemoteException: writing where the user may not.
    await rejectsWith(
      t,
      openTextOutput('hdfs://127.0.0.1/not-mine/out', null, opts),
      IOError,
      'hdfs://127.0.0.1/not-mine/out',
      'AccessControlException',
      'Permission denied',
    );
    // Nothing listening: an IOError naming the path and the port to check.
    const closed = 'hdfs://127.0.0.1/x.txt';
    const down = await rejectsWith(
      t,
      planTextSplits(closed, 1, { hdfs: { httpPort: 1 }, httpTimeoutMs: 5000 }),
      IOError,
      closed,
      'NameNode 127.0.0.1:1',
      'httpPort',
    );
    t.true((down as IOError).transient);
    await rejectsWith(t, planTextSplits('hdfs:///no/host', 1, opts), Error, 'NameNode');
  },
);

hdfsTest(
  "hdfs output: a dead writer's staging directory goes with the next save into the same parent",
  async (t) => {
    const host = hostname().replace(/[^A-Za-z0-9.-]/g, '_');
    // Linux never gives out a pid above 2^22: a writer with that pid is gone.
    const gone = 2 ** 22 + 17;
    const dead = `.killed.sparkling-tmp-${host}.${gone}.0-a1b2c3d4`;
    const live = `.live.sparkling-tmp-${host}.${process.pid}.0-a1b2c3d4`;
    const elsewhere = `.far.sparkling-tmp-another-host.${gone}.0-a1b2c3d4`;
    for (const n of [dead, live, elsewhere]) {
      const mk = await fetch(api(`/stale/${n}`, 'MKDIRS'), { method: 'PUT' });
      t.true(mk.ok);
    }
    await put(`/stale/${dead}/part-00000`, 'half written\n');
    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    await sc.parallelize(['x', 'y'], 2).saveAsTextFile(hdfs('/stale/next'));
    t.deepEqual(await names('/stale'), [elsewhere, live, 'next'].sort());
    t.deepEqual(await sc.textFile(hdfs('/stale/next')).collect(), ['x', 'y']);
  },
);

hdfsTest(
  'hdfs: textFileStream reads each file moved into the directory once, skipping old and hidden ones',
  async (t) => {
    const mkdir = async (p: string) => t.true((await fetch(api(p, 'MKDIRS'), { method: 'PUT' })).ok);
    const moveIn = async (name: string, body: string | Uint8Array) => {
      // Written elsewhere and renamed in, as Spark asks of its file sources (HDFS keeps the modification time).
      await put(`/stream/staging/${name}`, body);
      const to = encodeURIComponent(`${dir}/stream/in/${name}`);
      const r = await fetch(api(`/stream/staging/${name}`, 'RENAME', `&destination=${to}`), {
        method: 'PUT',
      });
      t.true(r.ok);
    };
    await mkdir('/stream/in');
    await mkdir('/stream/staging');
    await put('/stream/in/old.txt', 'old\n');
    const sc = new Context({ hdfs: { httpPort: port, user: USER } });
    t.teardown(() => sc.stop());
    // The system clock, 0.2 s batches: the stream stops itself three batches after the last expected line.
    const ssc = new StreamingContext(sc, 0.2);
    const lines: string[] = [];
    let after = 0;
    ssc.textFileStream(hdfs('/stream/in')).foreachRDD(async (rdd) => {
      lines.push(...(await rdd.collect()));
      if (lines.length >= 3 && ++after >= 3) void ssc.stop(false);
    });
    await ssc.start();
    await put('/stream/in/_COPYING_', 'hidden\n');
    await moveIn('a.txt', 'a1\na2\n');
    await moveIn('b.txt.gz', zlib.gzipSync('b1\n'));
    t.true(await ssc.awaitTerminationOrTimeout(120));
    t.deepEqual(lines.sort(), ['a1', 'a2', 'b1']);
  },
);

hdfsTest('hdfs: a DataNode stopped mid-read → IOError naming the file, never a short result', async (t) => {
  const path = hdfs('/multi.txt');
  let t0 = Date.now();
  const stream = readTextSplit({ path, start: 0, end: null, codec: null, size: null }, opts);
  const got: string[] = [];
  let stopped = false;
  const err = await t.throwsAsync(
    (async () => {
      for await (const batch of stream) {
        got.push(...batch);
        if (!stopped) {
          stopped = true;
          const t0 = Date.now();
          await cluster!.command('stop-datanode');
          t.log(`DataNode stopped in ${Date.now() - t0} ms`);
        }
      }
    })(),
  );
  t.true(stopped);
  t.true(err instanceof IOError, `${err?.name}: ${err?.message}`);
  t.true(err?.message.includes(path), err?.message);
  t.true((err as IOError).transient);
  t.true(got.length < multiBlockLines.length, `${got.length} lines before the error`);
  t.log(
    `read ${got.length} of ${multiBlockLines.length} lines, then (${Date.now() - t0} ms): ${err?.message}`,
  );

  // Through an action, with its retries: still an error, naming the file.
  t0 = Date.now();
  const sc = new Context({ hdfs: { httpPort: port, user: USER }, httpTimeoutMs: 5000 });
  const actionErr = await t.throwsAsync(sc.textFile(path, 4).count());
  t.true(actionErr?.message.includes(path), actionErr?.message);
  t.true(
    actionErr instanceof IOError || (actionErr instanceof TaskError && actionErr.cause instanceof IOError),
    `${actionErr?.name}: ${actionErr?.message}`,
  );
  t.log(`action failed in ${Date.now() - t0} ms: ${actionErr?.name}: ${actionErr?.message}`);

  // Started again on the same storage, the file is whole.
  t0 = Date.now();
  await cluster!.command('start-datanode');
  t.log(`DataNode restarted in ${Date.now() - t0} ms`);
  t0 = Date.now();
  t.deepEqual(await readAll(path, 1, opts), multiBlockLines);
  t.log(`read again in ${Date.now() - t0} ms`);
});
