/**
 * `textFile(path).count()` (issue 4) on the generated text file, plain and
 * gzip-compressed, against hand-written Node loops in the same process:
 *
 * - read + split (the baseline): `fs.createReadStream` (64 KiB chunks, piped
 *   through `zlib.createGunzip` for `.gz`), UTF-8 decoding, and splitting
 *   into line strings: the work `textFile` must do;
 * - newline count: the same stream, counting `\n` bytes without decoding,
 *   a lower bound no line reader can beat;
 * - `wc -l` / `gzip -dc | wc -l` through `sh` (their start-up included).
 *
 * Target: sparkling within 1.2x of the hand-written read + split.
 *
 *   npx tsx bench/textfile.ts [--size MB (default 200)] [--repeat n] [--no-memory]
 */
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';
import { countNewlines, forEachLine, NO_TEXTFILE, textFileOf } from './baselines.js';
import { ensureWordFile } from './generate.js';
import { type Case, runCases, type System } from './harness.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200' },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const file = await ensureWordFile(Number(values.size));
const lineCount = await countNewlines(file.path, false);
const MB = file.bytes / 1e6;
const units = [
  { amount: MB, unit: 'MB/s' },
  { amount: lineCount / 1e6, unit: 'M lines/s' },
];
const rel = (p: string) => p.replace(/.*\/bench\//, 'bench/');

function shell(name: string, script: string): System {
  return {
    name,
    spawns: true,
    note: 'separate process; start-up included; memory not measured',
    run: () => `${Number(execFileSync('sh', ['-c', script], { encoding: 'utf8' }).trim())} lines`,
  };
}

function systems(path: string, gzip: boolean): System[] {
  const sc = new Context();
  const textFile = textFileOf(sc);
  const quoted = `'${path.replaceAll("'", `'\\''`)}'`;
  return [
    {
      name: 'hand-written read + split',
      run: async () => {
        let n = 0;
        await forEachLine(path, gzip, () => {
          n++;
        });
        return `${n} lines`;
      },
    },
    { name: 'hand-written newline count', run: async () => `${await countNewlines(path, gzip)} lines` },
    textFile === undefined
      ? { name: 'sparkling textFile().count()', skip: NO_TEXTFILE }
      : { name: 'sparkling textFile().count()', run: async () => `${await textFile(path).count()} lines` },
    shell(gzip ? 'gzip -dc | wc -l' : 'wc -l', gzip ? `gzip -dc ${quoted} | wc -l` : `wc -l < ${quoted}`),
  ];
}

const cases: Case[] = [
  {
    id: 'plain',
    title: 'textFile().count(), plain text',
    params: `${MB.toFixed(1)} MB, ${lineCount.toLocaleString('en')} lines (\`${rel(file.path)}\`), read from the page cache.`,
    baseline: 'hand-written read + split',
    units,
    targets: [{ system: 'sparkling textFile().count()', time: 1.2 }],
    setup: () => systems(file.path, false),
  },
  {
    id: 'gz',
    title: 'textFile().count(), gzip',
    params: `${(file.gzBytes / 1e6).toFixed(1)} MB compressed, ${MB.toFixed(1)} MB / ${lineCount.toLocaleString('en')} lines uncompressed (\`${rel(file.gzPath)}\`); throughput counts uncompressed bytes.`,
    baseline: 'hand-written read + split',
    units,
    targets: [{ system: 'sparkling textFile().count()', time: 1.2 }],
    setup: () => systems(file.gzPath, true),
  },
];
await runCases(import.meta.url, cases);
