/**
 * A stand-in for sparkling's stage executor, for the bridge specs: a Node
 * program that Spark pipes partitions through (framing 'sparkling', via
 * lib/spark/executor-io.ts), with behaviours chosen by its arguments. The
 * spec harness bundles it into one .mjs file so each task starts plain
 * `node` (no TypeScript loader). Not a spec file.
 *
 *   upper                 lines upper-cased
 *   wc-map N [SLEEP_MS]   word counts of the partition, as `p\t[[word,count],…]` lines
 *                         (batches of at most 1,000 pairs), p = fnv1a(word) % N
 *   wc-reduce             merges `[[word,count],…]` batches; writes merged batches
 *   route N               `key:value` lines → `key % N\tkey:value`
 *   tag T                 each line prefixed with `T|`
 *   header                the header line's JSON, then the input's line count
 *   env NAME              the variable's value (or `(unset)`)
 *   mark DIR              lines unchanged; leaves a file in DIR per run (counts runs)
 *   fail-once DIR         the first attempt of each partition throws after its first batch
 *   report-then-fail-once DIR  lines and a full trailer with a report, then (first attempt
 *                         only) exit 1: Spark must drop that attempt's report
 *   throw                 reads its input, then throws a TypeError (report names operator and RDD)
 *   exit CODE             exits with CODE without reading
 *   early-exit            writes one line and exits 0 without a trailer
 *   sleep MS [DIR]        lines unchanged, after sleeping MS; leaves pid-<pid> in DIR first
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runTask, type TaskInput, type TaskOutput } from '../../lib/spark/executor-io.js';
import { fnv1a, words } from './words.js';

async function passThrough(input: TaskInput, output: TaskOutput): Promise<number> {
  let n = 0;
  for await (const batch of input.batches) {
    n += batch.length;
    await output.write(batch);
  }
  return n;
}

async function writeBatches(output: TaskOutput, prefix: string, pairs: [string, number][]): Promise<void> {
  const lines: string[] = [];
  for (let i = 0; i < pairs.length; i += 1000) lines.push(prefix + JSON.stringify(pairs.slice(i, i + 1000)));
  await output.write(lines);
}

const [mode = '', arg = '', arg2 = ''] = process.argv.slice(2);

if (mode === 'exit') {
  process.exit(Number(arg));
} else if (mode === 'early-exit') {
  process.stdout.write('one line\n', () => process.exit(0));
} else {
  runTask(async (input, output) => {
    const { header } = input;
    switch (mode) {
      case 'upper':
        for await (const batch of input.batches) await output.write(batch.map((l) => l.toUpperCase()));
        return undefined;
      case 'wc-map': {
        const n = Number(arg);
        const counts = new Map<string, number>();
        for await (const batch of input.batches) {
          for (const line of batch) for (const w of words(line)) counts.set(w, (counts.get(w) ?? 0) + 1);
        }
        if (arg2) await sleep(Number(arg2));
        const byPartition: [string, number][][] = Array.from({ length: n }, () => []);
        for (const [w, c] of counts) byPartition[fnv1a(w) % n]?.push([w, c]);
        for (let p = 0; p < n; p++)
          await writeBatches(output, `${p}\t`, byPartition[p] as [string, number][]);
        return undefined;
      }
      case 'wc-reduce': {
        const counts = new Map<string, number>();
        for await (const batch of input.batches) {
          for (const line of batch) {
            for (const [w, c] of JSON.parse(line) as [string, number][])
              counts.set(w, (counts.get(w) ?? 0) + c);
          }
        }
        await writeBatches(output, '', [...counts]);
        return undefined;
      }
      case 'route': {
        const n = Number(arg);
        for await (const batch of input.batches) {
          await output.write(batch.map((l) => `${Number(l.slice(0, l.indexOf(':'))) % n}\t${l}`));
        }
        return undefined;
      }
      case 'tag':
        for await (const batch of input.batches) await output.write(batch.map((l) => `${arg}|${l}`));
        return undefined;
      case 'header': {
        let n = 0;
        for await (const batch of input.batches) n += batch.length;
        await output.write([JSON.stringify(header), String(n)]);
        return undefined;
      }
      case 'env':
        await output.write([process.env[arg] ?? '(unset)']);
        return undefined;
      case 'mark':
        writeFileSync(path.join(arg, `run-${header.partition}-${header.task}`), '');
        await passThrough(input, output);
        return undefined;
      case 'fail-once': {
        const marker = path.join(arg, `p${header.partition}`);
        if (!existsSync(marker)) {
          writeFileSync(marker, '');
          let seen = 0;
          for await (const batch of input.batches) {
            seen += batch.length;
            await output.write(batch);
            if (seen > 0) break;
          }
          throw new Error(`injected failure in partition ${header.partition}, attempt ${header.attempt}`);
        }
        await passThrough(input, output);
        return undefined;
      }
      case 'report-then-fail-once': {
        const marker = path.join(arg, `p${header.partition}`);
        const lines = await passThrough(input, output);
        await input.finish();
        await output.end({ partition: header.partition, attempt: header.attempt, lines });
        if (!existsSync(marker)) {
          writeFileSync(marker, '');
          process.exit(1);
        }
        process.exit(0);
        return undefined;
      }
      case 'throw': {
        for await (const _batch of input.batches) {
          // Reads everything first: the failure is the function's, not the input's.
        }
        const e = new TypeError(`boom in partition ${header.partition}`);
        await output.fail(e, { operator: 'map', rddId: 7 });
        process.exit(1);
        return undefined;
      }
      case 'sleep':
        if (arg2) writeFileSync(path.join(arg2, `pid-${process.pid}`), '');
        await sleep(Number(arg));
        await passThrough(input, output);
        return undefined;
      default:
        throw new Error(`stand-in executor: unknown mode ${JSON.stringify(mode)}`);
    }
  });
}
