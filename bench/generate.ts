/**
 * Deterministic benchmark data (seeded PRNG, no dependencies).
 *
 * On disk, in `bench/data/` (git-ignored): a text file of Zipf-distributed
 * words of about the requested size, and its `.gz`. Each file is written
 * once and reused; its name carries the size and seed, so the same arguments
 * give byte-identical files on every machine.
 *
 * In memory: `[intKey, 1]` pairs, two pair inputs for groupByKey/join, and
 * random numbers; the same data can also be written once to binary files in
 * `bench/data/` (little-endian Float64 numbers, Int32 keys; the values that
 * follow from the record index are left out), for the Python systems to read.
 *
 *   npx tsx bench/generate.ts [--size MB] [--seed n]    (default 200 MB, seed 42)
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';

export const DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), 'data');

/** mulberry32: a small, fast 32-bit PRNG; `next()` is uniform in [0, 1). */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * `size` distinct lowercase words of 2 to 12 letters, shortest first, so
 * that the frequent (low-rank) words of the Zipf law are the short ones, as
 * in natural language.
 */
export function vocabulary(size: number, rng: Rng): string[] {
  const seen = new Set<string>();
  while (seen.size < size) {
    const len = 2 + rng.int(11);
    let w = '';
    for (let i = 0; i < len; i++) w += LETTERS[rng.int(26)];
    seen.add(w);
  }
  return [...seen].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/** Samples ranks 0..n-1 with P(rank r) ∝ 1 / (r + 1)^s. */
export class Zipf {
  private readonly cdf: Float64Array;
  constructor(n: number, s = 1) {
    this.cdf = new Float64Array(n);
    let total = 0;
    for (let r = 0; r < n; r++) this.cdf[r] = total += 1 / (r + 1) ** s;
    for (let r = 0; r < n; r++) this.cdf[r] = (this.cdf[r] as number) / total;
  }
  sample(rng: Rng): number {
    const u = rng.next();
    let lo = 0;
    let hi = this.cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export interface WordFile {
  /** The plain text file. */
  path: string;
  /** Its gzip-compressed copy. */
  gzPath: string;
  bytes: number;
  gzBytes: number;
}

export const VOCABULARY_SIZE = 100_000;

/**
 * Writes (once) a text file of about `sizeMB` MB (10^6 bytes): lines of 5 to
 * 15 words separated by single spaces, each line ending in `\n`, words drawn
 * by a Zipf law (s = 1) from a generated vocabulary of 100k words. Also
 * writes its `.gz` (Node's zlib, default level). Returns their paths.
 */
export async function ensureWordFile(sizeMB: number, seed = 42): Promise<WordFile> {
  mkdirSync(DATA_DIR, { recursive: true });
  const path = join(DATA_DIR, `words-${sizeMB}mb-s${seed}.txt`);
  const gzPath = `${path}.gz`;
  if (!existsSync(path)) await writeWordFile(path, Math.round(sizeMB * 1e6), seed);
  if (!existsSync(gzPath)) {
    const tmp = `${gzPath}.tmp`;
    await pipeline(createReadStream(path), createGzip(), createWriteStream(tmp));
    renameSync(tmp, gzPath);
  }
  return { path, gzPath, bytes: statSync(path).size, gzBytes: statSync(gzPath).size };
}

async function writeWordFile(path: string, targetBytes: number, seed: number): Promise<void> {
  const rng = new Rng(seed);
  const words = vocabulary(VOCABULARY_SIZE, rng);
  const zipf = new Zipf(words.length);
  const tmp = `${path}.tmp`;
  const out = createWriteStream(tmp);
  let written = 0;
  let chunk = '';
  while (written < targetBytes) {
    const n = 5 + rng.int(11);
    let line = words[zipf.sample(rng)] as string;
    for (let i = 1; i < n; i++) line += ` ${words[zipf.sample(rng)]}`;
    line += '\n';
    chunk += line;
    written += line.length; // ASCII: one byte per character
    if (chunk.length >= 1 << 20 || written >= targetBytes) {
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      chunk = '';
    }
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  renameSync(tmp, path);
}

/** The generators' default seeds, shared with the binary files' writers. */
const KEY_ONE_SEED = 1;
const JOIN_SEED = 2;
const NUMBERS_SEED = 3;

/** `n` pairs `[key, 1]` with keys drawn uniformly from `k` distinct integers 0..k-1. */
export function keyOnePairs(n: number, k: number, seed = KEY_ONE_SEED): [number, number][] {
  const rng = new Rng(seed);
  const out = new Array<[number, number]>(n);
  for (let i = 0; i < n; i++) out[i] = [rng.int(k), 1];
  return out;
}

/**
 * Two pair inputs of `n` records each for groupByKey and join: keys drawn
 * uniformly from `k` distinct integers, values the record's index (left)
 * and index + 0.5 (right), so every joined record is identifiable.
 */
export function joinInputs(n: number, k: number, seed = JOIN_SEED): [[number, number][], [number, number][]] {
  const rng = new Rng(seed);
  const left = new Array<[number, number]>(n);
  const right = new Array<[number, number]>(n);
  for (let i = 0; i < n; i++) left[i] = [rng.int(k), i];
  for (let i = 0; i < n; i++) right[i] = [rng.int(k), i + 0.5];
  return [left, right];
}

/** `n` numbers uniform in [0, 1). */
export function randomNumbers(n: number, seed = NUMBERS_SEED): number[] {
  const rng = new Rng(seed);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = rng.next();
  return out;
}

/** Writes `bytes` to `path` through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomically(path: string, bytes: DataView): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
}

/** The keys of `pairs`, as little-endian Int32s. */
function keyColumn(pairs: readonly (readonly [number, number])[]): DataView {
  const view = new DataView(new ArrayBuffer(4 * pairs.length));
  pairs.forEach(([key], i) => {
    view.setInt32(4 * i, key, true);
  });
  return view;
}

/**
 * The numbers of `randomNumbers(n, seed)` as `n` little-endian Float64s in
 * `bench/data/numbers-n{n}-seed{seed}.f64`: written once, then reused.
 * Returns the path.
 */
export function ensureNumbersFile(n: number, seed = NUMBERS_SEED): string {
  const path = join(DATA_DIR, `numbers-n${n}-seed${seed}.f64`);
  if (existsSync(path)) return path;
  const view = new DataView(new ArrayBuffer(8 * n));
  randomNumbers(n, seed).forEach((x, i) => {
    view.setFloat64(8 * i, x, true);
  });
  writeAtomically(path, view);
  return path;
}

/**
 * The keys of `keyOnePairs(n, k, seed)` (every value is 1) as `n`
 * little-endian Int32s in `bench/data/keyone-n{n}-k{k}-seed{seed}.i32`:
 * written once, then reused. Returns the path.
 */
export function ensureKeyOneFile(n: number, k: number, seed = KEY_ONE_SEED): string {
  const path = join(DATA_DIR, `keyone-n${n}-k${k}-seed${seed}.i32`);
  if (existsSync(path)) return path;
  writeAtomically(path, keyColumn(keyOnePairs(n, k, seed)));
  return path;
}

/**
 * The keys of `joinInputs(n, k, seed)` as two files of `n` little-endian
 * Int32s, `bench/data/join-{left,right}-n{n}-k{k}-seed{seed}.i32` (record
 * i's value is i on the left, i + 0.5 on the right): written once, then
 * reused. Returns their paths.
 */
export function ensureJoinFiles(n: number, k: number, seed = JOIN_SEED): { left: string; right: string } {
  const name = (side: string) => join(DATA_DIR, `join-${side}-n${n}-k${k}-seed${seed}.i32`);
  const paths = { left: name('left'), right: name('right') };
  if (existsSync(paths.left) && existsSync(paths.right)) return paths;
  const [left, right] = joinInputs(n, k, seed);
  writeAtomically(paths.left, keyColumn(left));
  writeAtomically(paths.right, keyColumn(right));
  return paths;
}

// Run as a script (not imported, nor bundled into a profiled benchmark).
if (/generate\.[cm]?[jt]s$/.test(process.argv[1] ?? '')) {
  const { values } = await import('node:util').then(({ parseArgs }) =>
    parseArgs({
      options: { size: { type: 'string', default: '200' }, seed: { type: 'string', default: '42' } },
    }),
  );
  const start = performance.now();
  const f = await ensureWordFile(Number(values.size), Number(values.seed));
  console.log(
    `${f.path} (${(f.bytes / 1e6).toFixed(1)} MB), ${f.gzPath} (${(f.gzBytes / 1e6).toFixed(1)} MB) in ${((performance.now() - start) / 1000).toFixed(1)} s`,
  );
}
