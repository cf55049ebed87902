/**
 * Bad input files through the RDD API (issue 5, item 4): corrupt or
 * truncated compressed files reject the action with a CodecError naming the
 * file (never a short result), odd but valid text reads exactly (empty files,
 * no trailing newline, CRLF, invalid UTF-8 as U+FFFD, a 50 MB line), and
 * paths that name nothing reject with a PathNotFoundError naming the path.
 * Every file opened is closed again (checked after each test; they run serially).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { CodecError, Context, PathNotFoundError } from '../../lib/index.js';
import { ioCounters } from '../../lib/io/util.js';
import { range } from '../helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sparkling-bad-input-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));
const at = (name: string): string => join(dir, name);
const write = (name: string, content: string | Uint8Array): string => {
  mkdirSync(join(at(name), '..'), { recursive: true });
  writeFileSync(at(name), content);
  return at(name);
};

const lines = range(40_000).map((i) => `line ${i} ${'abc'.repeat(i % 7)}`);
const text = `${lines.join('\n')}\n`;
const gz = gzipSync(text);
const bz2 = execFileSync('bzip2', ['-c'], { input: text, maxBuffer: 1 << 26 });
const xz = execFileSync('xz', ['-c'], { input: text, maxBuffer: 1 << 26 });
const lzma = execFileSync('xz', ['-c', '--format=lzma'], { input: text, maxBuffer: 1 << 26 });
const zst = execFileSync('zstd', ['-c', '-q', '--check'], { input: text, maxBuffer: 1 << 26 });
/** A tar of one member (`lines.txt`, the text), made by tar(1). */
const tarOf = (flag: string): Uint8Array => {
  const src = mkdtempSync(join(tmpdir(), 'sparkling-bad-tar-'));
  try {
    writeFileSync(join(src, 'lines.txt'), text);
    return execFileSync('tar', ['-c', ...(flag ? [flag] : []), '-f', '-', '-C', src, 'lines.txt'], {
      maxBuffer: 1 << 26,
    });
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
};
const tar = tarOf('');
const tgz = tarOf('-z');

/** A copy of `bytes` with `[from, to)` overwritten. */
function damaged(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const copy = new Uint8Array(bytes);
  copy.fill(0x55, from, to);
  return copy;
}

/** Small blocks so that even small plain files are split into many partitions. */
const sc = new Context({ defaultParallelism: 2, blockSize: 4096 });

test.afterEach(() => {
  if (ioCounters.opened !== ioCounters.closed)
    throw new Error(`files left open: ${ioCounters.opened} opened, ${ioCounters.closed} closed`);
});

const codecCases: [string, string, Uint8Array][] = [
  ['a truncated .gz', 'truncated.txt.gz', gz.subarray(0, gz.length >> 1)],
  ['a .gz cut inside its trailer', 'no-trailer.txt.gz', gz.subarray(0, gz.length - 4)],
  [
    'a corrupt .gz (damaged deflate data)',
    'corrupt.txt.gz',
    damaged(gz, gz.length >> 2, (gz.length >> 2) + 64),
  ],
  ['a .gz that is not gzip at all', 'not-gzip.txt.gz', new TextEncoder().encode(text.slice(0, 5000))],
  ['a .gz whose CRC does not match its data', 'bad-crc.txt.gz', damaged(gz, gz.length - 8, gz.length - 4)],
  ['a corrupt .bz2', 'corrupt.txt.bz2', damaged(bz2, bz2.length >> 1, (bz2.length >> 1) + 64)],
  ['a truncated .bz2', 'truncated.txt.bz2', bz2.subarray(0, bz2.length >> 1)],
  ['a .bz2 without its end-of-stream marker', 'no-eos.txt.bz2', bz2.subarray(0, bz2.length - 6)],
  ['a truncated .xz', 'truncated.txt.xz', xz.subarray(0, xz.length >> 1)],
  ['a corrupt .xz', 'corrupt.txt.xz', damaged(xz, xz.length >> 1, (xz.length >> 1) + 64)],
  ['an .xz without its stream footer', 'no-footer.txt.xz', xz.subarray(0, xz.length - 12)],
  ['a .XZ (upper case) that is not xz', 'NOT-XZ.TXT.XZ', new TextEncoder().encode(text.slice(0, 5000))],
  ['a truncated .lzma', 'truncated.txt.lzma', lzma.subarray(0, lzma.length >> 1)],
  ['a truncated .zst', 'truncated.txt.zst', zst.subarray(0, zst.length >> 1)],
  ['a corrupt .zst', 'corrupt.txt.zst', damaged(zst, zst.length >> 1, (zst.length >> 1) + 64)],
  ['a .zst that is not zstd', 'not-zstd.txt.zst', new TextEncoder().encode(text.slice(0, 5000))],
  ['a truncated .tar', 'truncated.tar', tar.subarray(0, tar.length >> 1)],
  ['a .tar with a damaged member header', 'bad-header.tar', damaged(tar, 100, 108)],
  ['a .tar that is not a tar', 'not-a.tar', new TextEncoder().encode(text.slice(0, 5000))],
  ['a truncated .tar.gz', 'truncated.tar.gz', tgz.subarray(0, tgz.length >> 1)],
  ['a truncated .TGZ (upper case)', 'TRUNCATED.TGZ', tgz.subarray(0, tgz.length >> 1)],
  [
    'a .zip that is not a zip',
    'not-a.zip',
    new TextEncoder().encode('this is plain text, not a zip archive\n'),
  ],
];

for (const [what, name, bytes] of codecCases) {
  test.serial(
    `${what}: every action rejects with a CodecError naming the file, never a short result`,
    async (t) => {
      const path = write(name, bytes);
      const good = write(`good-for-${name}.txt`, 'a\nb\n');
      for (const run of [
        () => sc.textFile(path).collect(),
        () => sc.textFile(path).count(),
        () =>
          sc
            .textFile(`${good},${path}`)
            .map((l) => l.length)
            .sum(),
        () =>
          sc
            .textFile(path)
            .map((l): [number, number] => [l.length, 1])
            .reduceByKey((a, b) => a + b)
            .collect(),
      ]) {
        const e = await t.throwsAsync(run, { instanceOf: CodecError });
        t.is(e?.path, path);
        t.true(e?.message.startsWith(`${path}: `), e?.message);
      }
    },
  );
}

test.serial(
  'intact compressed files read exactly (the damaged ones above are the only failures)',
  async (t) => {
    t.deepEqual(await sc.textFile(write('ok.txt.gz', gz)).collect(), lines);
    t.deepEqual(await sc.textFile(write('ok.txt.bz2', bz2)).collect(), lines);
    t.deepEqual(await sc.textFile(write('ok.txt.xz', xz)).collect(), lines);
    t.deepEqual(await sc.textFile(write('ok.txt.lzma', lzma)).collect(), lines);
    t.deepEqual(await sc.textFile(write('ok.txt.zst', zst)).collect(), lines);
    t.deepEqual(await sc.textFile(write('ok.tar', tar)).collect(), lines);
    t.deepEqual(await sc.textFile(write('OK.TAR.GZ', tgz)).collect(), lines);
  },
);

test.serial('an empty file has no lines, alone or among others, plain or gzip', async (t) => {
  const empty = write('empty/empty.txt', '');
  write('empty/empty.txt.gz', gzipSync(''));
  write('empty/z-last.txt', 'x\ny\n');
  t.deepEqual(await sc.textFile(empty).collect(), []);
  t.is(await sc.textFile(empty).count(), 0);
  t.is(await sc.textFile(empty).getNumPartitions(), 1);
  t.true(await sc.textFile(empty).isEmpty());
  t.deepEqual(await sc.textFile(at('empty')).collect(), ['x', 'y']);
});

test.serial('no trailing newline: the last line is kept, in every split and codec', async (t) => {
  const body = lines.join('\n');
  const plain = write('noeol/plain.txt', body);
  const packed = write('noeol/packed.txt.gz', gzipSync(body));
  for (const n of [1, 3, 17]) t.deepEqual(await sc.textFile(plain, n).collect(), lines, `${n} partitions`);
  t.deepEqual(await sc.textFile(packed).collect(), lines);
  t.deepEqual(await sc.textFile(write('noeol/one.txt', 'only')).collect(), ['only']);
});

test.serial(
  'CRLF: no line keeps a \\r, also where \\r\\n straddles a read chunk or a split boundary',
  async (t) => {
    const crlf = lines.join('\r\n');
    const path = write('crlf/crlf.txt', `${crlf}\r\n`);
    for (const n of [1, 2, 13, 64]) {
      const got = await sc.textFile(path, n).collect();
      t.deepEqual(got, lines, `${n} partitions`);
    }
    // \r as the last byte of the first 64 KiB read chunk and of a 4096-byte split, \n as the first of the next.
    for (const boundary of [4096, 65_536]) {
      const head = 'h'.repeat(boundary - 1);
      const p = write(`crlf/straddle-${boundary}.txt`, `${head}\r\nnext\r\n\r\nlast`);
      t.deepEqual(await sc.textFile(p, 8).collect(), [head, 'next', '', 'last']);
    }
    t.deepEqual(await sc.textFile(write('crlf/gz.txt.gz', gzipSync(crlf))).collect(), lines);
  },
);

test.serial(
  'invalid UTF-8 becomes U+FFFD and no line is ever dropped, also across chunk and split boundaries',
  async (t) => {
    const bytes = (...parts: (string | number[])[]): Uint8Array =>
      Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));
    const small = write(
      'utf8/small.txt',
      bytes('ok\n', [0x61, 0xff, 0x62], '\n', [0xc3], '\n', [0xe6, 0x97], '\n', [0x80, 0x80], '\nend'),
    );
    t.deepEqual(await sc.textFile(small).collect(), [
      'ok',
      'a\uFFFDb',
      '\uFFFD',
      '\uFFFD',
      '\uFFFD\uFFFD',
      'end',
    ]);
    // Valid and invalid multi-byte sequences cut by the 64 KiB read chunk: a 4-byte emoji and a bad 3-byte start.
    const pad = 'p'.repeat(65_536 - 2);
    const big = write('utf8/straddle.txt', bytes(pad, '😀', '\n', pad, [0xe2, 0x82], '\nz\n'));
    t.deepEqual(await sc.textFile(big).collect(), [`${pad}😀`, `${pad}\uFFFD`, 'z']);
    // Many lines with invalid bytes, split into many partitions: the same count and content as one partition.
    const many = range(5000).map((i) => (i % 3 === 0 ? bytes(`${i}`, [0xff, 0xfe]) : bytes(`${i}é`)));
    const path = write('utf8/many.txt', Buffer.concat(many.flatMap((b) => [b, Buffer.from('\n')])));
    const expected = range(5000).map((i) => (i % 3 === 0 ? `${i}\uFFFD\uFFFD` : `${i}é`));
    t.deepEqual(await sc.textFile(path, 1).collect(), expected);
    t.deepEqual(await sc.textFile(path, 9).collect(), expected);
    t.deepEqual(
      await sc
        .textFile(
          write('utf8/many.txt.gz', gzipSync(Buffer.concat(many.flatMap((b) => [b, Buffer.from('\n')])))),
        )
        .collect(),
      expected,
    );
  },
);

test.serial('a single 50 MB line reads whole, once, whatever the partitioning', async (t) => {
  const size = 50 * 1024 * 1024;
  const path = at('long-line.txt');
  writeFileSync(
    path,
    Buffer.concat([Buffer.from('head\n'), Buffer.alloc(size, 'x'), Buffer.from('\ntail\n')]),
  );
  const coarse = new Context({ defaultParallelism: 2 });
  for (const n of [1, 4]) {
    const lengths = await coarse
      .textFile(path, n)
      .map((l) => l.length)
      .collect();
    t.deepEqual(lengths, [4, size, 4], `${n} partitions`);
  }
  const long = await coarse
    .textFile(path, 3)
    .filter((l) => l.length > 4)
    .first();
  t.is(long.length, size);
  t.is(long, 'x'.repeat(size));
  rmSync(path);
});

test.serial(
  'a directory of directories: files at every depth, sorted by path, skipping _ and . names',
  async (t) => {
    write('tree/a/b/c/deep.txt', 'deep\n');
    write('tree/a/one.txt', 'one\n');
    write('tree/b/two.txt.gz', gzipSync('two\n'));
    write('tree/top.txt', 'top\n');
    write('tree/_temporary/0/part-00000', 'temp\n');
    write('tree/.hidden/x.txt', 'hidden\n');
    write('tree/a/_SUCCESS', '');
    write('tree/a/.one.txt.crc', 'crc\n');
    mkdirSync(at('tree/empty/deeper'), { recursive: true });
    t.deepEqual(await sc.textFile(at('tree')).collect(), ['deep', 'one', 'two', 'top']);
    t.deepEqual(await sc.textFile(at('tree/*')).collect(), ['deep', 'one', 'two', 'top']);
    mkdirSync(at('only-dirs/x/y'), { recursive: true });
    t.deepEqual(await sc.textFile(at('only-dirs')).collect(), []);
  },
);

test.serial('a glob that matches nothing: PathNotFoundError naming the pattern', async (t) => {
  write('globbed/a.txt', 'a\n');
  for (const pattern of [at('globbed/*.csv'), at('nowhere/*/x.txt'), at('globbed/?.txt.gz')]) {
    const e = await t.throwsAsync(() => sc.textFile(pattern).collect(), { instanceOf: PathNotFoundError });
    t.is(e?.path, pattern);
    t.true(e?.message.includes(pattern), e?.message);
    await t.throwsAsync(() => sc.textFile(`${at('globbed/a.txt')},${pattern}`).count(), {
      instanceOf: PathNotFoundError,
      message: new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    });
  }
});

test.serial(
  'a missing file among a comma list: PathNotFoundError naming it, whatever its place',
  async (t) => {
    const a = write('list/a.txt', 'a\n');
    const b = write('list/b.txt', 'b\n');
    const missing = at('list/missing.txt');
    for (const paths of [`${missing},${a},${b}`, `${a},${missing},${b}`, `${a},${b},${missing}`]) {
      const e = await t.throwsAsync(() => sc.textFile(paths).collect(), { instanceOf: PathNotFoundError });
      t.is(e?.path, missing);
      t.true(e?.message.includes(missing), e?.message);
    }
    t.deepEqual(await sc.textFile(`${b},${a}`).collect(), ['b', 'a']);
  },
);
