/**
 * textFile read throughput: sparkling's readTextSplit against a hand-written
 * Node read+split loop (and `gzip -dc | wc -l` for the .gz case), on a
 * generated file (default ~100 MB; `SIZE_MB=200 tsx bench/textfile.ts`).
 * Data lives in bench/data/ (git-ignored) and is generated on first run.
 */
import { execSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { planTextSplits, readTextSplit } from '../lib/io/index.js';

const sizeMb = Number(process.env.SIZE_MB ?? 100);
const dataDir = path.join(import.meta.dirname, 'data');
const plain = path.join(dataDir, `lines-${sizeMb}MB.txt`);
const gz = `${plain}.gz`;

async function generate(): Promise<void> {
  await fsp.mkdir(dataDir, { recursive: true });
  if (!existsSync(plain)) {
    const words = ['alpha', 'beta', 'gamma', 'épsilon', '日本語', 'x', 'yy', 'zzz', '42', 'lambda', 'mu'];
    let seed = 42;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    async function* lines(): AsyncGenerator<string> {
      let size = 0;
      while (size < sizeMb * 1e6) {
        const batch: string[] = [];
        for (let i = 0; i < 4096; i++) {
          const n = Math.floor(rnd() * 16);
          const parts: string[] = [];
          for (let j = 0; j < n; j++) parts.push(words[Math.floor(rnd() * words.length)]!);
          batch.push(parts.join(' '));
        }
        const chunk = `${batch.join('\n')}\n`;
        size += Buffer.byteLength(chunk);
        yield chunk;
      }
    }
    await pipeline(lines(), createWriteStream(plain));
  }
  if (!existsSync(gz)) await pipeline(createReadStream(plain), zlib.createGzip(), createWriteStream(gz));
}

/** The baseline: what one would write by hand with Node streams. */
async function handLoop(file: string, gunzip: boolean): Promise<number> {
  const src = gunzip ? createReadStream(file).pipe(zlib.createGunzip()) : createReadStream(file);
  src.setEncoding('utf8');
  let rest = '';
  let n = 0;
  for await (const chunk of src as AsyncIterable<string>) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop() ?? '';
    n += parts.length;
  }
  return rest === '' ? n : n + 1;
}

async function sparkling(file: string): Promise<number> {
  let n = 0;
  for (const split of await planTextSplits(file, 1, {})) {
    for await (const batch of readTextSplit(split, {})) n += batch.length;
  }
  return n;
}

async function best(name: string, bytes: number, run: () => Promise<number>): Promise<number> {
  let ms = Number.POSITIVE_INFINITY;
  let lines = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    lines = await run();
    ms = Math.min(ms, performance.now() - t0);
  }
  const mbs = bytes / 1e6 / (ms / 1000);
  process.stdout.write(
    `${name.padEnd(34)} ${ms.toFixed(0).padStart(6)} ms  ${mbs.toFixed(0).padStart(5)} MB/s  ${(lines / (ms / 1000) / 1e6).toFixed(2)} M lines/s  (${lines} lines)\n`,
  );
  return ms;
}

await generate();
const size = (await fsp.stat(plain)).size;
process.stdout.write(`file: ${plain} (${(size / 1e6).toFixed(0)} MB, MB/s of uncompressed text)\n`);
const hand = await best('hand-written read+split loop', size, () => handLoop(plain, false));
const ours = await best('sparkling readTextSplit', size, () => sparkling(plain));
process.stdout.write(`ratio (sparkling / hand): ${(ours / hand).toFixed(2)}x\n\n`);
const handGz = await best('hand-written gunzip+split loop', size, () => handLoop(gz, true));
const oursGz = await best('sparkling readTextSplit (.gz)', size, () => sparkling(gz));
await best('gzip -dc | wc -l', size, async () =>
  Number(execSync(`gzip -dc '${gz}' | wc -l`, { encoding: 'utf8' }).trim()),
);
process.stdout.write(`ratio (sparkling / hand, .gz): ${(oursGz / handGz).toFixed(2)}x\n`);

// first(): the time to the first batch of a .gz, and how much of the file that read.
{
  const t0 = performance.now();
  const [split] = await planTextSplits(gz, 2, {});
  const it = readTextSplit(split!, {});
  const first = await it.next();
  await it.return();
  const ms = performance.now() - t0;
  process.stdout.write(
    `first batch of the .gz: ${ms.toFixed(1)} ms (${first.done ? 0 : first.value.length} lines)\n`,
  );
}
