/**
 * Runs the benchmarks in sequence, each in its own process (so one's heap
 * does not weigh on the next), and prints their Markdown tables under a
 * header naming the date and the machine.
 *
 *   npx tsx bench/run.ts [name ...] [--size MB] [--repeat n] [--no-memory] [--no-python] [--out file.md]
 *
 * Names: narrow, values, wordcount, reduce-by-key, group-join, sort, textfile,
 * workers, spark, streaming (default: all). `--size` sets the text file of wordcount, textfile
 * and workers' word count (default: 50 MB, 200 MB and 200 MB respectively).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Context } from 'sparkling-rdd';

const BENCHMARKS: Record<string, string[]> = {
  narrow: [],
  values: [],
  wordcount: ['--size', '--repeat', '--no-memory', '--no-python'],
  'reduce-by-key': ['--repeat', '--no-memory', '--no-python'],
  'group-join': ['--repeat', '--no-memory', '--no-python'],
  sort: ['--repeat', '--no-memory', '--no-python'],
  textfile: ['--size', '--repeat', '--no-memory'],
  workers: ['--size', '--repeat', '--no-memory'],
  spark: ['--repeat'],
  streaming: [],
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    size: { type: 'string' },
    repeat: { type: 'string' },
    'no-memory': { type: 'boolean' },
    'no-python': { type: 'boolean' },
    out: { type: 'string' },
  },
});
const names = positionals.length > 0 ? positionals : Object.keys(BENCHMARKS);
for (const name of names) if (!(name in BENCHMARKS)) throw new Error(`unknown benchmark ${name}`);

const dir = dirname(fileURLToPath(import.meta.url));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function run(name: string): Promise<string> {
  const args: string[] = [];
  for (const flag of BENCHMARKS[name] ?? []) {
    const v = values[flag.slice(2) as keyof typeof values];
    if (v === true) args.push(flag);
    else if (typeof v === 'string') args.push(flag, v);
  }
  const child = spawn(process.execPath, ['--import', 'tsx', join(dir, `${name}.ts`), ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    process.stdout.write(d);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`bench/${name}.ts exited with code ${code}`)),
    );
  });
}

const header = [
  `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? 'unknown'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, Context defaultParallelism ${new Context().defaultParallelism}.`,
  '',
].join('\n');
console.log(header);
const sections = [header];
for (const name of names) {
  const before = load();
  const start = performance.now();
  const out = await run(name);
  const footer = `_bench/${name}.ts: ${((performance.now() - start) / 1000).toFixed(0)} s; load average before ${before}, after ${load()}._\n`;
  console.log(footer);
  sections.push(`## ${name}\n\n${out.trim()}\n\n${footer}`);
}
if (values.out !== undefined) writeFileSync(values.out, sections.join('\n'));
