/** textFile / wholeTextFiles / binaryFiles / saveAsTextFile through the RDD API. */
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import test from 'ava';
import { Context, PathExistsError, PathNotFoundError, TaskError } from '../lib/index.js';
import { layout, PARTITIONS, range } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sparkling-files-'));
const lines = range(5000).map((i) => `line ${i} ${'x'.repeat(i % 50)}`);
const plain = join(dir, 'plain.txt');
writeFileSync(plain, `${lines.join('\n')}\n`);
writeFileSync(join(dir, 'plain.txt.gz'), gzipSync(`${lines.join('\r\n')}`));
const tree = join(dir, 'tree');
mkdirSync(tree);
writeFileSync(join(tree, 'part-00000'), 'a\nb\n');
writeFileSync(join(tree, 'part-00001'), 'c\n');
writeFileSync(join(tree, '_SUCCESS'), '');
writeFileSync(join(tree, '.hidden'), 'nope\n');

const small = () => new Context({ defaultParallelism: 2, blockSize: 4096 });

for (const n of PARTITIONS) {
  test(`textFile: every line once, in order, with minPartitions ${n}`, async (t) => {
    const sc = small();
    const rdd = sc.textFile(plain, n);
    t.true((await rdd.getNumPartitions()) >= n);
    t.deepEqual(await rdd.collect(), lines);
    t.is(await rdd.count(), lines.length);
    t.deepEqual(await sc.textFile(`${plain}.gz`, n).collect(), lines);
  });
}

test('textFile: lazy until an action, then PathNotFoundError naming the path', async (t) => {
  const sc = small();
  const missing = join(dir, 'missing.txt');
  const rdd = sc.textFile(missing).map((l) => l.length);
  t.is(layout(rdd.explain()), `(?) map[1]\n |  textFile[0] paths=[${missing}]`);
  const e = await t.throwsAsync(() => rdd.collect(), { instanceOf: PathNotFoundError });
  t.true(e?.message.includes(missing));
  writeFileSync(missing, 'now here\n');
  t.deepEqual(await rdd.collect(), [8]);
});

test('textFile: directories skip _ and . names; globs and comma lists', async (t) => {
  const sc = small();
  t.deepEqual(await sc.textFile(tree).collect(), ['a', 'b', 'c']);
  t.deepEqual(await sc.textFile(join(tree, 'part-*')).collect(), ['a', 'b', 'c']);
  t.deepEqual(await sc.textFile(`${join(tree, 'part-00001')},${join(tree, 'part-00000')}`).collect(), [
    'c',
    'a',
    'b',
  ]);
  t.is(layout(sc.textFile('logs/*.gz').explain()), '(?) textFile[3] paths=[logs/*.gz] codec=gzip');
});

test('textFile: first() reads the start of the first partition only', async (t) => {
  const sc = small();
  t.is(await sc.textFile(plain, 7).first(), 'line 0 ');
  t.deepEqual(await sc.textFile(`${plain}.gz`).take(2), lines.slice(0, 2));
});

test('wholeTextFiles and binaryFiles give [path, content] per file', async (t) => {
  const sc = small();
  const texts = await sc.wholeTextFiles(tree).collect();
  t.deepEqual(
    texts.map(([p, c]) => [p.slice(p.lastIndexOf('/') + 1), c]),
    [
      ['part-00000', 'a\nb\n'],
      ['part-00001', 'c\n'],
    ],
  );
  const bins = await sc.binaryFiles(join(tree, 'part-00001')).collect();
  t.deepEqual([...(bins[0]?.[1] ?? [])], [99, 10]);
  const [[, unzipped] = ['', '']] = await sc.wholeTextFiles(`${plain}.gz`).collect();
  t.is(unzipped, lines.join('\r\n'));
});

for (const codec of [undefined, 'gzip', 'bzip2'] as const) {
  test(`saveAsTextFile round trip (${codec ?? 'plain'}) gives the same lines, Hadoop layout`, async (t) => {
    const sc = small();
    const out = join(dir, `out-${codec ?? 'plain'}`);
    const data = range(1000).map((i) => `${i}é`);
    await sc.parallelize(data, 3).saveAsTextFile(out, codec);
    const suffix = codec === 'gzip' ? '.gz' : codec === 'bzip2' ? '.bz2' : '';
    t.deepEqual(readdirSync(out).sort(), [
      '_SUCCESS',
      `part-00000${suffix}`,
      `part-00001${suffix}`,
      `part-00002${suffix}`,
    ]);
    t.deepEqual(await sc.textFile(out).collect(), data);
    await t.throwsAsync(() => sc.parallelize(data, 3).saveAsTextFile(out, codec), {
      instanceOf: PathExistsError,
    });
  });
}

test('saveAsTextFile: a job failing in partition 5 of 8 leaves nothing under the path', async (t) => {
  const sc = small();
  const out = join(dir, 'failed');
  const rdd = sc.parallelize(range(80), 8).map((x) => {
    if (x === 55) throw new Error('boom');
    return x;
  });
  const e = await t.throwsAsync(() => rdd.saveAsTextFile(out), { instanceOf: TaskError });
  t.is(e?.partition, 5);
  t.false(readdirSync(dir).some((name) => name.startsWith('failed')));
});
