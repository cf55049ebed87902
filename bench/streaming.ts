/**
 * Streaming benchmark: records per second through socketTextStream → flatMap
 * → reduceByKeyAndWindow (10 s window, 1 s slide, with the inverse function)
 * on 1-second batches, and the batch-processing delay.
 *
 *   npx tsx bench/streaming.ts [--seconds 20] [--warmup 5]
 *
 * This process is the TCP server (127.0.0.1, a free port); each system runs
 * in a child process of its own that connects to it (this file with
 * `--child name port`). Lines hold 10 words drawn uniformly from 10,000.
 *
 * 1. Throughput: the server writes as fast as the client reads (TCP
 *    back-pressure), so records/s is what the system processes.
 * 2. Delay: the server sends at a fixed rate, half the system's own
 *    throughput measured in step 1, and each batch's delay is measured from
 *    its batch time to the end of its last output operation (Spark's "total
 *    delay"), with the processing time (from when the batch could start:
 *    its time, or the end of the previous batch).
 *
 * The baseline is a hand-written Node client doing the same computation:
 * lines split at `\n`, a Map of word counts per second, and a window Map
 * that adds the newest second and subtracts the second that left, dropping
 * zeros.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as net from 'node:net';
import { parseArgs } from 'node:util';
import { Context, type RDD, StreamingContext } from 'sparkling-rdd';

const WINDOW = 10;
const WORDS_PER_LINE = 10;
const VOCABULARY = 10_000;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '5' },
    child: { type: 'string' },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);

/** What a child reports: records it processed in the measured interval, and per-batch delays. */
interface Report {
  lines: number;
  words: number;
  seconds: number;
  /** Per batch: total delay and processing time, ms. */
  delays: number[];
  processing: number[];
  /** Distinct words in the last window (a check that systems agree on what they computed). */
  windowKeys: number;
}

// ------------------------------------------------------------------ data

function block(lines: number, seed: number): Buffer {
  let x = seed;
  const out: string[] = new Array(lines);
  for (let i = 0; i < lines; i++) {
    const words: string[] = new Array(WORDS_PER_LINE);
    for (let j = 0; j < WORDS_PER_LINE; j++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      words[j] = `w${(x >>> 8) % VOCABULARY}`;
    }
    out[i] = words.join(' ');
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

// ------------------------------------------------------------------ systems (children)

async function sparkling(port: number, workers: number): Promise<Report> {
  const sc = new Context({ workers });
  const ssc = new StreamingContext(sc, 1);
  const lines = ssc.socketTextStream('127.0.0.1', port);
  const counts = lines
    .flatMap((line) => line.split(' '))
    .map((w) => [w, 1] as [string, number])
    .reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      WINDOW,
      1,
      undefined,
      (kv) => kv[1] > 0,
    );
  const started = Date.now();
  const measureFrom = started + warmup * 1000;
  const measureTo = measureFrom + seconds * 1000;
  const report: Report = { lines: 0, words: 0, seconds: 0, delays: [], processing: [], windowKeys: 0 };
  let batchLines = 0;
  let previousEnd = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  lines.foreachRDD(async (rdd: RDD<string>) => {
    batchLines = await rdd.count();
  });
  counts.foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
    const keys = await rdd.count();
    const end = Date.now();
    const t = time.getTime();
    if (t >= measureFrom && t < measureTo) {
      report.lines += batchLines;
      report.delays.push(end - t);
      report.processing.push(end - Math.max(t, previousEnd));
      report.windowKeys = keys;
      first = Math.min(first, t - 1000);
      last = end;
    }
    previousEnd = end;
    if (t >= measureTo) void ssc.stop(true);
  });
  await ssc.start();
  await ssc.awaitTermination();
  report.words = report.lines * WORDS_PER_LINE;
  report.seconds = (last - first) / 1000;
  return report;
}

async function handWritten(port: number): Promise<Report> {
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setEncoding('utf8');
  let rest = '';
  let current = new Map<string, number>();
  const perSecond: Map<string, number>[] = [];
  const window = new Map<string, number>();
  let lines = 0;
  socket.on('data', (chunk: string) => {
    const text = rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl);
      start = nl + 1;
      lines++;
      for (const w of line.split(' ')) current.set(w, (current.get(w) ?? 0) + 1);
    }
    rest = text.slice(start);
  });
  const report: Report = { lines: 0, words: 0, seconds, delays: [], processing: [], windowKeys: 0 };
  let ticks = 0;
  let linesAtStart = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      ticks++;
      const began = Date.now();
      for (const [w, n] of current) window.set(w, (window.get(w) ?? 0) + n);
      perSecond.push(current);
      current = new Map();
      if (perSecond.length > WINDOW)
        for (const [w, n] of perSecond.shift() as Map<string, number>) {
          const v = (window.get(w) ?? 0) - n;
          if (v > 0) window.set(w, v);
          else window.delete(w);
        }
      if (ticks === warmup) linesAtStart = lines;
      if (ticks > warmup) report.processing.push(Date.now() - began);
      if (ticks === warmup + seconds) {
        clearInterval(timer);
        report.lines = lines - linesAtStart;
        report.windowKeys = window.size;
        socket.destroy();
        resolve();
      }
    }, 1000);
  });
  report.words = report.lines * WORDS_PER_LINE;
  return report;
}

// ------------------------------------------------------------------ the server (parent)

/** Serves one client: as fast as it reads (`rate` undefined) or `rate` lines per second. */
async function serve(
  data: Buffer,
  linesPerBlock: number,
  rate: number | undefined,
): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    socket.on('error', () => {});
    let closed = false;
    socket.on('close', () => (closed = true));
    void (async () => {
      if (rate === undefined) {
        while (!closed) if (!socket.write(data)) await once(socket, 'drain').catch(() => {});
        return;
      }
      // Paced: every 10 ms, the lines due by now (whole lines cut from the block).
      const lines = data.toString('utf8').split('\n').slice(0, linesPerBlock);
      const began = Date.now();
      let sent = 0;
      while (!closed) {
        const due = Math.floor(((Date.now() - began) / 1000) * rate);
        const chunk: string[] = [];
        for (; sent < due; sent++) chunk.push(lines[sent % lines.length] as string);
        if (chunk.length > 0 && !socket.write(`${chunk.join('\n')}\n`))
          await once(socket, 'drain').catch(() => {});
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

async function child(name: string, port: number): Promise<Report> {
  const out = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      process.argv[1] as string,
      '--child',
      name,
      String(port),
      '--seconds',
      String(seconds),
      '--warmup',
      String(warmup),
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let text = '';
  out.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  const [code] = await once(out, 'close');
  if (code !== 0) throw new Error(`${name} exited with ${code}`);
  return JSON.parse(text.trim().split('\n').at(-1) as string) as Report;
}

const quantile = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};

const SYSTEMS = ['hand-written', 'sparkling workers=0', 'sparkling workers=2'] as const;

if (values.child !== undefined) {
  const port = Number(positionals[0]);
  const r =
    values.child === 'hand-written'
      ? await handWritten(port)
      : await sparkling(port, values.child.endsWith('2') ? 2 : 0);
  console.log(JSON.stringify(r));
  process.exit(0);
}

const LINES = 200_000;
const data = block(LINES, 42);
console.log(
  `### socketTextStream → flatMap → reduceByKeyAndWindow (${WINDOW} s window, 1 s slide, inverse) on 1 s batches`,
);
console.log('');
console.log(
  `Lines of ${WORDS_PER_LINE} words drawn uniformly from ${VOCABULARY.toLocaleString('en-US')} (${(data.length / LINES).toFixed(0)} bytes a line); ${warmup} s warm-up, then ${seconds} s measured; each system in a child process, this process serving TCP on 127.0.0.1.`,
);
console.log('');
console.log('Throughput: the server sends as fast as the client reads.');
console.log('');
console.log('| system | lines/s | words/s | vs baseline | distinct words in the last window |');
console.log('|---|---:|---:|---:|---:|');
const throughput = new Map<string, Report>();
for (const name of SYSTEMS) {
  const srv = await serve(data, LINES, undefined);
  const r = await child(name, srv.port);
  srv.close();
  throughput.set(name, r);
  const base = throughput.get('hand-written') as Report;
  const perS = r.lines / r.seconds;
  console.log(
    `| ${name} | ${Math.round(perS).toLocaleString('en-US')} | ${Math.round(perS * WORDS_PER_LINE).toLocaleString('en-US')} | ${(base.lines / base.seconds / perS).toFixed(2)}x | ${r.windowKeys.toLocaleString('en-US')} |`,
  );
}
console.log('');
console.log(
  'Delay: the server sends half the lines/s the system managed above; per batch, total delay = end of its last output − batch time, processing = end − max(batch time, end of the previous batch).',
);
console.log('');
console.log(
  '| system | lines/s sent | lines/s processed | batches | total delay p50 / p95 / max (ms) | processing p50 / p95 (ms) |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const name of SYSTEMS.slice(1)) {
  const own = throughput.get(name) as Report;
  const rate = Math.round(own.lines / own.seconds / 2);
  const srv = await serve(data, LINES, rate);
  const r = await child(name, srv.port);
  srv.close();
  console.log(
    `| ${name} | ${rate.toLocaleString('en-US')} | ${Math.round(r.lines / r.seconds).toLocaleString('en-US')} | ${r.delays.length} | ${quantile(r.delays, 0.5)} / ${quantile(r.delays, 0.95)} / ${Math.max(...r.delays)} | ${quantile(r.processing, 0.5)} / ${quantile(r.processing, 0.95)} |`,
  );
}
