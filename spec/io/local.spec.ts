import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { ArgumentError, PathNotFoundError, UnsupportedSchemeError } from '../../lib/errors.js';
import { localFs } from '../../lib/io/fs/local.js';
import type { ReadHints } from '../../lib/io/fs/types.js';
import { codecOfPaths, listFiles, planTextSplits, readTextSplit, readWholeFile } from '../../lib/io/index.js';
import { splitLines } from '../../lib/io/lines.js';
import { ioCounters } from '../../lib/io/util.js';
import { BATCH_SIZE } from '../../lib/ops/types.js';
import { randomLines, readAll, rejectsWith, splitLinesOf, tempDir } from './helpers.js';

let dir = '';

test.before(async () => {
  dir = await tempDir();
  const w = (rel: string, content: string | Uint8Array) =>
    fsp
      .mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
      .then(() => fsp.writeFile(path.join(dir, rel), content));
  await w('crlf.txt', 'one\r\ntwo\r\n\r\nthree');
  await w('cr.txt', 'one\rtwo\r\rthree\r');
  await w('mixed.txt', 'a\nb\r\nc\rd\n\re');
  await w('empty.txt', '');
  await w('noeol.txt', 'first\nlast line');
  await w('bad-utf8.txt', new Uint8Array([0x6f, 0x6b, 0x0a, 0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a, 0xe2, 0x82]));
  await w('tree/a.txt', 'a1\na2\n');
  await w('tree/b.txt', 'b1\n');
  await w('tree/_SUCCESS', '');
  await w('tree/.hidden', 'hidden\n');
  await w('tree/_temporary/0/part-00000', 'temp\n');
  await w('tree/sub/c.txt', 'c1\n');
  await w('tree/sub/.d.txt', 'dot\n');
  await w('logs/2020-01/x.log', 'x1\n');
  await w('logs/2020-02/y.log', 'y1\n');
  await w('logs/2021-01/z.log', 'z1\n');
  await w('logs/2020-02/_y.log', 'hidden y\n');
  await w('emptydir/.keep', '');
  await w('big.txt', `${randomLines(3000, 7).join('\n')}\n`);
});

test('textFile: CRLF, lone CR and mixed terminators', async (t) => {
  t.deepEqual(await readAll(path.join(dir, 'crlf.txt')), ['one', 'two', '', 'three']);
  t.deepEqual(await readAll(path.join(dir, 'cr.txt')), ['one', 'two', '', 'three']);
  t.deepEqual(await readAll(path.join(dir, 'mixed.txt')), ['a', 'b', 'c', 'd', '', 'e']);
});

test('textFile: empty file has no lines but one split; no trailing newline keeps the last line', async (t) => {
  const splits = await planTextSplits(path.join(dir, 'empty.txt'), 4, {});
  t.is(splits.length, 1);
  t.deepEqual(await readAll(path.join(dir, 'empty.txt'), 4), []);
  t.deepEqual(await readAll(path.join(dir, 'noeol.txt')), ['first', 'last line']);
});

test('textFile: invalid UTF-8 becomes U+FFFD', async (t) => {
  t.deepEqual(await readAll(path.join(dir, 'bad-utf8.txt')), ['ok', 'bad\uFFFD\uFFFD', '\uFFFD']);
});

test('textFile: file:// URLs and file: paths', async (t) => {
  const url = pathToFileURL(path.join(dir, 'tree')).href;
  t.deepEqual(await readAll(url), ['a1', 'a2', 'b1', 'c1']);
  const files = await listFiles(url, {});
  t.true(files.every((f) => f.path.startsWith(`${url}/`)));
  t.deepEqual(await readAll(`file:${path.join(dir, 'noeol.txt')}`), ['first', 'last line']);
});

test('directories: recursive, sorted, skipping _ and . names at any depth', async (t) => {
  const files = await listFiles(path.join(dir, 'tree'), {});
  t.deepEqual(
    files.map((f) => path.relative(dir, f.path)),
    ['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt'],
  );
  t.deepEqual(
    files.map((f) => f.size),
    [6, 3, 3],
  );
  t.deepEqual(await readAll(`${path.join(dir, 'tree')}/`), ['a1', 'a2', 'b1', 'c1']);
  // A file named explicitly is read even if its name starts with _ or .
  t.deepEqual(await readAll(path.join(dir, 'tree/.hidden')), ['hidden']);
  // An existing directory with only hidden files: no files, no error.
  t.deepEqual(await listFiles(path.join(dir, 'emptydir'), {}), []);
});

test('globs: * and ? in any segment, {a,b}, hidden names skipped unless the pattern names them', async (t) => {
  const rel = async (expr: string) => (await listFiles(expr, {})).map((f) => path.relative(dir, f.path));
  t.deepEqual(await rel(path.join(dir, 'logs/2020-*/*.log')), ['logs/2020-01/x.log', 'logs/2020-02/y.log']);
  t.deepEqual(await rel(path.join(dir, 'logs/202?-01/*')), ['logs/2020-01/x.log', 'logs/2021-01/z.log']);
  t.deepEqual(await rel(path.join(dir, 'logs/*')), [
    'logs/2020-01/x.log',
    'logs/2020-02/y.log',
    'logs/2021-01/z.log',
  ]);
  t.deepEqual(await rel(path.join(dir, 'logs/{2020-02,2021-01}/?.log')), [
    'logs/2020-02/y.log',
    'logs/2021-01/z.log',
  ]);
  t.deepEqual(await rel(path.join(dir, 'logs/2020-02/_*')), ['logs/2020-02/_y.log']);
  t.deepEqual(await rel(path.join(dir, 'tree/*')), ['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt']);
  t.deepEqual(await readAll(path.join(dir, 'tree/*.txt')), ['a1', 'a2', 'b1']);
});

test.serial('globs: relative paths stay relative', async (t) => {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    t.deepEqual(
      (await listFiles('logs/2020-0?/*.log', {})).map((f) => f.path),
      ['logs/2020-01/x.log', 'logs/2020-02/y.log'],
    );
    t.deepEqual(
      (await listFiles('tree', {})).map((f) => f.path),
      ['tree/a.txt', 'tree/b.txt', 'tree/sub/c.txt'],
    );
    t.deepEqual((await listFiles('*.txt', {})).map((f) => f.path).slice(0, 2), ['bad-utf8.txt', 'big.txt']);
  } finally {
    process.chdir(cwd);
  }
});

test('comma lists: expressions in the order given, each sorted; braces keep their commas', async (t) => {
  const lines = await readAll(
    `${path.join(dir, 'tree/b.txt')}, ${path.join(dir, 'logs/*/*.log')},${path.join(dir, 'tree/a.txt')}`,
  );
  t.deepEqual(lines, ['b1', 'x1', 'y1', 'z1', 'a1', 'a2']);
  await rejectsWith(t, listFiles(`${path.join(dir, 'tree/a.txt')},,x`, {}), ArgumentError, 'empty path');
});

test('errors: missing path names it; glob matching nothing names the pattern; unknown scheme', async (t) => {
  const missing = path.join(dir, 'nope.txt');
  const e1 = await rejectsWith(
    t,
    planTextSplits(`${path.join(dir, 'tree/a.txt')},${missing}`, 2, {}),
    PathNotFoundError,
    missing,
  );
  t.is((e1 as PathNotFoundError).path, missing);
  const pattern = path.join(dir, 'logs/1999-*/*.log');
  const e2 = await rejectsWith(t, listFiles(pattern, {}), PathNotFoundError, pattern, 'no files match');
  t.is((e2 as PathNotFoundError).path, pattern);
  await rejectsWith(t, listFiles(path.join(dir, 'nodir/*.txt'), {}), PathNotFoundError, 'nodir/*.txt');
  await rejectsWith(
    t,
    planTextSplits('ftp://host/file.txt', 1, {}),
    UnsupportedSchemeError,
    'ftp://host/file.txt',
  );
  await rejectsWith(t, readWholeFile('gopher://x/y', {}, false), UnsupportedSchemeError, 'gopher');
  await rejectsWith(t, planTextSplits(path.join(dir, 'tree'), 0, {}), ArgumentError, 'minPartitions', '0');
  await rejectsWith(
    t,
    planTextSplits(path.join(dir, 'tree'), 1, { blockSize: -1 }),
    ArgumentError,
    'blockSize',
  );
});

test('splits: minPartitions 1..9 with a small blockSize: every line exactly once, in order', async (t) => {
  const file = path.join(dir, 'big.txt');
  const want = splitLines(await fsp.readFile(file, 'utf8'));
  const size = (await fsp.stat(file)).size;
  for (let minPartitions = 1; minPartitions <= 9; minPartitions++) {
    for (const blockSize of [1000, 4096, 1 << 20]) {
      const splits = await planTextSplits(file, minPartitions, { blockSize });
      t.true(splits.length >= minPartitions, `${splits.length} splits for ${minPartitions}/${blockSize}`);
      if (blockSize === 1000)
        t.true(splits.length >= Math.floor(size / 1100), 'blockSize caps the split size');
      t.is(splits[0]?.start, 0);
      for (let i = 1; i < splits.length; i++) t.is(splits[i]?.start, splits[i - 1]?.end ?? undefined);
      t.is(splits.at(-1)?.end, null);
      const got: string[] = [];
      for (const s of splits) got.push(...(await splitLinesOf(s)));
      t.deepEqual(got, want, `minPartitions=${minPartitions} blockSize=${blockSize}`);
    }
  }
});

test('splits: boundaries at every byte position of a tricky file (CRLF, CR, empty lines, multi-byte)', async (t) => {
  const content = 'a\r\n\r\nbb\r\rccc\n\né日本\r\n\n𝄞x\ry';
  const file = path.join(dir, 'tricky.txt');
  await fsp.writeFile(file, content);
  const size = Buffer.byteLength(content);
  const want = splitLines(content);
  for (let a = 1; a < size; a++) {
    for (let b = a; b < size; b++) {
      const ranges = [
        [0, a],
        [a, b],
        [b, null],
      ] as const;
      const got: string[] = [];
      for (const [start, end] of ranges) {
        got.push(...(await splitLinesOf({ path: file, start, end, codec: null, size })));
      }
      t.deepEqual(got, want, `boundaries ${a}, ${b}`);
    }
  }
});

test('readTextSplit: batches of at most BATCH_SIZE lines', async (t) => {
  const file = path.join(dir, 'many.txt');
  const n = BATCH_SIZE * 2 + 17;
  await fsp.writeFile(file, `${Array.from({ length: n }, (_, i) => `line ${i}`).join('\n')}\n`);
  const [split] = await planTextSplits(file, 1, {});
  const sizes: number[] = [];
  let count = 0;
  for await (const batch of readTextSplit(split!, {})) {
    sizes.push(batch.length);
    t.is(batch[0], `line ${count}`);
    count += batch.length;
  }
  t.is(count, n);
  t.true(sizes.every((s) => s > 0 && s <= BATCH_SIZE));
});

test('readTextSplit: a split that is one long line in the middle of a line has no lines', async (t) => {
  const file = path.join(dir, 'longline.txt');
  await fsp.writeFile(file, `head\n${'x'.repeat(300_000)}\ntail\n`);
  const splits = await planTextSplits(file, 1, { blockSize: 50_000 });
  t.true(splits.length > 3);
  const per = await Promise.all(splits.map((s) => splitLinesOf(s)));
  t.deepEqual(per[0], ['head', 'x'.repeat(300_000)]);
  t.deepEqual(per.flat(), ['head', 'x'.repeat(300_000), 'tail']);
  t.true(per.slice(1, -2).every((lines) => lines.length === 0));
});

test('readWholeFile and listFiles: raw bytes, sizes and codecs', async (t) => {
  const bytes = await readWholeFile(path.join(dir, 'bad-utf8.txt'), {}, false);
  t.deepEqual([...bytes], [0x6f, 0x6b, 0x0a, 0x62, 0x61, 0x64, 0xff, 0xfe, 0x0a, 0xe2, 0x82]);
  t.is((await readWholeFile(path.join(dir, 'empty.txt'), {}, true)).length, 0);
  await rejectsWith(
    t,
    readWholeFile(path.join(dir, 'missing.bin'), {}, false),
    PathNotFoundError,
    'missing.bin',
  );
});

test('codecOfPaths: pure suffix rule', (t) => {
  t.is(codecOfPaths('logs/*.gz'), 'gzip');
  t.is(codecOfPaths('a.bz2,b.bz2'), 'bzip2');
  t.is(codecOfPaths('x.zip'), 'zip');
  t.is(codecOfPaths('data/'), null);
  t.is(codecOfPaths('a.gz,b.txt'), 'mixed');
  t.is(codecOfPaths('a.gz,b.bz2'), 'mixed');
  t.is(codecOfPaths('https://host/x.gz?sig=1'), 'gzip');
  t.is(codecOfPaths('s3a://b/{x,y}.gz'), 'gzip');
});

/** Deterministic bytes (a 32-bit LCG), for files bigger than the local reader's largest block. */
function pseudoRandomBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/**
 * About `mb` MB of text whose lines end in `\n`, `\r\n` or a lone `\r` at random
 * and hold multi-byte characters, so read blocks and 64 KiB decoding pieces
 * start and end inside characters and terminators somewhere.
 */
function trickyText(mb: number, seed: number): string {
  const parts: string[] = [];
  const ends = ['\n', '\r\n', '\r', '\n'];
  let size = 0;
  let k = seed;
  while (size < mb * 1e6) {
    for (const line of randomLines(1000, k++)) {
      parts.push(line, ends[(line.length + k) % ends.length] as string);
      size += line.length * 2 + 1;
    }
  }
  return parts.join('');
}

test.serial(
  'local reads: growing blocks and read ahead give every byte of a range, with and without scratch',
  async (t) => {
    const file = path.join(dir, 'blocks.bin');
    const bytes = pseudoRandomBytes(3 * 1024 * 1024 + 123, 11);
    await fsp.writeFile(file, bytes);
    const size = bytes.length;
    const ranges: [number, number | null][] = [
      [0, null],
      [0, size],
      [1, null],
      [65_535, 65_537],
      [100_000, 2_900_000],
      [262_143, 262_144 + 1_048_577],
      [size - 5, null],
      [size, null],
    ];
    const before = { ...ioCounters };
    for (const [start, end] of ranges) {
      const want = bytes.subarray(start, end ?? size);
      for (const hints of [undefined, { scratch: true }] as (ReadHints | undefined)[]) {
        const kept: Uint8Array[] = [];
        for await (const chunk of localFs.read(file, start, end, {}, undefined, hints)) {
          t.true(chunk.length > 0 && chunk.length <= 512 * 1024);
          // A scratch chunk is only good until the next is asked for: copy it. Others are kept as they are.
          const copy = hints?.scratch ? Uint8Array.from(chunk) : chunk;
          if (hints?.scratch && end === null && start === 0) {
            // The read ahead lands in the other buffer: the chunk in hand stays as it was.
            await new Promise((resolve) => setTimeout(resolve, 5));
            t.true(Buffer.from(chunk).equals(copy), 'the chunk in hand was not overwritten');
          }
          kept.push(copy);
        }
        t.true(Buffer.concat(kept).equals(want), `[${start}, ${end}) scratch=${hints?.scratch === true}`);
      }
    }
    t.is(ioCounters.opened - before.opened, ranges.length * 2);
    t.is(ioCounters.closed - before.closed, ranges.length * 2);
  },
);

test('textFile over many read blocks: multi-byte characters and every terminator across block and piece boundaries', async (t) => {
  const file = path.join(dir, 'tricky-big.txt');
  const text = trickyText(2.5, 5);
  await fsp.writeFile(file, text);
  const want = splitLines(text);
  t.deepEqual(await readAll(file), want);
  for (const [minPartitions, blockSize] of [
    [2, undefined],
    [3, 777_777],
    [5, 300_001],
  ] as const) {
    const opts = blockSize === undefined ? {} : { blockSize };
    t.true((await planTextSplits(file, minPartitions, opts)).length >= minPartitions);
    t.deepEqual(
      await readAll(file, minPartitions, opts),
      want,
      `${minPartitions} partitions, blockSize ${blockSize}`,
    );
  }
});

test.serial('local reads: stopping or aborting with a read ahead in flight closes the file', async (t) => {
  const file = path.join(dir, 'tricky-stop.txt');
  await fsp.writeFile(file, trickyText(3, 9));
  const [split] = await planTextSplits(file, 1, {});
  const before = { ...ioCounters };
  let lines = 0;
  for await (const batch of readTextSplit(split!, {})) {
    lines += batch.length;
    // Past the first, small reads the next block is read ahead: stop then.
    if (ioCounters.bytesRead - before.bytesRead > 400_000) break;
  }
  t.true(lines > 0);
  t.is(ioCounters.opened - before.opened, 1);
  t.is(ioCounters.closed - before.closed, 1, 'closed after the read in flight ended');
  t.true(ioCounters.bytesRead - before.bytesRead < 2_000_000, 'read little beyond what was consumed');

  const controller = new AbortController();
  const aborted = (async () => {
    for await (const _ of readTextSplit(split!, {}, controller.signal)) {
      if (ioCounters.bytesRead - before.bytesRead > 1_000_000) controller.abort(new Error('enough'));
    }
  })();
  await t.throwsAsync(aborted, { message: 'enough' });
  t.is(ioCounters.opened, ioCounters.closed);
});
