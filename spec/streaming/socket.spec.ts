/**
 * socketTextStream against real TCP servers on 127.0.0.1 (port 0: the
 * system picks a free port): lines per batch, reconnection, the error after
 * the retries, back-pressure, and stop() closing the connection.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import { Context, type DStream, IOError, StreamingContext } from '../../lib/index.js';
import { type Harness, harness } from './helpers.js';

interface Server {
  readonly port: number;
  readonly server: net.Server;
  /** Connections accepted so far, in order. */
  readonly sockets: net.Socket[];
  next(): Promise<net.Socket>;
  close(): Promise<void>;
}

async function listen(t: ExecutionContext, port = 0): Promise<Server> {
  const sockets: net.Socket[] = [];
  const waiters: (() => void)[] = [];
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on('error', () => {});
    for (const w of waiters.splice(0)) w();
  });
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  const close = async () => {
    for (const s of sockets) s.destroy();
    if (server.listening) await new Promise<void>((r) => server.close(() => r()));
  };
  t.teardown(close);
  return {
    port: (server.address() as net.AddressInfo).port,
    server,
    sockets,
    // The connection accepted after those accepted so far.
    next: () => {
      const index = sockets.length;
      return new Promise((resolve) => {
        const check = () => {
          const s = sockets[index];
          if (s !== undefined) resolve(s);
          else waiters.push(check);
        };
        check();
      });
    },
    close,
  };
}

/** Waits until the stream's socket has received data not yet taken by a batch. */
async function received(stream: DStream<string>): Promise<void> {
  const input = stream as unknown as { _hasPending(): boolean };
  const end = Date.now() + 10_000;
  while (!input._hasPending()) {
    if (Date.now() > end) throw new Error('nothing received');
    await sleep(5);
  }
}

/** Steps batches until `done()` (at most 10 s). */
async function stepUntil(h: Harness, done: () => boolean): Promise<void> {
  const end = Date.now() + 10_000;
  while (!done()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
    await h.step();
  }
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

test('lines sent before a batch time are that batch; a partial line waits for its end', async (t) => {
  const srv = await listen(t);
  const h = harness(t, 1);
  const out: string[][] = [];
  const lines = h.ssc.socketTextStream('127.0.0.1', srv.port);
  lines.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  const connected = srv.next();
  await h.ssc.start();
  const conn = await connected;
  conn.write('hello world\nsecond line\r\nthird\rpart');
  await received(lines);
  await h.step();
  conn.write('ial line\n\xe9t\xe9\n');
  await received(lines);
  await h.step();
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [['hello world', 'second line', 'third'], ['partial line', 'été'], []]);
});

test('the server closes the connection: the last line without a terminator counts, and the client reconnects', async (t) => {
  const srv = await listen(t);
  const h = harness(t, 1);
  const out: string[][] = [];
  h.ssc.socketTextStream('127.0.0.1', srv.port).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  const first = srv.next();
  await h.ssc.start();
  (await first).end('one\ntwo');
  const second = srv.next();
  const again = await second;
  again.write('three\n');
  await stepUntil(h, () => out.flat().length >= 3);
  await h.ssc.stop(false);
  t.deepEqual(out.flat(), ['one', 'two', 'three']);
  t.is(h.ssc.getState(), 'stopped');
});

test('a server that goes away and comes back within the retry time: the stream goes on', async (t) => {
  const srv = await listen(t);
  const port = srv.port;
  const h = harness(t, 1);
  const out: string[][] = [];
  h.ssc.socketTextStream('127.0.0.1', port).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  const first = srv.next();
  await h.ssc.start();
  (await first).write('before\n');
  await stepUntil(h, () => out.flat().length >= 1);
  await srv.close();
  await sleep(300); // refused a few times
  const back = await listen(t, port);
  const conn = await back.next();
  conn.write('after\n');
  await stepUntil(h, () => out.flat().length >= 2);
  t.deepEqual(out.flat(), ['before', 'after']);
  t.false(await h.ssc.awaitTerminationOrTimeout(0));
  await h.ssc.stop(false);
});

test('a refused connection is retried for retryTimeout, then the context stops with an IOError naming host:port', async (t) => {
  const port = await freePort();
  const sc = new Context();
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 0.1);
  ssc.socketTextStream('127.0.0.1', port, undefined, { retryTimeout: 0.5 }).foreachRDD(() => {});
  const began = Date.now();
  await ssc.start();
  const e = await t.throwsAsync(ssc.awaitTermination(), { instanceOf: IOError });
  const took = Date.now() - began;
  t.true(took >= 450 && took < 8000, `${took} ms`);
  t.is(e.path, `127.0.0.1:${port}`);
  t.regex(
    e.message,
    new RegExp(`^127\\.0\\.0\\.1:${port}: socketTextStream could not connect for 0\\.5 s .*ECONNREFUSED`),
  );
  t.is(ssc.getState(), 'stopped');
});

test('by default a refused connection is retried for 10 s', async (t) => {
  t.timeout(60_000);
  const port = await freePort();
  const sc = new Context();
  t.teardown(() => sc.stop());
  const ssc = new StreamingContext(sc, 0.5);
  ssc.socketTextStream('127.0.0.1', port).foreachRDD(() => {});
  const began = Date.now();
  await ssc.start();
  t.false(await ssc.awaitTerminationOrTimeout(8));
  const e = await t.throwsAsync(ssc.awaitTermination(), { instanceOf: IOError });
  const took = Date.now() - began;
  t.true(took >= 9900 && took < 30_000, `${took} ms`);
  t.regex(e.message, /could not connect for 10 s/);
});

test('back-pressure: reading pauses while maxBufferedBytes wait for a batch, and nothing is lost', async (t) => {
  const srv = await listen(t);
  const h = harness(t, 1);
  const counts: number[] = [];
  h.ssc
    .socketTextStream('127.0.0.1', srv.port, undefined, { maxBufferedBytes: 2 * 1024 * 1024 })
    .foreachRDD(async (rdd) => {
      counts.push(await rdd.count());
    });
  const connected = srv.next();
  await h.ssc.start();
  const conn = await connected;
  const block = `${'x'.repeat(99)}\n`.repeat(1000);
  const total = 400_000; // 40 MB, more than the kernel buffers
  let written = 0;
  const writing = (async () => {
    while (written < total) {
      const ok = conn.write(block);
      written += 1000;
      if (!ok) await once(conn, 'drain');
    }
  })();
  await sleep(500);
  t.true(written < total, `the writer is held back (${written} lines written)`);
  await stepUntil(h, () => counts.reduce((a, b) => a + b, 0) >= total);
  await writing;
  t.is(
    counts.reduce((a, b) => a + b, 0),
    total,
  );
  t.true(counts.length > 3, `${counts.length} batches`);
  await h.ssc.stop(false);
});

test('stop() closes the connection', async (t) => {
  const srv = await listen(t);
  const h = harness(t, 1);
  h.ssc.socketTextStream('127.0.0.1', srv.port).pprint();
  const connected = srv.next();
  await h.ssc.start();
  const conn = await connected;
  const closed = once(conn, 'close');
  await h.ssc.stop(false);
  await closed;
  t.pass();
  await sleep(200);
  t.is(srv.sockets.length, 1, 'no reconnection after stop');
});

test('graceful stop processes the lines already received', async (t) => {
  const srv = await listen(t);
  const h = harness(t, 1);
  const out: string[][] = [];
  const lines = h.ssc.socketTextStream('127.0.0.1', srv.port);
  lines.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  const connected = srv.next();
  await h.ssc.start();
  (await connected).write('a\nb\n');
  await received(lines);
  await h.ssc.stop(false, true);
  t.deepEqual(out, [['a', 'b']]);
});

test('socketTextStream checks its arguments', (t) => {
  const h = harness(t, 1);
  t.throws(() => h.ssc.socketTextStream('', 1), { message: /hostname/ });
  t.throws(() => h.ssc.socketTextStream('localhost', 0), { message: /port/ });
  t.throws(() => h.ssc.socketTextStream('localhost', 70000), { message: /port/ });
  t.throws(() => h.ssc.socketTextStream('localhost', 1, undefined, { retryTimeout: -1 }), {
    message: /retryTimeout/,
  });
});
