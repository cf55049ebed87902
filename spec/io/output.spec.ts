import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import zlib from 'node:zlib';
import test from 'ava';
import { ArgumentError, IOError, PathExistsError, UnsupportedSchemeError } from '../../lib/errors.js';
import { openTextOutput } from '../../lib/io/index.js';
import { randomLines, readAll, rejectsWith, tempDir } from './helpers.js';

let dir = '';

test.before(async () => {
  dir = await tempDir();
});

async function* batchesOf(lines: string[], size = 1000): AsyncGenerator<string[]> {
  for (let i = 0; i < lines.length; i += size) yield lines.slice(i, i + size);
}

const partitions = [
  randomLines(3000, 41),
  [],
  ['only line'],
  randomLines(20000, 42),
  ['', 'ends with empty', ''],
];

for (const codec of [null, 'gzip', 'bzip2'] as const) {
  test(`output (${codec ?? 'plain'}): parts, _SUCCESS, round trip through textFile of the directory`, async (t) => {
    const target = path.join(dir, `round-${codec ?? 'plain'}`, 'nested');
    const out = await openTextOutput(target, codec, {});
    // Written out of order and concurrently, as an engine would.
    await Promise.all([3, 1, 0, 4, 2].map((i) => out.writePart(i, batchesOf(partitions[i]!))));
    await t.throwsAsync(fsp.stat(target), { code: 'ENOENT' }, 'nothing visible before commit');
    await out.commit();
    const suffix = codec === 'gzip' ? '.gz' : codec === 'bzip2' ? '.bz2' : '';
    t.deepEqual((await fsp.readdir(target)).sort(), [
      '_SUCCESS',
      ...[0, 1, 2, 3, 4].map((i) => `part-0000${i}${suffix}`),
    ]);
    t.deepEqual(await readAll(target, 3), partitions.flat());
    // Each line is followed by '\n', also the last; an empty partition is an empty (or empty-compressed) file.
    const raw = await fsp.readFile(path.join(target, `part-00002${suffix}`));
    const text =
      codec === 'gzip'
        ? zlib.gunzipSync(raw).toString()
        : codec === 'bzip2'
          ? execFileSync('bzip2', ['-dc'], { input: raw }).toString()
          : raw.toString();
    t.is(text, 'only line\n');
    // The parent holds only the output: no temporary directory behind.
    t.deepEqual(await fsp.readdir(path.dirname(target)), ['nested']);
  });
}

test('output: gzip parts are readable by gzip(1)', async (t) => {
  const target = path.join(dir, 'for-gzip');
  const out = await openTextOutput(target, 'gzip', {});
  await out.writePart(0, batchesOf(['a', 'b', 'ü']));
  await out.commit();
  t.is(execFileSync('gzip', ['-dc', path.join(target, 'part-00000.gz')]).toString(), 'a\nb\nü\n');
});

test('output: an existing path is refused, before anything is written', async (t) => {
  const target = path.join(dir, 'exists');
  await fsp.mkdir(target);
  await rejectsWith(t, openTextOutput(target, null, {}), PathExistsError, target);
  const file = path.join(dir, 'exists.txt');
  await fsp.writeFile(file, 'x');
  await rejectsWith(t, openTextOutput(file, 'gzip', {}), PathExistsError, file);
  t.deepEqual((await fsp.readdir(dir)).filter((n) => n.includes('exists')).sort(), ['exists', 'exists.txt']);
});

test('output: a failing partition keeps its own error; abort leaves no target and no temporary directory', async (t) => {
  const parent = path.join(dir, 'failing');
  const target = path.join(parent, 'out');
  const out = await openTextOutput(target, 'gzip', {});
  await out.writePart(0, batchesOf(randomLines(5000, 43)));
  const boom = new Error('user code failed in partition 1');
  async function* failing(): AsyncGenerator<string[]> {
    yield ['first', 'second'];
    throw boom;
  }
  t.is(await t.throwsAsync(out.writePart(1, failing())), boom);
  await out.abort();
  await t.throwsAsync(fsp.stat(target), { code: 'ENOENT' });
  t.deepEqual(await fsp.readdir(parent), []);
  // After abort the output is closed.
  await t.throwsAsync(out.writePart(2, batchesOf(['x'])), { message: /aborted/ });
  await out.abort();
});

test('output: abort while a part is still being written stops it and removes everything', async (t) => {
  const parent = path.join(dir, 'aborting');
  const target = path.join(parent, 'out');
  const out = await openTextOutput(target, null, {});
  let produced = 0;
  async function* endless(): AsyncGenerator<string[]> {
    for (;;) {
      produced++;
      yield randomLines(1000, produced);
      await new Promise((r) => setImmediate(r));
    }
  }
  const writing = out.writePart(0, endless());
  while (produced < 5) await new Promise((r) => setTimeout(r, 5));
  await out.abort();
  await rejectsWith(t, writing, IOError, target, 'aborted');
  const at = produced;
  await new Promise((r) => setTimeout(r, 30));
  t.is(produced, at, 'the partition is no longer pulled');
  t.deepEqual(await fsp.readdir(parent), []);
});

test('output: file:// URLs, argument errors, read-only http', async (t) => {
  const target = path.join(dir, 'url-out');
  const out = await openTextOutput(pathToFileURL(target).href, null, {});
  await out.writePart(0, batchesOf(['x', 'y']));
  await out.commit();
  t.deepEqual(await readAll(target), ['x', 'y']);
  const other = await openTextOutput(path.join(dir, 'bad-index'), null, {});
  await rejectsWith(t, other.writePart(-1, batchesOf([])), ArgumentError, 'part index', '-1');
  await other.abort();
  await rejectsWith(
    t,
    openTextOutput(path.join(dir, 'z'), 'zip' as unknown as 'gzip', {}),
    ArgumentError,
    'compressionCodec',
  );
  await rejectsWith(
    t,
    openTextOutput('http://127.0.0.1:9/out', null, {}),
    UnsupportedSchemeError,
    'http://127.0.0.1:9/out',
  );
});

test('output: of two jobs racing for one path, the second commit gets PathExistsError and leaves nothing', async (t) => {
  const parent = path.join(dir, 'race');
  const target = path.join(parent, 'out');
  const a = await openTextOutput(target, null, {});
  const b = await openTextOutput(target, null, {});
  await a.writePart(0, batchesOf(['from a']));
  await b.writePart(0, batchesOf(['from b']));
  await a.commit();
  await rejectsWith(t, b.commit(), PathExistsError, target);
  t.deepEqual(await fsp.readdir(parent), ['out']);
  t.deepEqual(await readAll(target), ['from a']);
});
