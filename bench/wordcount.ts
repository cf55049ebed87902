/**
 * Word count, issue 3's headline benchmark:
 * `flatMap(split) → map([w, 1]) → reduceByKey(add)` over the generated Zipf
 * text file, against a hand-written `Map` loop in the same process.
 *
 * - from memory: the file's lines in an array, `sc.parallelize(lines)`;
 * - from disk: `sc.textFile(path)` (skipped while textFile is missing)
 *   against a hand-written stream reader, plus pysparkling and PySpark
 *   `local[2]` on the same file when installed (each times itself; their
 *   interpreter/JVM start-up is left out of the time and given in the note).
 *
 * Targets: within 1.3x of the hand-written loop, peak RSS under 2x its.
 *
 *   npx tsx bench/wordcount.ts [--size MB (default 50)] [--no-python] [--repeat n] [--no-memory]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';
import { forEachLine, NO_TEXTFILE, textFileOf } from './baselines.js';
import { ensureWordFile } from './generate.js';
import { type Case, type Check, log, pythonSystems, runCases } from './harness.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '50' },
    'no-python': { type: 'boolean', default: false },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const sizeMB = Number(values.size);
const file = await ensureWordFile(sizeMB);
const MB = file.bytes / 1e6;

/** Summary of a word count, equal across systems (and languages) that agree. */
function summary(counts: Iterable<readonly [string, number]>): Check {
  let distinct = 0;
  let words = 0;
  let chars = 0;
  for (const [w, n] of counts) {
    distinct++;
    words += n;
    chars += n * w.length;
  }
  return `${distinct} distinct, ${words} words, ${chars} chars`;
}

function countWith(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Words in the file, for throughput: every line is words joined by single spaces. */
function countWords(path: string): number {
  const bytes = readFileSync(path);
  let n = 0;
  for (let i = bytes.indexOf(32); i >= 0; i = bytes.indexOf(32, i + 1)) n++;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}
const totalWords = countWords(file.path);
const units = [
  { amount: MB, unit: 'MB/s' },
  { amount: totalWords / 1e6, unit: 'M words/s' },
];
const params = `${MB.toFixed(1)} MB file, ${totalWords.toLocaleString('en')} words, Zipf over a 100k-word vocabulary (\`${file.path.replace(/.*\/bench\//, 'bench/')}\`); Context defaults (${new Context().defaultParallelism} partitions).`;
const targets = (system: string) => [{ system, time: 1.3, memory: 2 }];

const cases: Case[] = [
  {
    id: 'memory',
    title: 'Word count from memory: parallelize(lines) → flatMap → map → reduceByKey',
    params,
    baseline: 'hand-written Map loop',
    units,
    targets: targets('sparkling'),
    setup: () => {
      const lines = readFileSync(file.path, 'utf8').split('\n');
      if (lines[lines.length - 1] === '') lines.pop();
      const sc = new Context();
      return [
        { name: 'hand-written Map loop', run: () => summary(countWith(lines)) },
        {
          name: 'sparkling',
          run: async () =>
            summary(
              await sc
                .parallelize(lines)
                .flatMap((line) => line.split(' '))
                .map((w): [string, number] => [w, 1])
                .reduceByKey((a, b) => a + b)
                .collect(),
            ),
        },
      ];
    },
  },
  {
    id: 'disk',
    title: 'Word count from disk: textFile → flatMap → map → reduceByKey',
    params,
    baseline: 'hand-written stream + Map loop',
    units,
    targets: targets('sparkling textFile'),
    setup: () => {
      const sc = new Context();
      const textFile = textFileOf(sc);
      return [
        {
          name: 'hand-written stream + Map loop',
          run: async () => {
            const counts = new Map<string, number>();
            await forEachLine(file.path, false, (line) => {
              for (const w of line.split(' ')) counts.set(w, (counts.get(w) ?? 0) + 1);
            });
            return summary(counts);
          },
        },
        textFile === undefined
          ? { name: 'sparkling textFile', skip: NO_TEXTFILE }
          : {
              name: 'sparkling textFile',
              run: async () =>
                summary(
                  await textFile(file.path)
                    .flatMap((line) => line.split(' '))
                    .map((w): [string, number] => [w, 1])
                    .reduceByKey((a, b) => a + b)
                    .collect(),
                ),
            },
        ...pythonSystems(values['no-python'], 'wordcount.py', (system) => [system, file.path]),
      ];
    },
  },
];

if (values.child === undefined) log(`word count: ${file.path}, ${totalWords} words`);
await runCases(import.meta.url, cases);
