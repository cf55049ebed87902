/**
 * The xz, lzma, zstd and tar specs (not a spec file itself): defined once,
 * run by `codecs-more.spec.ts` with the real programs and by
 * `codecs-more-js.spec.ts` with the pure-JS decoders forced
 * (`SPARKLING_XZ=js`, `SPARKLING_ZSTD=js`). Fixtures are made by the real
 * `xz`, `zstd` and `tar` programs.
 */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import test from 'ava';
import { ArgumentError, CodecError, Context } from '../../lib/index.js';
import { zstdDecoder } from '../../lib/io/codec/zstd.js';
import { ioCounters } from '../../lib/io/util.js';
import { randomLines, tempDir } from './helpers.js';

const lines = (n: number, seed: number): string[] => randomLines(n, seed).map((l, i) => `${i}:${l}`);

export function codecSpecs(mode: 'program' | 'js'): void {
  let dir = '';
  const f = (name: string): string => path.join(dir, name);
  const linesA = lines(4000, 1);
  const linesB = lines(2500, 2);
  const textA = `${linesA.join('\n')}\n`;
  const textB = linesB.join('\r\n'); // CRLF, no trailing newline
  const run = (cmd: string, args: string[], input?: string | Uint8Array): Buffer =>
    execFileSync(cmd, args, { input, maxBuffer: 1 << 28 });
  /** Members of the tar fixtures, in archive order: a file without a final newline, an empty one, a nested one. */
  const members: [string, string][] = [
    ['first.txt', 'f1\nf2'],
    ['empty.txt', ''],
    ['sub/second.txt', 's1\r\ns2\n'],
    ['sub/third.txt', textA],
  ];
  const memberLines = ['f1', 'f2', 's1', 's2', ...linesA];

  test.before(async () => {
    dir = await tempDir(`sparkling-codecs-${mode}-`);
    await fsp.writeFile(f('a.txt'), textA);
    await fsp.writeFile(f('b.txt'), textB);
    await fsp.writeFile(f('a.txt.xz'), run('xz', ['-c', f('a.txt')]));
    await fsp.writeFile(f('b.txt.xz'), run('xz', ['-c', '-9e', '--check=sha256', f('b.txt')]));
    await fsp.writeFile(f('a.txt.lzma'), run('xz', ['-c', '--format=lzma', f('a.txt')]));
    await fsp.writeFile(f('b.txt.lzma'), run('xz', ['-c', '--format=lzma'], textB)); // from a pipe: size unknown
    await fsp.writeFile(f('a.txt.zst'), run('zstd', ['-c', '-q', f('a.txt')]));
    await fsp.writeFile(f('b.txt.zst'), run('zstd', ['-c', '-q', '-19', '--check'], textB));
    // Concatenated streams / frames decode to the concatenation.
    await fsp.writeFile(
      f('multi.xz'),
      Buffer.concat([run('xz', ['-c', f('a.txt')]), run('xz', ['-c', '--check=crc32', f('b.txt')])]),
    );
    await fsp.writeFile(
      f('multi.zst'),
      Buffer.concat([run('zstd', ['-c', '-q', f('a.txt')]), run('zstd', ['-c', '-q', f('b.txt')])]),
    );
    // Upper-case suffixes.
    await fsp.copyFile(f('a.txt.xz'), f('UPPER.TXT.XZ'));
    await fsp.copyFile(f('a.txt.zst'), f('UPPER.TXT.ZST'));
    await fsp.writeFile(f('UPPER.TXT.GZ'), run('gzip', ['-c', f('a.txt')]));
    await fsp.writeFile(f('Upper.Txt.Bz2'), run('bzip2', ['-c', f('a.txt')]));
    await fsp.copyFile(f('a.txt.lzma'), f('UPPER.LZMA'));
    // Tar archives made by tar(1), with a directory and a symbolic link that must be skipped.
    const src = f('tree');
    await fsp.mkdir(path.join(src, 'sub'), { recursive: true });
    for (const [name, content] of members) await fsp.writeFile(path.join(src, name), content);
    await fsp.symlink('first.txt', path.join(src, 'link.txt'));
    const order = ['first.txt', 'empty.txt', 'sub', 'link.txt'];
    const tarArgs = (flag: string[], out: string): string[] => [
      '-c',
      ...flag,
      '--no-recursion',
      '-f',
      f(out),
      '-C',
      src,
      ...order,
      'sub/second.txt',
      'sub/third.txt',
    ];
    run('tar', tarArgs([], 'tree.tar'));
    run('tar', tarArgs(['-z'], 'tree.tar.gz'));
    await fsp.copyFile(f('tree.tar.gz'), f('tree.tgz'));
    await fsp.copyFile(f('tree.tar.gz'), f('TREE.TAR.GZ'));
    run('tar', tarArgs(['-j'], 'tree.tar.bz2'));
    run('tar', tarArgs(['-J'], 'tree.tar.xz'));
    run('tar', tarArgs(['--zstd'], 'tree.tar.zst'));
    run('tar', ['-c', '-f', f('empty.tar'), '--files-from', '/dev/null']);
    // A zstd frame that needs a 256 MiB window (window descriptor 2^28), and one that needs 64 MiB:
    // magic, frame header (no single segment, no checksum), window byte, one last raw block "hi\n".
    const frame = (windowLog: number): Uint8Array =>
      new Uint8Array([
        0x28,
        0xb5,
        0x2f,
        0xfd,
        0x00,
        (windowLog - 10) << 3,
        0x19,
        0x00,
        0x00,
        0x68,
        0x69,
        0x0a,
      ]);
    await fsp.writeFile(f('huge-window.zst'), frame(28));
    await fsp.writeFile(f('big-window.zst'), frame(26));
    // Something big for early-stop checks (about 6 MB of text).
    const big = `${lines(20000, 3).join('\n')}\n`.repeat(6);
    await fsp.writeFile(f('large.xz'), run('xz', ['-c', '-1'], big));
    await fsp.writeFile(f('large.zst'), run('zstd', ['-c', '-q', '-1'], big));
  });

  const sc = new Context({ defaultParallelism: 2 });

  test(`${mode}: the decoders in use`, async (t) => {
    const zstd = await zstdDecoder();
    t.log(`zstd decoder: ${zstd}`);
    if (mode === 'js') t.is(zstd, 'js');
    else t.not(zstd, 'js');
  });

  for (const n of [1, 2, 7]) {
    test(`${mode}: xz, lzma and zstd files read as their text, at minPartitions ${n}`, async (t) => {
      const wantB = linesB;
      for (const ext of ['xz', 'lzma', 'zst']) {
        const rdd = sc.textFile(`${f(`a.txt.${ext}`)},${f(`b.txt.${ext}`)}`, n);
        t.deepEqual(await rdd.collect(), [...linesA, ...wantB], ext);
        t.is(await rdd.getNumPartitions(), 2, `${ext}: a compressed file is one split`);
      }
      t.deepEqual(await sc.textFile(f('multi.xz'), n).collect(), [...linesA, ...wantB]);
      t.deepEqual(await sc.textFile(f('multi.zst'), n).collect(), [...linesA, ...wantB]);
    });

    test(`${mode}: tar members' lines in archive order, never joined across members, at minPartitions ${n}`, async (t) => {
      for (const name of [
        'tree.tar',
        'tree.tar.gz',
        'tree.tgz',
        'tree.tar.bz2',
        'tree.tar.xz',
        'tree.tar.zst',
      ]) {
        t.deepEqual(await sc.textFile(f(name), n).collect(), memberLines, name);
      }
      t.deepEqual(await sc.textFile(f('empty.tar'), n).collect(), []);
    });
  }

  test(`${mode}: upper- and mixed-case suffixes pick the codec`, async (t) => {
    for (const name of ['UPPER.TXT.XZ', 'UPPER.TXT.ZST', 'UPPER.TXT.GZ', 'Upper.Txt.Bz2', 'UPPER.LZMA']) {
      t.deepEqual(await sc.textFile(f(name)).collect(), linesA, name);
    }
    t.deepEqual(await sc.textFile(f('TREE.TAR.GZ')).collect(), memberLines);
    t.regex(sc.textFile(f('UPPER.TXT.ZST')).toDebugString(), /codec=zstd/);
    t.regex(sc.textFile(f('TREE.TAR.GZ')).toDebugString(), /codec=tar\.gz/);
  });

  test(`${mode}: wholeTextFiles and binaryFiles give one record per regular tar member`, async (t) => {
    for (const name of ['tree.tar', 'tree.tgz', 'tree.tar.bz2', 'tree.tar.xz', 'tree.tar.zst']) {
      const archive = f(name);
      const want = members.map(([m, content]): [string, string] => [`${archive}/${m}`, content]);
      t.deepEqual(await sc.wholeTextFiles(archive).collect(), want, name);
      const bin = await sc.binaryFiles(archive).collect();
      t.deepEqual(
        bin.map(([p, b]) => [p, new TextDecoder().decode(b)]),
        want,
      );
      t.true(bin.every(([, b]) => b instanceof Uint8Array));
    }
    // With other files: the archive's members are records of its place in the listing.
    const mixed = await sc.wholeTextFiles(`${f('a.txt.xz')},${f('tree.tar')},${f('b.txt.zst')}`, 3).collect();
    t.deepEqual(
      mixed.map(([p]) => path.relative(dir, p)),
      ['a.txt.xz', ...members.map(([m]) => `tree.tar/${m}`), 'b.txt.zst'],
    );
    t.is(mixed[0]?.[1], textA);
    t.is(mixed.at(-1)?.[1], textB);
  });

  test(`${mode}: binaryFiles keeps a plain .xz or .zst as its compressed bytes`, async (t) => {
    for (const name of ['a.txt.xz', 'a.txt.zst', 'a.txt.lzma']) {
      const [[p, bytes] = ['', new Uint8Array()]] = await sc.binaryFiles(f(name)).collect();
      t.is(p, f(name));
      t.deepEqual(bytes, new Uint8Array(await fsp.readFile(f(name))));
    }
  });

  test(`${mode}: a zstd frame needing a window beyond 128 MiB is a CodecError naming the file`, async (t) => {
    const e = await t.throwsAsync(() => sc.textFile(f('huge-window.zst')).collect(), {
      instanceOf: CodecError,
    });
    t.is(e?.path, f('huge-window.zst'));
    t.true(e?.message.startsWith(`${f('huge-window.zst')}: `));
    t.log(e?.message);
    t.deepEqual(await sc.textFile(f('big-window.zst')).collect(), ['hi']);
  });

  test(`${mode}: corrupt and truncated files are CodecErrors naming them, never short results`, async (t) => {
    const cases: [string, Uint8Array][] = [];
    for (const name of [
      'a.txt.xz',
      'b.txt.xz',
      'a.txt.lzma',
      'a.txt.zst',
      'b.txt.zst',
      'tree.tar',
      'tree.tar.xz',
    ]) {
      const bytes = new Uint8Array(await fsp.readFile(f(name)));
      const ext = name.slice(name.indexOf('.'));
      cases.push([`cut-${name}`, bytes.subarray(0, Math.floor(bytes.length * 0.6))]);
      // (A plain tar ends in zero blocks padded to 10 KiB: without its last bytes it is still whole.)
      if (name !== 'tree.tar') cases.push([`tail-${name}`, bytes.subarray(0, bytes.length - 3)]);
      if (!name.endsWith('.lzma')) {
        // .lzma has no checksum: damaged data can decode to other bytes; its truncation is still caught.
        const damaged = new Uint8Array(bytes);
        for (let i = 200; i < 260; i++) damaged[i] = (damaged[i] ?? 0) ^ 0x5a;
        cases.push([`damaged-${name.replace(ext, '')}${ext}`, damaged]);
      }
    }
    for (const [name, bytes] of cases) {
      const p = f(name);
      await fsp.writeFile(p, bytes);
      const e = await t.throwsAsync(() => sc.textFile(p).collect(), { instanceOf: CodecError }, name);
      t.is(e?.path, p, name);
    }
  });

  test.serial(`${mode}: stopping early releases the decoder and closes the file`, async (t) => {
    for (const name of ['large.xz', 'large.zst', 'tree.tar.gz', 'tree.tar.xz', 'tree.tar']) {
      const before = { ...ioCounters };
      const first = await sc.textFile(f(name)).take(3);
      t.is(first.length, 3);
      t.is(ioCounters.closed - before.closed, ioCounters.opened - before.opened, name);
      t.true(ioCounters.bytesRead - before.bytesRead < 4 * 1024 * 1024, name);
    }
  });

  if (mode === 'program') {
    test('program: saveAsTextFile writes xz and zstd, also under Hadoop codec class names', async (t) => {
      const data = lines(3000, 9);
      for (const [codec, suffix] of [
        ['xz', '.xz'],
        ['zstd', '.zst'],
        ['org.apache.hadoop.io.compress.ZStandardCodec', '.zst'],
        ['org.apache.hadoop.io.compress.GzipCodec', '.gz'],
        ['org.apache.hadoop.io.compress.BZip2Codec', '.bz2'],
      ] as const) {
        const out = f(`saved-${codec}`);
        await sc.parallelize(data, 3).saveAsTextFile(out, codec);
        t.deepEqual((await fsp.readdir(out)).sort(), [
          '_SUCCESS',
          `part-00000${suffix}`,
          `part-00001${suffix}`,
          `part-00002${suffix}`,
        ]);
        t.deepEqual(await sc.textFile(out).collect(), data, codec);
        t.deepEqual(await sc.textFile(out, 7).collect(), data, codec);
      }
      // The programs agree about what was written.
      const xzPart = await fsp.readFile(path.join(f('saved-xz'), 'part-00001.xz'));
      t.is(run('xz', ['-dc'], xzPart).toString(), `${data.slice(1000, 2000).join('\n')}\n`);
      const zstPart = await fsp.readFile(path.join(f('saved-zstd'), 'part-00002.zst'));
      t.is(run('zstd', ['-dcq'], zstPart).toString(), `${data.slice(2000).join('\n')}\n`);
    });
  } else {
    test('js: without the programs, saveAsTextFile rejects xz and zstd with an ArgumentError and writes nothing', async (t) => {
      for (const codec of ['xz', 'zstd', 'org.apache.hadoop.io.compress.ZStandardCodec'] as const) {
        const out = f(`unsaved-${codec}`);
        const e = await t.throwsAsync(() => sc.parallelize([1, 2, 3]).saveAsTextFile(out, codec), {
          instanceOf: ArgumentError,
        });
        t.true(e?.message.includes(`'${codec}'`), e?.message);
        await t.throwsAsync(() => fsp.stat(out), { code: 'ENOENT' });
      }
      t.deepEqual(
        (await fsp.readdir(dir)).filter((n) => n.startsWith('unsaved')),
        [],
        'no temporary directory left behind',
      );
    });
  }

  test(`${mode}: unknown codec names are ArgumentErrors naming them`, async (t) => {
    for (const codec of ['zip', 'lz4', 'org.apache.hadoop.io.compress.SnappyCodec', 'GZIP']) {
      const e = await t.throwsAsync(() => sc.parallelize([1]).saveAsTextFile(f('never'), codec as 'gzip'), {
        instanceOf: ArgumentError,
      });
      t.true(e?.message.includes(codec), e?.message);
    }
  });
}
