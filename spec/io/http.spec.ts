import { promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import { IOError, PathNotFoundError } from '../../lib/errors.js';
import { listFiles, planTextSplits, readTextSplit, readWholeFile } from '../../lib/io/index.js';
import { splitLines } from '../../lib/io/lines.js';
import { randomLines, readAll, rejectsWith, splitLinesOf, tempDir } from './helpers.js';

let dir = '';
let base = '';
let server: http.Server;
/** Requests seen: method, url, range header. */
const log: { method: string; url: string; range: string | undefined }[] = [];
/** Responses whose connection closed before they finished. */
let abortedResponses = 0;

const bigText = `${randomLines(40000, 11).join('\n')}\n`;

function listing(rel: string, names: string[]): string {
  const links = names
    .map((n) => `<a href="${encodeURIComponent(n).replace(/%2F/g, '/')}">${n}</a>`)
    .join('\n');
  return `<html><body><h1>Index of /files/${rel}</h1><a href="../">Parent</a><a href="?C=N;O=D">Name</a>${links}<a href="http://elsewhere.example/x.txt">x</a></body></html>`;
}

async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, ranges: boolean) {
  let data: Buffer;
  try {
    data = await fsp.readFile(file);
  } catch {
    res.writeHead(404).end('not found');
    return;
  }
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
  const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream' };
  if (ranges) headers['accept-ranges'] = 'bytes';
  if (ranges && m) {
    const start = Number(m[1]);
    const end = m[2] ? Math.min(Number(m[2]), data.length - 1) : data.length - 1;
    if (start >= data.length) {
      res.writeHead(416, { 'content-range': `bytes */${data.length}` }).end();
      return;
    }
    headers['content-range'] = `bytes ${start}-${end}/${data.length}`;
    headers['content-length'] = end - start + 1;
    res.writeHead(206, headers);
    if (req.method === 'HEAD') res.end();
    else res.end(data.subarray(start, end + 1));
    return;
  }
  headers['content-length'] = data.length;
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // Stream in pieces so a client that stops early really leaves a response unfinished.
  for (let off = 0; off < data.length; off += 64 * 1024) {
    if (!res.write(data.subarray(off, off + 64 * 1024))) await new Promise((r) => res.once('drain', r));
    if (res.destroyed) return;
  }
  res.end();
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  log.push({ method: req.method ?? '', url: req.url ?? '', range: req.headers.range });
  res.on('close', () => {
    if (!res.writableFinished) abortedResponses++;
  });
  const url = new URL(req.url ?? '/', base);
  const p = decodeURIComponent(url.pathname);
  if (p.startsWith('/files/') || p.startsWith('/norange/')) {
    const ranges = p.startsWith('/files/');
    const rel = p.slice(ranges ? '/files/'.length : '/norange/'.length);
    const file = path.join(dir, rel);
    if (p.endsWith('/')) {
      try {
        const names = (await fsp.readdir(file, { withFileTypes: true })).map(
          (d) => d.name + (d.isDirectory() ? '/' : ''),
        );
        res.writeHead(200, { 'content-type': 'text/html' }).end(listing(rel, names));
      } catch {
        res.writeHead(404).end();
      }
      return;
    }
    await serveFile(req, res, file, ranges);
    return;
  }
  switch (p) {
    case '/404.txt':
      res.writeHead(404, 'Not Found').end('nope');
      return;
    case '/500.txt':
      res.writeHead(500, 'Internal Server Error').end('boom');
      return;
    case '/get500.txt':
      if (req.method === 'HEAD') res.writeHead(200, { 'content-length': 10, 'accept-ranges': 'bytes' }).end();
      else res.writeHead(500, 'Internal Server Error').end('boom');
      return;
    case '/presigned/big.txt':
      // Like a presigned S3 URL: signed for GET, so HEAD is refused.
      if (req.method === 'HEAD') res.writeHead(403, 'Forbidden').end();
      else await serveFile(req, res, path.join(dir, 'big.txt'), true);
      return;
    case '/nohead.txt':
      if (req.method === 'HEAD') res.writeHead(405, 'Method Not Allowed').end();
      else res.writeHead(200, { 'content-length': 8 }).end('a\nb\nc\nd\n');
      return;
    case '/drop.txt':
    case '/drop.gz': {
      // Announces 200 kB, sends part of it, then drops the connection.
      const body = p === '/drop.gz' ? zlib.gzipSync(bigText) : Buffer.from(bigText);
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 5000), () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    case '/drop-chunked.txt':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('line 1\nline 2\nline', () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    case '/short.txt': {
      // Ends the connection cleanly after fewer bytes than announced.
      const sock = res.socket;
      sock?.write('HTTP/1.1 200 OK\r\ncontent-length: 1000\r\nconnection: close\r\n\r\nonly a little\n');
      sock?.end();
      return;
    }
    case '/stall.txt':
      res.writeHead(200, { 'content-length': 1000 });
      res.write('first line\nsecond'); // ... and nothing more
      return;
    case '/stall-headers.txt':
      return; // never answers
    default:
      res.writeHead(404).end();
  }
}

test.before(async () => {
  dir = await tempDir();
  await fsp.mkdir(path.join(dir, 'dir/sub'), { recursive: true });
  await fsp.writeFile(path.join(dir, 'big.txt'), bigText);
  await fsp.writeFile(path.join(dir, 'big.txt.gz'), zlib.gzipSync(bigText));
  await fsp.writeFile(path.join(dir, 'huge.txt.gz'), zlib.gzipSync(bigText.repeat(40), { level: 1 }));
  await fsp.writeFile(path.join(dir, 'dir/a.txt'), 'a1\na2\n');
  await fsp.writeFile(path.join(dir, 'dir/b 2.txt'), 'b1\r\nb2');
  await fsp.writeFile(path.join(dir, 'dir/_SUCCESS'), '');
  await fsp.writeFile(path.join(dir, 'dir/.hidden'), 'h\n');
  await fsp.writeFile(path.join(dir, 'dir/sub/c.log'), 'c1\n');
  server = http.createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

test.after.always(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const bigLines = splitLines(bigText);

test('http: whole file, plain and gzip', async (t) => {
  t.deepEqual(await readAll(`${base}/files/big.txt`), bigLines);
  t.deepEqual(await readAll(`${base}/files/big.txt.gz`), bigLines);
  const bytes = await readWholeFile(`${base}/files/dir/a.txt`, {}, false);
  t.is(new TextDecoder().decode(bytes), 'a1\na2\n');
});

test.serial('http: ranged splits, each line exactly once, with Range requests', async (t) => {
  const url = `${base}/files/big.txt`;
  for (const minPartitions of [2, 5, 9]) {
    log.length = 0;
    const splits = await planTextSplits(url, minPartitions, { blockSize: 64 * 1024 });
    t.true(splits.length >= minPartitions);
    t.true(splits.every((s) => s.size === Buffer.byteLength(bigText)));
    const got: string[] = [];
    for (const s of splits) got.push(...(await splitLinesOf(s)));
    t.deepEqual(got, bigLines);
    const gets = log.filter((r) => r.method === 'GET');
    t.true(gets.length >= splits.length);
    t.true(gets.filter((r) => r.range !== undefined).length >= splits.length - 1, 'ranged GETs');
  }
});

test('http: a server without range support gives one split; a range read still works by skipping', async (t) => {
  const url = `${base}/norange/big.txt`;
  const splits = await planTextSplits(url, 4, { blockSize: 1024 });
  t.is(splits.length, 1);
  t.deepEqual(await splitLinesOf(splits[0]!), bigLines);
  const size = Buffer.byteLength(bigText);
  const cut = Math.floor(size / 2);
  const parts = [
    await splitLinesOf({ path: url, start: 0, end: cut, codec: null, size }),
    await splitLinesOf({ path: url, start: cut, end: null, codec: null, size }),
  ];
  t.deepEqual(parts.flat(), bigLines);
});

test('http: HEAD refused (405, or 403 as for a presigned URL) falls back to a one-byte GET', async (t) => {
  t.deepEqual(await readAll(`${base}/nohead.txt`), ['a', 'b', 'c', 'd']);
  const url = `${base}/presigned/big.txt?X-Amz-Signature=abc&X-Amz-Expires=60`;
  const splits = await planTextSplits(url, 3, { blockSize: 100_000 });
  t.true(splits.length >= 3, 'the size and range support came from the GET');
  t.is(splits[0]?.size, Buffer.byteLength(bigText));
  const got: string[] = [];
  for (const s of splits) for (const line of await splitLinesOf(s)) got.push(line);
  t.deepEqual(got, bigLines);
});

test('http: directory index listing, globs, hidden names skipped', async (t) => {
  const files = await listFiles(`${base}/files/dir/`, {});
  t.deepEqual(
    files.map((f) => f.path),
    [`${base}/files/dir/a.txt`, `${base}/files/dir/b%202.txt`, `${base}/files/dir/sub/c.log`],
  );
  t.deepEqual(
    files.map((f) => f.size),
    [6, 6, 3],
  );
  t.deepEqual(await readAll(`${base}/files/dir/*.txt`), ['a1', 'a2', 'b1', 'b2']);
  t.deepEqual(await readAll(`${base}/files/d*r/s*/*`), ['c1']);
  // In a URL `?` starts the query string, so it is not a wildcard there.
  await rejectsWith(
    t,
    listFiles(`${base}/files/d?r/a.txt`, {}),
    PathNotFoundError,
    `${base}/files/d?r/a.txt`,
  );
  await rejectsWith(
    t,
    listFiles(`${base}/files/dir/*.csv`, {}),
    PathNotFoundError,
    `${base}/files/dir/*.csv`,
  );
});

test('http: 404 → PathNotFoundError naming the URL', async (t) => {
  const url = `${base}/404.txt`;
  const e = await rejectsWith(t, planTextSplits(url, 1, {}), PathNotFoundError, url);
  t.is((e as PathNotFoundError).path, url);
  await rejectsWith(t, readWholeFile(url, {}, false), PathNotFoundError, url);
  await rejectsWith(
    t,
    splitLinesOf({ path: url, start: 0, end: null, codec: null, size: null }),
    PathNotFoundError,
    url,
  );
});

test('http: 500 → IOError naming the URL and the status', async (t) => {
  await rejectsWith(t, planTextSplits(`${base}/500.txt`, 1, {}), IOError, `${base}/500.txt`, 'HTTP 500');
  const [split] = await planTextSplits(`${base}/get500.txt`, 1, {});
  await rejectsWith(t, splitLinesOf(split!), IOError, `${base}/get500.txt`, '500 Internal Server Error');
});

test('http: connection dropped mid-body → IOError naming the URL, never a short result', async (t) => {
  for (const name of ['drop.txt', 'drop-chunked.txt', 'short.txt']) {
    const url = `${base}/${name}`;
    const split = { path: url, start: 0, end: null, codec: null, size: null };
    let lines = 0;
    const err = await t.throwsAsync(async () => {
      for await (const batch of readTextSplit(split, {})) lines += batch.length;
    });
    t.true(err instanceof IOError, `${name}: ${err?.name}: ${err?.message}`);
    t.true(err?.message.includes(url), err?.message);
    t.true(
      lines < bigLines.length,
      'what arrived before the drop is followed by the error, not by a clean end',
    );
    await rejectsWith(t, readWholeFile(url, {}, false), IOError, url);
  }
  // Through a decompressor the network error still wins over "truncated gzip".
  await rejectsWith(
    t,
    splitLinesOf({ path: `${base}/drop.gz`, start: 0, end: null, codec: 'gzip', size: null }),
    IOError,
    `${base}/drop.gz`,
  );
});

test('http: a stalled server → IOError after httpTimeoutMs, naming the URL', async (t) => {
  for (const name of ['stall.txt', 'stall-headers.txt']) {
    const url = `${base}/${name}`;
    const t0 = Date.now();
    await rejectsWith(
      t,
      splitLinesOf({ path: url, start: 0, end: null, codec: null, size: null }, { httpTimeoutMs: 300 }),
      IOError,
      url,
      'httpTimeoutMs',
    );
    const took = Date.now() - t0;
    t.true(took >= 250 && took < 5000, `took ${took} ms`);
  }
});

test.serial('http: stopping after one batch closes the connection', async (t) => {
  const before = abortedResponses;
  const it = readTextSplit(
    { path: `${base}/files/huge.txt.gz`, start: 0, end: null, codec: 'gzip', size: null },
    {},
  );
  const first = await it.next();
  t.false(first.done);
  await it.return();
  for (let i = 0; i < 50 && abortedResponses === before; i++) await new Promise((r) => setTimeout(r, 10));
  t.is(abortedResponses, before + 1, 'the server saw the client go away');
});
