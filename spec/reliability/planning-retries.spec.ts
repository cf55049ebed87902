/**
 * `ioRetries` covers every request, planning included: a transient 5xx on
 * the HEAD that sizes an http(s) file, or on a directory index, is sent
 * again, as a failed read's task is run again.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { Context, IOError } from '../../lib/index.js';

const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
const body = Buffer.from(`${lines.join('\n')}\n`);

/** Requests by method and path; how many of each to fail (with 503) before answering. */
const seen = new Map<string, number>();
const failFirst = new Map<string, number>();

const server = http.createServer((req, res) => {
  const key = `${req.method} ${req.url}`;
  const n = (seen.get(key) ?? 0) + 1;
  seen.set(key, n);
  if (n <= (failFirst.get(key) ?? 0)) {
    res.writeHead(503, { 'content-type': 'text/plain' }).end('busy');
    return;
  }
  if (req.url?.endsWith('/')) {
    const html = '<html><body><a href="a.txt">a.txt</a> <a href="b.txt">b.txt</a></body></html>';
    res.writeHead(200, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
    res.end(req.method === 'HEAD' ? undefined : html);
    return;
  }
  res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
  res.end(req.method === 'HEAD' ? undefined : body);
});

let base = '';
test.before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.after.always(() => {
  server.closeAllConnections();
  server.close();
});

test.serial(
  'a 503 on the HEAD that sizes a file is retried; with ioRetries: 0 it is an IOError naming the URL',
  async (t) => {
    failFirst.set('HEAD /one/data.txt', 2);
    const sc = new Context({ defaultParallelism: 2 });
    t.deepEqual(await sc.textFile(`${base}/one/data.txt`).collect(), lines);
    t.is(seen.get('HEAD /one/data.txt'), 3);

    failFirst.set('HEAD /two/data.txt', 1);
    const none = new Context({ defaultParallelism: 2, ioRetries: 0 });
    const e = await t.throwsAsync(none.textFile(`${base}/two/data.txt`).count(), { instanceOf: IOError });
    t.true(e.transient && e.message.includes(`${base}/two/data.txt`), e.message);
    t.is(seen.get('HEAD /two/data.txt'), 1);
    // A later action plans again, and succeeds.
    t.is(await none.textFile(`${base}/two/data.txt`).count(), lines.length);
  },
);

test.serial('a 503 on a directory index is retried, with retryWaitMs between attempts', async (t) => {
  failFirst.set('GET /dir/', 1);
  failFirst.set('HEAD /dir/b.txt', 1);
  const sc = new Context({ defaultParallelism: 2, retryWaitMs: 20 });
  const start = performance.now();
  t.is(await sc.textFile(`${base}/dir/`).count(), 2 * lines.length);
  t.true(performance.now() - start >= 40);
  t.is(seen.get('GET /dir/'), 2);
  t.is(seen.get('HEAD /dir/b.txt'), 2);
  t.deepEqual((await sc.wholeTextFiles(`${base}/dir/*.txt`).keys().collect()).sort(), [
    `${base}/dir/a.txt`,
    `${base}/dir/b.txt`,
  ]);
});

test.serial('a persistent 503 on planning fails after ioRetries more attempts', async (t) => {
  failFirst.set('HEAD /down/data.txt', 100);
  const sc = new Context({ defaultParallelism: 2, ioRetries: 3 });
  await t.throwsAsync(sc.textFile(`${base}/down/data.txt`).count(), { instanceOf: IOError, message: /503/ });
  t.is(seen.get('HEAD /down/data.txt'), 4);
});
