/**
 * The executor processes of bench/spark.ts (bundled into one .mjs file for
 * plain `node`), speaking the pipe protocol through lib/spark/executor-io.ts.
 *
 *   gen MODE     each input line is a count n: writes the records [i, "k" + i % 1000] for
 *                i < n, one JSON line each (MODE lines), in JSON arrays of 1,000 (batch),
 *                or not at all (none: only their number, the cost of making them)
 *   consume MODE parses the records written by `gen MODE`; writes how many there were
 *   count        writes how many lines it read
 *
 * Each reports the CPU time it used (user + system, µs) in its trailer.
 */
import { runTask } from '../lib/spark/executor-io.js';

const [cmd = '', mode = ''] = process.argv.slice(2);
const BATCH = 1000;

const cpu = (): { cpuUs: number } => {
  const u = process.cpuUsage();
  return { cpuUs: u.user + u.system };
};

runTask(async (input, output) => {
  if (cmd === 'gen') {
    let total = 0;
    for await (const lines of input.batches) {
      for (const line of lines) {
        const n = Number(line);
        let out: string[] = [];
        let batch: unknown[] = [];
        for (let i = 0; i < n; i++) {
          const record = [i, `k${i % 1000}`];
          total++;
          if (mode === 'lines') out.push(JSON.stringify(record));
          else if (mode === 'batch') {
            batch.push(record);
            if (batch.length === BATCH) {
              out.push(JSON.stringify(batch));
              batch = [];
            }
          }
          if (out.length >= 4096) {
            await output.write(out);
            out = [];
          }
        }
        if (batch.length > 0) out.push(JSON.stringify(batch));
        await output.write(out);
      }
    }
    if (mode === 'none') await output.write([String(total)]);
    return cpu();
  }
  if (cmd === 'consume') {
    let n = 0;
    let check = 0;
    for await (const lines of input.batches) {
      for (const line of lines) {
        if (mode === 'lines') {
          const r = JSON.parse(line) as [number, string];
          check += r[0];
          n++;
        } else {
          const rs = JSON.parse(line) as [number, string][];
          for (const r of rs) check += r[0];
          n += rs.length;
        }
      }
    }
    await output.write([`${n} ${check}`]);
    return cpu();
  }
  if (cmd === 'count') {
    let n = 0;
    for await (const lines of input.batches) n += lines.length;
    await output.write([String(n)]);
    return cpu();
  }
  throw new Error(`unknown command ${cmd}`);
});
