import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import test from 'ava';
import { zipSync } from 'fflate';
import { CodecError } from '../../lib/errors.js';
import { bzip2Codec } from '../../lib/io/codec/bzip2.js';
import { gzipCodec } from '../../lib/io/codec/gzip.js';
import type { Codec } from '../../lib/io/codec/types.js';
import { zipCodec } from '../../lib/io/codec/zip.js';
import { listFiles, planTextSplits, readTextSplit, readWholeFile } from '../../lib/io/index.js';
import { splitLines } from '../../lib/io/lines.js';
import { ioCounters } from '../../lib/io/util.js';
import { randomLines, readAll, rejectsWith, tempDir } from './helpers.js';

let dir = '';
const f = (name: string) => path.join(dir, name);
const linesA = randomLines(5000, 1);
const linesB = randomLines(3000, 2);
const textA = `${linesA.join('\n')}\n`;
const textB = `${linesB.join('\r\n')}`;

/** Paths of files this process has open (Linux). */
async function openFiles(): Promise<string[]> {
  const fds = await fsp.readdir('/proc/self/fd');
  const targets = await Promise.all(fds.map((fd) => fsp.readlink(`/proc/self/fd/${fd}`).catch(() => '')));
  return targets;
}

test.before(async () => {
  dir = await tempDir();
  await fsp.writeFile(f('a.txt'), textA);
  await fsp.writeFile(f('b.txt'), textB);
  // Real tools: gzip and bzip2 (keep the originals).
  execFileSync('gzip', ['-k', f('a.txt')]);
  execFileSync('gzip', ['-k', f('b.txt')]);
  execFileSync('bzip2', ['-k', f('a.txt')]);
  execFileSync('bzip2', ['-k', f('b.txt')]);
  const [agz, bgz, abz, bbz] = await Promise.all(
    ['a.txt.gz', 'b.txt.gz', 'a.txt.bz2', 'b.txt.bz2'].map((n) => fsp.readFile(f(n))),
  );
  await fsp.writeFile(f('multi.gz'), Buffer.concat([agz!, bgz!])); // cat a.gz b.gz
  await fsp.writeFile(f('multi.bz2'), Buffer.concat([abz!, bbz!]));
  await fsp.writeFile(f('truncated.gz'), agz!.subarray(0, Math.floor(agz!.length / 2)));
  await fsp.writeFile(f('truncated-tail.gz'), agz!.subarray(0, agz!.length - 3));
  const corrupt = Buffer.from(agz!);
  for (let i = 2000; i < 2100; i++) corrupt[i] = (corrupt[i] ?? 0) ^ 0x5a;
  await fsp.writeFile(f('corrupt.gz'), corrupt);
  await fsp.writeFile(f('notgzip.gz'), 'this is plain text\n');
  await fsp.writeFile(f('empty.gz'), '');
  await fsp.writeFile(f('emptymember.gz'), zlib.gzipSync(''));
  const corruptBz = Buffer.from(abz!);
  for (let i = 1000; i < 1100; i++) corruptBz[i] = (corruptBz[i] ?? 0) ^ 0x5a;
  await fsp.writeFile(f('corrupt.bz2'), corruptBz);
  await fsp.writeFile(f('truncated.bz2'), abz!.subarray(0, Math.floor(abz!.length / 2)));
  await fsp.writeFile(f('notbzip2.bz2'), 'plain text\n');
  const enc = new TextEncoder();
  await fsp.writeFile(
    f('two.zip'),
    zipSync({
      'first.txt': enc.encode('a1\na2'), // no trailing newline: must not merge with the next entry
      'folder/': new Uint8Array(0),
      'folder/second.txt': [enc.encode('b1\r\nb2\n'), { level: 0 }],
      'third.txt': enc.encode(textA),
    }),
  );
  const zip = await fsp.readFile(f('two.zip'));
  await fsp.writeFile(f('truncated.zip'), zip.subarray(0, Math.floor(zip.length * 0.6)));
  await fsp.writeFile(f('notzip.zip'), 'not a zip at all\n');
  await fsp.writeFile(f('empty-archive.zip'), zipSync({}));
  // A large gzip for early-close checks (~24 MB of text, compresses to a few MB).
  const big = `${randomLines(20000, 3).join('\n')}\n`.repeat(40);
  await fsp.writeFile(f('large.gz'), zlib.gzipSync(big, { level: 1 }));
  await fsp.writeFile(
    f('large.bz2'),
    execFileSync('bzip2', ['-c', '-1'], { input: big.slice(0, 4_000_000) }),
  );
});

const wantB = splitLines(textB);

test('gzip: made by gzip(1), decoded streaming', async (t) => {
  t.deepEqual(await readAll(f('a.txt.gz')), linesA);
  t.deepEqual(await readAll(f('b.txt.gz')), wantB);
});

test('gzip: multi-member file (cat a.gz b.gz) gives both members', async (t) => {
  t.deepEqual(await readAll(f('multi.gz')), [...linesA, ...wantB]);
  const splits = await planTextSplits(f('multi.gz'), 8, { blockSize: 1000 });
  t.is(splits.length, 1, 'a compressed file is one split whatever minPartitions');
  t.is(splits[0]?.codec, 'gzip');
  t.is(splits[0]?.end, null);
});

test('gzip: truncated or corrupt input rejects with CodecError naming the file', async (t) => {
  for (const name of ['truncated.gz', 'truncated-tail.gz', 'corrupt.gz', 'notgzip.gz']) {
    const e = await rejectsWith(t, readAll(f(name)), CodecError, f(name));
    t.is((e as CodecError).path, f(name));
  }
  await rejectsWith(t, readWholeFile(f('truncated.gz'), {}, true), CodecError, 'truncated.gz');
  // binaryFiles does not decompress: the bytes come back as they are.
  t.deepEqual(
    await readWholeFile(f('truncated.gz'), {}, false),
    new Uint8Array(await fsp.readFile(f('truncated.gz'))),
  );
});

test('gzip: a zero-byte .gz and an empty member have no lines', async (t) => {
  t.deepEqual(await readAll(f('empty.gz')), []);
  t.deepEqual(await readAll(f('emptymember.gz')), []);
});

test('bzip2 (bzip2 program): single, multi-stream, corrupt and truncated', async (t) => {
  t.deepEqual(await readAll(f('a.txt.bz2')), linesA);
  t.deepEqual(await readAll(f('multi.bz2')), [...linesA, ...wantB]);
  for (const name of ['corrupt.bz2', 'truncated.bz2', 'notbzip2.bz2']) {
    const e = await rejectsWith(t, readAll(f(name)), CodecError, f(name));
    t.is((e as CodecError).path, f(name));
  }
  t.is(new TextDecoder().decode(await readWholeFile(f('b.txt.bz2'), {}, true)), textB);
});

test.serial('bzip2 (pure-JS fallback, SPARKLING_BZIP2=js): same results and errors', async (t) => {
  process.env.SPARKLING_BZIP2 = 'js';
  try {
    t.deepEqual(await readAll(f('multi.bz2')), [...linesA, ...wantB]);
    for (const name of ['corrupt.bz2', 'truncated.bz2', 'notbzip2.bz2']) {
      await rejectsWith(t, readAll(f(name)), CodecError, f(name));
    }
  } finally {
    delete process.env.SPARKLING_BZIP2;
  }
});

test('zip: entries in order, each ending its last line, directories skipped', async (t) => {
  t.deepEqual(await readAll(f('two.zip')), ['a1', 'a2', 'b1', 'b2', ...linesA]);
  t.deepEqual(await readAll(f('empty-archive.zip')), []);
  for (const name of ['truncated.zip', 'notzip.zip']) {
    const e = await rejectsWith(t, readAll(f(name)), CodecError, f(name));
    t.is((e as CodecError).path, f(name));
  }
});

test('listFiles reports codecs by suffix', async (t) => {
  const files = await listFiles(`${f('a.txt.gz')},${f('a.txt.bz2')},${f('two.zip')},${f('a.txt')}`, {});
  t.deepEqual(
    files.map((x) => x.codec),
    ['gzip', 'bzip2', 'zip', null],
  );
});

test.serial('early stop: one batch of a large .gz reads little and closes the file', async (t) => {
  const before = { ...ioCounters };
  const [split] = await planTextSplits(f('large.gz'), 1, {});
  let batches = 0;
  for await (const batch of readTextSplit(split!, {})) {
    t.true(batch.length > 0);
    batches++;
    if (ioCounters.opened === before.opened + 1) t.true((await openFiles()).includes(f('large.gz')));
    break;
  }
  t.is(batches, 1);
  t.is(ioCounters.opened - before.opened, 1);
  t.is(ioCounters.closed - before.closed, 1, 'finally closed the file');
  const read = ioCounters.bytesRead - before.bytesRead;
  const size = (await fsp.stat(f('large.gz'))).size;
  t.true(read < 1024 * 1024, `read ${read} of ${size} bytes`);
  t.false((await openFiles()).includes(f('large.gz')), 'no descriptor left open');
});

test.serial('early stop: one batch of a large .bz2 kills bzip2 and closes the file', async (t) => {
  const before = { ...ioCounters };
  const [split] = await planTextSplits(f('large.bz2'), 1, {});
  const it = readTextSplit(split!, {})[Symbol.asyncIterator]();
  const first = await it.next();
  t.false(first.done);
  await it.return?.();
  t.is(ioCounters.closed - before.closed, ioCounters.opened - before.opened);
  t.false((await openFiles()).includes(f('large.bz2')));
  t.true(ioCounters.bytesRead - before.bytesRead < 2 * 1024 * 1024);
});

test.serial('abort signal: aborting mid-read rejects with the reason and closes the file', async (t) => {
  const before = { ...ioCounters };
  const [split] = await planTextSplits(f('large.gz'), 1, {});
  const ac = new AbortController();
  const reason = new Error('stop now');
  let batches = 0;
  const err = await t.throwsAsync(async () => {
    for await (const _ of readTextSplit(split!, {}, ac.signal)) {
      batches++;
      if (batches === 2) ac.abort(reason);
    }
  });
  t.is(err, reason);
  t.is(batches, 2);
  t.is(ioCounters.closed - before.closed, ioCounters.opened - before.opened);
  t.false((await openFiles()).includes(f('large.gz')));
});

test.serial(
  'codecs: an error of the input itself (network, abort) comes out unchanged, not as CodecError',
  async (t) => {
    const boom = new Error('source failed');
    const files: [Codec, string][] = [
      [gzipCodec, 'large.gz'],
      [bzip2Codec, 'large.bz2'],
      [zipCodec, 'two.zip'],
    ];
    for (const mode of ['program', 'js']) {
      if (mode === 'js') process.env.SPARKLING_BZIP2 = 'js';
      try {
        for (const [codec, name] of files) {
          const bytes = await fsp.readFile(f(name));
          async function* failing(): AsyncGenerator<Uint8Array> {
            yield bytes.subarray(0, 300);
            await new Promise((r) => setTimeout(r, 5));
            throw boom;
          }
          const err = await t.throwsAsync(async () => {
            for await (const _ of codec.decode(failing(), f(name))) {
            }
          });
          t.is(err, boom, `${codec.name} (${mode})`);
        }
      } finally {
        delete process.env.SPARKLING_BZIP2;
      }
    }
  },
);
