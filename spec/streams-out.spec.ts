/**
 * Results out as streams: for await over an RDD, toNodeStream (object and
 * text mode) and toWebStream; pull-only with back-pressure inside a
 * partition, and early ends (break, destroy, cancel, an aborted signal)
 * that stop the job and close its sources.
 */
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ArgumentError, Context, TaskError } from '../lib/index.js';
import { ioCounters } from '../lib/io/util.js';
import { PARTITIONS, range } from './helpers.js';

const sc = new Context({ defaultParallelism: 2 });

/** Waits until `done()` holds, or 10 s (closing is asynchronous; a loaded machine may take a while). */
async function until(done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done() && Date.now() - start < 10_000; ) await sleep(10);
}

async function readAll<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of stream) out.push(x);
  return out;
}

test('for await over an RDD gives its elements in partition order', async (t) => {
  for (const n of PARTITIONS) {
    const data = range(10_000);
    t.deepEqual(
      await readAll(sc.parallelize(data, n).map((x) => x * 2)),
      data.map((x) => x * 2),
      `${n} partitions`,
    );
  }
  t.deepEqual(await readAll(sc.emptyRDD()), []);
  t.deepEqual(
    await readAll(
      sc
        .parallelize(
          [
            ['a', 1],
            ['b', 2],
            ['a', 3],
          ],
          2,
        )
        .reduceByKey((a, b) => a + b)
        .sortByKey(),
    ),
    [
      ['a', 4],
      ['b', 2],
    ],
  );
});

test('toNodeStream: object mode by default, every element in order, at 1, 2 and 7 partitions', async (t) => {
  for (const n of PARTITIONS) {
    const data = [...range(5000), undefined, 'x', [1, 2], { a: 1 }];
    const stream = sc.parallelize(data, n).toNodeStream();
    t.true(stream.readableObjectMode);
    t.deepEqual(await readAll(stream), data, `${n} partitions`);
  }
});

test('toNodeStream({ encoding: "utf8" }): one line per element, as saveAsTextFile writes them', async (t) => {
  const stream = sc.parallelize(['a', 1, [2, 3], 'é'], 3).toNodeStream({ encoding: 'utf8' });
  t.false(stream.readableObjectMode);
  const chunks = await readAll(stream);
  t.true(chunks.every((c) => typeof c === 'string'));
  t.is(chunks.join(''), 'a\n1\n2,3\né\n');
});

test('toWebStream: a ReadableStream of the elements, or of lines', async (t) => {
  for (const n of PARTITIONS) {
    const data = range(3000);
    t.deepEqual(await readAll(sc.parallelize(data, n).toWebStream()), data);
  }
  const text = sc.parallelize(['a', 'b'], 2).toWebStream({ encoding: 'utf8' });
  t.true(text instanceof ReadableStream);
  t.is((await readAll(text)).join(''), 'a\nb\n');
  const bytes = await new Response(
    sc.parallelize(['x', 'y']).toWebStream({ encoding: 'utf8' }).pipeThrough(new TextEncoderStream()),
  ).text();
  t.is(bytes, 'x\ny\n');
});

test('a slow reader keeps the job a few batches ahead: back-pressure inside one partition', async (t) => {
  // One partition of a million elements; the reader takes 20 elements, then waits.
  for (const make of [
    (rdd: ReturnType<typeof counted>['rdd']) => rdd.toNodeStream(),
    (rdd: ReturnType<typeof counted>['rdd']) => rdd.toWebStream(),
    (rdd: ReturnType<typeof counted>['rdd']) => rdd,
  ]) {
    const c = counted();
    const stream = make(c.rdd) as AsyncIterable<number>;
    const it = stream[Symbol.asyncIterator]();
    for (let i = 0; i < 20; i++) t.is((await it.next()).value, i);
    await sleep(200);
    // A batch is 4,096 elements: the job computed at most a few of them.
    t.true(c.calls() <= 4 * 4096, `map ran ${c.calls()} times for 20 elements read`);
    await it.return?.();
    const after = c.calls();
    await sleep(100);
    t.is(c.calls(), after, 'nothing runs after the reader stopped');
  }
});

function counted() {
  let calls = 0;
  const rdd = sc.range(0, 1_000_000, 1, 1).map((x) => {
    calls++;
    return x;
  });
  return { rdd, calls: () => calls };
}

test('memory stays flat while a slow consumer reads a large stream', async (t) => {
  // 2 million 100-byte strings (about 400 MB as JavaScript strings) through a slow writable.
  const rdd = sc.range(0, 2_000_000, 1, 2).map((i) => `${i}`.padStart(100, '.'));
  let written = 0;
  let peak = 0;
  const base = process.memoryUsage().heapUsed;
  await pipeline(
    rdd.toNodeStream({ encoding: 'utf8' }),
    new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, done) {
        written += chunk.length;
        if ((written & 0xfffff) < chunk.length) peak = Math.max(peak, process.memoryUsage().heapUsed - base);
        setImmediate(done);
      },
    }),
  );
  t.is(written, 2_000_000 * 101);
  t.true(peak < 100 * 1024 * 1024, `heap grew by ${(peak / 1048576).toFixed(0)} MiB`);
});

test('destroy() stops the job and closes the files it reads', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sparkling-streams-'));
  for (let i = 0; i < 3; i++)
    writeFileSync(join(dir, `part-${i}.txt`), `${'line of text\n'.repeat(200_000)}`);
  const opened = ioCounters.opened;
  const closed = ioCounters.closed;
  const stream = sc.textFile(dir).toNodeStream();
  let n = 0;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', () => {
      if (++n === 10) stream.destroy();
    });
    stream.on('close', () => resolve());
    stream.on('error', reject);
  });
  t.true(ioCounters.opened > opened, 'a file was opened');
  t.is(ioCounters.opened - opened, ioCounters.closed - closed, 'every file opened was closed');
  t.true(stream.destroyed);
});

test('an aborted signal fails the Node stream and the web stream, and stops the job', async (t) => {
  for (const kind of ['node', 'web'] as const) {
    let open = 0;
    const rdd = sc.parallelize([0], 1).mapPartitions(async function* () {
      open++;
      try {
        for (let i = 0; ; i++) {
          yield i;
          if (i % 100 === 0) await new Promise((r) => setImmediate(r));
        }
      } finally {
        open--;
      }
    });
    const controller = new AbortController();
    const stream =
      kind === 'node'
        ? rdd.toNodeStream({ signal: controller.signal })
        : rdd.toWebStream({ signal: controller.signal });
    const error = await (async () => {
      let n = 0;
      for await (const _ of stream as AsyncIterable<number>)
        if (++n === 5) controller.abort(new Error('enough'));
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    t.truthy(error, kind);
    await until(() => open === 0);
    t.is(open, 0, `${kind}: the partition's finally ran`);
  }
});

test('cancel() on a web stream and break in for await stop the job', async (t) => {
  let open = 0;
  const endless = () =>
    sc.parallelize([0, 1], 2).mapPartitions(async function* () {
      open++;
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        open--;
      }
    });
  const reader = endless().toWebStream().getReader();
  await reader.read();
  await reader.cancel();
  t.is(open, 0);
  for await (const x of endless()) if (x === 3) break;
  t.is(open, 0);
});

test('a failing job errors the stream with the TaskError', async (t) => {
  const rdd = sc.parallelize([1, 2, 3], 1).map((x) => {
    if (x === 3) throw new Error('bad element');
    return x;
  });
  await t.throwsAsync(() => readAll(rdd.toNodeStream()), { instanceOf: TaskError });
  await t.throwsAsync(() => readAll(rdd.toWebStream()), { instanceOf: TaskError });
  await t.throwsAsync(() => readAll(rdd), { instanceOf: TaskError });
});

test('null cannot travel in a Node object-mode stream: a clear error', async (t) => {
  await t.throwsAsync(() => readAll(sc.parallelize([1, null, 2]).toNodeStream()), {
    instanceOf: ArgumentError,
    message: /null/,
  });
  t.deepEqual(await readAll(sc.parallelize([1, null, 2]).toWebStream()), [1, null, 2]);
  t.is((await readAll(sc.parallelize([null]).toNodeStream({ encoding: 'utf8' }))).join(''), 'null\n');
});

test('bad options are ArgumentErrors at once', (t) => {
  const rdd = sc.parallelize([1]);
  t.throws(() => rdd.toNodeStream({ encoding: 'latin1' as 'utf8' }), { instanceOf: ArgumentError });
  t.throws(() => rdd.toNodeStream({ highWaterMark: 0 }), { instanceOf: ArgumentError });
  t.throws(() => rdd.toWebStream({ signal: 'soon' as unknown as AbortSignal }), {
    instanceOf: ArgumentError,
  });
});

test('an HTTP client that hangs up stops the job streaming into its response', async (t) => {
  let open = 0;
  let produced = 0;
  const endless = sc.parallelize([0], 1).mapPartitions(async function* () {
    open++;
    try {
      for (let i = 0; ; i++) {
        produced++;
        yield `line ${i}`;
        if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      open--;
    }
  });
  let finish: (e: unknown) => void = () => {};
  const ended = new Promise<unknown>((resolve) => {
    finish = resolve;
  });
  const server = createServer((_req, res) => {
    pipeline(endless.toNodeStream({ encoding: 'utf8' }), res).then(finish, finish);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  get(`http://127.0.0.1:${port}/`, (response) => {
    let bytes = 0;
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > 100_000) response.destroy();
    });
  });
  const error = await ended;
  t.truthy(error, 'the pipeline reports the hang-up');
  await until(() => open === 0);
  t.is(open, 0, "the partition's finally ran: its source is closed");
  const after = produced;
  await sleep(100);
  t.is(produced, after, 'nothing is computed after the hang-up');
  server.close();
  server.closeAllConnections();
});
