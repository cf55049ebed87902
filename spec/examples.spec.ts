/** Every example in examples/ runs as a user would run it, and prints what it promises. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { layout } from './helpers.js';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');

async function example(name: string): Promise<string> {
  // In this process: a SPARKLING_MASTER of the caller's would send them to Spark.
  const { stdout } = await run(process.execPath, ['--import=tsx', join('examples', name)], {
    cwd: root,
    env: { ...process.env, SPARKLING_MASTER: '' },
  });
  return stdout;
}

test('examples/wordcount.ts prints the top words and the plan', async (t) => {
  const out = await example('wordcount.ts');
  t.regex(out, /top words:\n {2}17 {2}a\n {2}12 {2}the\n {2}10 {2}and\n/);
  // Printed after the action: the listing is made, so the partition counts are known.
  t.regex(
    layout(out),
    /plan:\n\(2\) reduceByKey\[4\] numPartitions=2 partitioner=hash\n \+-\(2\) map\[3\]\n/,
  );
  t.regex(out, / {4}\| {2}textFile\[0\] paths=\[.*spark-notes\.txt\]/);
});

test('examples/spark-wordcount.ts runs in this process without SPARKLING_MASTER', async (t) => {
  const out = await example('spark-wordcount.ts');
  t.regex(out, /running on: this process\n/);
  t.regex(out, /distinct words, \d+ in all; top words:\n {2}17 {2}a\n {2}12 {2}the\n {2}10 {2}and\n/);
  t.notRegex(out, /executor=spark/);
});

test('examples/basics.ts computes only the first partition for first()', async (t) => {
  const out = await example('basics.ts');
  t.regex(out, /first: 10\n/);
  t.regex(out, /map calls after first\(\): 5 /);
  t.regex(out, /map calls after count\(\): 100 /);
  t.regex(out, /sum: 5950 map calls: 100 /);
});

test('examples/confusion-matrix.ts aggregates a confusion matrix', async (t) => {
  const out = await example('confusion-matrix.ts');
  t.regex(out, /rows: actual, columns: predicted/);
  t.regex(out, /cat: precision=\d\.\d{3} recall=\d\.\d{3} f1=\d\.\d{3}/);
});

test('examples/http-stream.ts streams a job into an HTTP response', async (t) => {
  const out = await example('http-stream.ts');
  t.regex(out, /GET \/counts: \d+ lines, the first five:\n {2}17\ta\n {2}12\tthe\n {2}10\tand\n/);
});

test('examples/streaming-wordcount.ts counts every word sent over a socket, batch by batch', async (t) => {
  const out = await example('streaming-wordcount.ts');
  t.regex(out, /\d+ words so far; top: /);
  t.regex(out, /\d+ distinct words in the last 2 s/);
  t.regex(out, /final: 249 words; top: a=17 the=12 and=10 of=7 or=6\n/);
});
