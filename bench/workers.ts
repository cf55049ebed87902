/**
 * The worker-thread executor (issue 6): the same jobs on `new Context({ workers: 2 })`
 * against `new Context({ workers: 0 })` (everything on the main thread), in one process:
 *
 * - word count over the generated text file (default 200 MB):
 *   `textFile → flatMap(split) → map([w, 1]) → reduceByKey(add) → collect()`; the map side of the
 *   shuffle runs on the workers, its merge on the main thread;
 * - a CPU-bound map, the SHA-256 of every line (by default of the same 200 MB file):
 *   `textFile → map(sha256Hex) → count()`. `sha256Hex` is a pure-JS SHA-256 written below from
 *   FIPS 180-4, inside one closure-free function so that it ships to the workers. Not Web Crypto:
 *   `crypto.subtle.digest` is async and hashes on libuv's thread pool, so `workers: 0` would
 *   already hash on several threads, and a promise per 40-byte line would be most of the cost;
 *   a synchronous hash keeps the work on the thread that runs the task;
 * - the cost of a trivial job: `parallelize(0..99, 4).sum()`, `parallelize(0..99, 4).map(x => x).sum()`
 *   and `range(0, 100, 1, 4).sum()`: the one-off start of the workers (the first job of a fresh
 *   Context, each stopped afterwards so that its workers end) and the per-job latency once
 *   they run (median over many jobs).
 *
 * Before timing, `explain()` of every workers job is checked: a stage meant to run on the
 * workers that says `executor=main` fails the run. The tables also give the main thread's own
 * CPU time (from /proc/self/task), next to the whole process's: with workers it stays small, and
 * a workers run whose main thread used more than a quarter of the process's CPU fails too.
 *
 * Timing: one warm-up round (it starts the workers), then `--repeat` rounds interleaving the
 * systems, with a full GC of the main thread before each run; the tables give the median and
 * the range. Peak RSS: each system run once, alone, in a child process; then two such processes
 * of the main-thread job at once show, for reference, how much two independent busy processes
 * get through on this machine against one (`--no-memory` skips these child processes).
 * On a 2-CPU machine any other process weighs on the figures: before each timed run (and each
 * block of trivial jobs) the benchmark waits, up to `--quiet-wait` seconds (default 30; 0: not
 * at all), for the rest of the machine to use less than 0.2 CPU; the tables give the load
 * average, and the CPUs that other processes kept busy during the timed runs (from /proc/stat).
 *
 * Targets: word count at least 1.6x faster with 2 workers, SHA-256 at least 1.8x.
 *
 *   npx tsx bench/workers.ts [--size MB (200)] [--sha-size MB (200)] [--workers n (2)] [--repeat n (5)]
 *                            [--jobs n (200)] [--starts n (5)] [--only trivial,wordcount,sha]
 *                            [--quiet-wait s (30)] [--no-memory]
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Context, type RDD } from 'sparkling-rdd';
import { countNewlines } from './baselines.js';
import { ensureWordFile } from './generate.js';
import { type Check, gc, log, measure } from './harness.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '200' },
    'sha-size': { type: 'string', default: '200' },
    workers: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '5' },
    jobs: { type: 'string', default: '200' },
    starts: { type: 'string', default: '5' },
    only: { type: 'string' },
    'quiet-wait': { type: 'string', default: '30' },
    'no-memory': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const WORKERS = Number(values.workers);
const REPEAT = Number(values.repeat);
const JOBS = Number(values.jobs);
const STARTS = Number(values.starts);
const QUIET_WAIT = Number(values['quiet-wait']);
if (!(WORKERS >= 1 && REPEAT >= 1 && JOBS >= 10 && STARTS >= 1))
  throw new Error('--workers, --repeat and --starts must be at least 1, --jobs at least 10');

// ------------------------------------------------------------------ the jobs' functions

/**
 * The SHA-256 (FIPS 180-4) of the UTF-8 bytes of `text`, in hex. Everything it uses is inside
 * it (the constants are re-created per call, a copy of an array literal): a closure-free
 * function, shipped to the workers as its source text.
 */
const sha256Hex = (text: string): string => {
  // 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
  const K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ];
  // The message: UTF-8 (a lone surrogate becomes U+FFFD, as with TextEncoder). Plain arrays made
  // at their full length: small typed arrays cost more to allocate than they save here, and
  // arrays grown element by element were reallocated as they grew (a third of the time).
  const n = text.length;
  const bytes: number[] = new Array((((3 * n + 8) >>> 6) + 1) * 64);
  let len = 0;
  for (let i = 0; i < n; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) bytes[len++] = c;
    else if (c < 0x800) {
      bytes[len++] = 0xc0 | (c >>> 6);
      bytes[len++] = 0x80 | (c & 0x3f);
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && d >= 0xdc00 && d < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          i++;
          bytes[len++] = 0xf0 | (c >>> 18);
          bytes[len++] = 0x80 | ((c >>> 12) & 0x3f);
          bytes[len++] = 0x80 | ((c >>> 6) & 0x3f);
          bytes[len++] = 0x80 | (c & 0x3f);
          continue;
        }
        c = 0xfffd;
      }
      bytes[len++] = 0xe0 | (c >>> 12);
      bytes[len++] = 0x80 | ((c >>> 6) & 0x3f);
      bytes[len++] = 0x80 | (c & 0x3f);
    }
  }
  // 5.1.1: a 1 bit, zeros up to 56 bytes modulo 64, the length in bits as 64 bits big-endian.
  const end = (((len + 8) >>> 6) + 1) * 64;
  bytes[len] = 0x80;
  for (let i = len + 1; i < end - 8; i++) bytes[i] = 0;
  const high = Math.floor(len / 0x20000000);
  const low = (len << 3) >>> 0;
  for (let i = 0; i < 4; i++) {
    bytes[end - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    bytes[end - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  // 5.3.3: the initial hash value, the fractional parts of the square roots of the first 8 primes.
  let h0 = 0x6a09e667 | 0;
  let h1 = 0xbb67ae85 | 0;
  let h2 = 0x3c6ef372 | 0;
  let h3 = 0xa54ff53a | 0;
  let h4 = 0x510e527f | 0;
  let h5 = 0x9b05688c | 0;
  let h6 = 0x1f83d9ab | 0;
  let h7 = 0x5be0cd19 | 0;
  const w: number[] = new Array(64);
  // 6.2.2: per 512-bit block, the message schedule, then 64 rounds.
  for (let off = 0; off < end; off += 64) {
    for (let t = 0; t < 16; t++) {
      const j = off + 4 * t;
      w[t] = (bytes[j]! << 24) | (bytes[j + 1]! << 16) | (bytes[j + 2]! << 8) | bytes[j + 3]!;
    }
    for (let t = 16; t < 64; t++) {
      const x = w[t - 15]!;
      const y = w[t - 2]!;
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
      w[t] = (w[t - 16]! + s0 + w[t - 7]! + s1) | 0;
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let f = h5;
    let g = h6;
    let h = h7;
    for (let t = 0; t < 64; t++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (h + S1 + ch + K[t]! + w[t]!) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      h = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + S0 + maj) | 0;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
    h5 = (h5 + f) | 0;
    h6 = (h6 + g) | 0;
    h7 = (h7 + h) | 0;
  }
  // Hex digits by hand: Number#toString(16) took half the time of the whole function.
  const digits: number[] = new Array(64);
  let k = 0;
  for (const x of [h0, h1, h2, h3, h4, h5, h6, h7])
    for (let s = 28; s >= 0; s -= 4) {
      const v = (x >>> s) & 15;
      digits[k++] = v < 10 ? 48 + v : 87 + v;
    }
  return String.fromCharCode(...digits);
};

/** Checks `sha256Hex` against node:crypto, on the main thread and (shipped) on the workers. */
async function checkSha256(sc: Context, lines: string[]): Promise<void> {
  const samples = [
    '',
    'abc',
    'abcdbcdecdefdefgefghfghighijhijkijkljklmjklmnklmnopqlmnopqrmnopqrsnopqrstnopq',
    ...[55, 56, 63, 64, 119, 120, 1000].map((k) => 'a'.repeat(k)),
    'héllo wörld €',
    '😀 astral',
    'lone \ud800 high',
    'lone \udc00 low',
    'ends high \ud83d',
    ...lines,
  ];
  const expected = samples.map((s) => createHash('sha256').update(s, 'utf8').digest('hex'));
  const rdd = sc.parallelize(samples, 2).map(sha256Hex);
  requirePlacement(rdd, 'workers');
  const fromWorkers = await rdd.collect();
  samples.forEach((s, i) => {
    if (sha256Hex(s) !== expected[i] || fromWorkers[i] !== expected[i])
      throw new Error(`sha256Hex(${JSON.stringify(s)}) is wrong: ${fromWorkers[i]}, not ${expected[i]}`);
  });
}

// ------------------------------------------------------------------ placement and CPU

/**
 * Checks where `explain()` says the stages of `rdd` run. `want: 'workers'`: every stage on
 * the workers but those whose main-thread reason matches `allowed`; `want: 'main'`: every
 * stage on the main thread. Throws with the plan otherwise; returns the stages' placements.
 */
function requirePlacement(rdd: RDD<unknown>, want: 'workers' | 'main', allowed: RegExp[] = []): string {
  const plan = rdd.explain();
  const stages = plan.split('\n').flatMap((line) => {
    const m = /(\w+\[\d+\]).*?(executor=(?:workers|main(?: reason="[^"]*")?))/.exec(line);
    return m ? [{ node: m[1] as string, executor: m[2] as string }] : [];
  });
  const onWorkers = stages.filter((s) => s.executor === 'executor=workers');
  const ok =
    stages.length > 0 &&
    (want === 'main'
      ? onWorkers.length === 0
      : onWorkers.length > 0 &&
        stages.every((s) => s.executor === 'executor=workers' || allowed.some((r) => r.test(s.executor))));
  if (!ok) throw new Error(`expected ${want === 'main' ? 'no stage' : 'the stages'} on workers:\n${plan}`);
  return stages
    .map((s) => {
      const reason = /reason="(?:\w+\[\d+\] )?([^"]*)"/.exec(s.executor)?.[1];
      return `${s.node}: ${reason === undefined ? s.executor.slice('executor='.length) : `main (${reason})`}`;
    })
    .join('; ');
}

const TICKS = (() => {
  const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return n > 0 ? n : 100;
})();
const MAIN_STAT = `/proc/self/task/${process.pid}/stat`;
const hasProc = existsSync(MAIN_STAT);

/** CPU seconds (user + system) of the main thread alone, or NaN without /proc. */
function mainThreadCpu(): number {
  if (!hasProc) return Number.NaN;
  const stat = readFileSync(MAIN_STAT, 'latin1');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / TICKS;
}

/** The whole machine's busy CPU seconds (all processes), from /proc/stat, or NaN without it. */
function machineBusyCpu(): number {
  if (!hasProc) return Number.NaN;
  const f = (readFileSync('/proc/stat', 'latin1').split('\n')[0] ?? '').trim().split(/\s+/).map(Number);
  // cpu user nice system idle iowait irq softirq steal
  const [, user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return (user + nice + system + irq + softirq + steal) / TICKS;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits, up to `--quiet-wait` seconds, until other processes keep less than 0.2 CPU busy over half a second. */
async function waitForQuiet(): Promise<void> {
  if (!hasProc || !(QUIET_WAIT > 0)) return;
  const deadline = performance.now() + QUIET_WAIT * 1000;
  for (let waited = false; ; waited = true) {
    const busy0 = machineBusyCpu();
    const cpu0 = process.cpuUsage();
    const start = performance.now();
    await sleep(500);
    const used = process.cpuUsage(cpu0);
    const seconds = (performance.now() - start) / 1000;
    const others = (machineBusyCpu() - busy0 - (used.user + used.system) / 1e6) / seconds;
    if (others < 0.2) {
      if (waited) log('   (the machine is quiet again)');
      return;
    }
    if (!waited) log(`   waiting for other processes (${others.toFixed(2)} CPUs busy) ...`);
    if (performance.now() > deadline) {
      log(`   still ${others.toFixed(2)} CPUs busy after ${QUIET_WAIT} s: timing anyway`);
      return;
    }
  }
}

// ------------------------------------------------------------------ timing

interface Run {
  seconds: number;
  /** The process's CPU seconds: the main thread, the workers, GC and I/O threads. */
  cpu: number;
  mainCpu: number;
  /** CPUs kept busy by other processes during the run, on average. */
  others: number;
  check: Check;
}

async function timed(run: () => Promise<Check>): Promise<Run> {
  gc();
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpu();
  const busy0 = machineBusyCpu();
  const start = process.hrtime.bigint();
  const check = await run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  const others = Math.max(0, (machineBusyCpu() - busy0 - cpu) / seconds);
  return { seconds, cpu, mainCpu: mainThreadCpu() - main0, others, check };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (pos - lo);
}
const median = (xs: readonly number[]) => quantile(xs, 0.5);

const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

function row(cells: string[]): string {
  return `| ${cells.map((x) => x.replaceAll('|', '\\|')).join(' | ')} |`;
}

function verdict(speedup: number, target: number): string {
  return speedup >= target
    ? `${speedup.toFixed(2)}x, met`
    : `${speedup.toFixed(2)}x, **missed** by ${((1 - speedup / target) * 100).toFixed(0)}% (${(target / speedup).toFixed(2)}x short)`;
}

// ------------------------------------------------------------------ whole-file jobs

interface System {
  name: string;
  sc: Context;
  run: () => Promise<Check>;
  /** Where explain() says its stages run. */
  placement: string;
}

interface HeavyCase {
  id: string;
  title: string;
  params: string;
  units: { amount: number; unit: string }[];
  /** Minimum speed-up of the workers system over the main-thread one. */
  target: number;
  /** The two systems, main thread first. */
  setup: () => Promise<[System, System]>;
}

const RESULT_MARK = '@@workers-result ';

async function runHeavy(c: HeavyCase): Promise<string> {
  log(`== ${c.title}`);
  const loadBefore = load();
  const systems = await c.setup();
  const [base, workers] = systems;
  const runs = new Map<System, Run[]>(systems.map((s) => [s, []]));
  let baselineCheck: Check | undefined;
  try {
    for (let round = 0; round <= REPEAT; round++) {
      for (const s of systems) {
        await waitForQuiet();
        const r = await timed(s.run);
        log(
          `   ${round === 0 ? 'warm-up' : `round ${round}`}: ${s.name} ${r.seconds.toFixed(3)} s, CPU ${r.cpu.toFixed(2)} s (main thread ${r.mainCpu.toFixed(2)} s), other processes ${r.others.toFixed(2)} CPUs`,
        );
        if (baselineCheck === undefined) baselineCheck = r.check;
        else if (r.check !== baselineCheck)
          throw new Error(`${c.id}: ${s.name} gave ${r.check}, ${systems[0].name} ${baselineCheck}`);
        if (s === workers && r.mainCpu > 0.25 * r.cpu)
          throw new Error(
            `${c.id}: with ${s.name}, the main thread used ${r.mainCpu.toFixed(2)} of ${r.cpu.toFixed(2)} CPU s: the work did not run on the workers`,
          );
        if (round > 0) runs.get(s)?.push(r);
      }
    }
  } finally {
    for (const s of systems) s.sc.stop();
  }
  const peaks = new Map<System, number>();
  let reference: string | undefined;
  if (!values['no-memory']) {
    let alone: ChildRun | undefined;
    for (const s of systems) {
      await waitForQuiet();
      const r = await childRun(c.id, s.name);
      if (s === base) alone = r;
      peaks.set(s, r.peakMB);
      log(`   memory: ${s.name} peak ${r.peakMB.toFixed(0)} MB (${r.seconds.toFixed(3)} s)`);
    }
    // A reference for what this machine gives two busy threads: the main-thread job twice at once, in two processes.
    await waitForQuiet();
    const pair = await Promise.all([childRun(c.id, base.name), childRun(c.id, base.name)]);
    const slower = Math.max(...pair.map((r) => r.seconds));
    log(`   two ${base.name} processes at once: ${pair.map((r) => r.seconds.toFixed(3)).join(' s, ')} s`);
    if (alone !== undefined)
      reference = `Two processes for reference: the ${base.name} job, run once in a child process (no warm-up), took ${alone.seconds.toFixed(3)} s alone (CPU ${alone.cpu.toFixed(2)} s), and ${pair.map((r) => `${r.seconds.toFixed(3)} s (CPU ${r.cpu.toFixed(2)} s)`).join(' and ')} as two processes at once: together they did ${((2 * alone.seconds) / slower).toFixed(2)}x the work of one in the time, what two independent busy processes get from this machine.`;
  }
  const loadAfter = load();

  const med = (s: System, f: (r: Run) => number) => median((runs.get(s) ?? []).map(f));
  const baseSeconds = med(base, (r) => r.seconds);
  const lines = [
    `### ${c.title}`,
    '',
    c.params,
    '',
    `Median of ${REPEAT} interleaved rounds after a warm-up round (min–max in brackets); CPU s is the process's user + system time (main thread, workers, GC and I/O threads), main-thread CPU s the main thread's alone (from /proc); other processes: the CPUs that the rest of the machine kept busy during the runs, on average (from /proc/stat). Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}.`,
    '',
    '| system | seconds | throughput | speed-up vs workers: 0 | CPU s | main-thread CPU s | other processes, CPUs | peak RSS MB | stages (explain) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
  ];
  for (const s of systems) {
    const rs = runs.get(s) ?? [];
    const seconds = med(s, (r) => r.seconds);
    const range = `${Math.min(...rs.map((r) => r.seconds)).toFixed(3)}–${Math.max(...rs.map((r) => r.seconds)).toFixed(3)}`;
    lines.push(
      row([
        s === base ? `**${s.name}** (baseline)` : s.name,
        `${seconds.toFixed(3)} (${range})`,
        c.units.map((u) => `${fmt(u.amount / seconds)} ${u.unit}`).join(', '),
        `${(baseSeconds / seconds).toFixed(2)}x`,
        med(s, (r) => r.cpu).toFixed(2),
        hasProc ? med(s, (r) => r.mainCpu).toFixed(2) : '-',
        hasProc ? med(s, (r) => r.others).toFixed(2) : '-',
        peaks.get(s)?.toFixed(0) ?? '-',
        s.placement,
      ]),
    );
  }
  const speedup = baseSeconds / med(workers, (r) => r.seconds);
  if (reference !== undefined) lines.push('', reference);
  lines.push('', `Target for ${workers.name}: at least ${c.target}x faster: ${verdict(speedup, c.target)}.`);
  return lines.join('\n');
}

interface ChildRun {
  seconds: number;
  cpu: number;
  peakMB: number;
}

/** Runs system `name` of case `id` once in a child process: its time and peak RSS. */
async function childRun(id: string, name: string): Promise<ChildRun> {
  const m = await measure(process.execPath, [
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    ...childArgs(),
    '--child',
    `${id}:${name}`,
  ]);
  const line = m.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (m.code !== 0 || line === undefined) {
    log(m.stderr.slice(-2000));
    throw new Error(`${id}: the child run of ${name} failed (exit ${m.code})`);
  }
  const r = JSON.parse(line.slice(RESULT_MARK.length)) as Run & { selfPeakMB: number };
  return { seconds: r.seconds, cpu: r.cpu, peakMB: m.timePeakMB ?? r.selfPeakMB };
}

/** This run's options, for a child process (without --child or --only). */
function childArgs(): string[] {
  const out = ['--size', String(values.size), '--sha-size', String(values['sha-size'])];
  out.push('--workers', String(WORKERS));
  return out;
}

const rel = (p: string) => p.replace(/.*\/bench\//, 'bench/');
const ALLOW_MERGE = [/merges its shuffle on the main thread/];

async function wordCountCase(): Promise<HeavyCase> {
  const file = await ensureWordFile(Number(values.size));
  const MB = file.bytes / 1e6;
  const lines = await countNewlines(file.path, false);
  const partitions = await new Context().textFile(file.path).getNumPartitions();
  const system = (workers: number): System => {
    const sc = new Context({ workers });
    const job = () =>
      sc
        .textFile(file.path)
        .flatMap((l) => l.split(' '))
        .map((w): [string, number] => [w, 1])
        .reduceByKey((a, b) => a + b);
    return {
      name: `workers: ${workers}`,
      sc,
      placement: workers > 0 ? requirePlacement(job(), 'workers', ALLOW_MERGE) : 'main (no workers)',
      run: async () => {
        let distinct = 0;
        let words = 0;
        for (const [, n] of await job().collect()) {
          distinct++;
          words += n;
        }
        return `${distinct} distinct, ${words} words`;
      },
    };
  };
  return {
    id: 'wordcount',
    title: 'Word count: textFile → flatMap → map → reduceByKey → collect, workers vs the main thread',
    params: `${MB.toFixed(1)} MB file, ${lines.toLocaleString('en')} lines (\`${rel(file.path)}\`), ${partitions} partitions (textFile's default split), defaultParallelism ${new Context().defaultParallelism}; read from the page cache.`,
    units: [
      { amount: MB, unit: 'MB/s' },
      { amount: lines / 1e6, unit: 'M lines/s' },
    ],
    target: 1.6,
    setup: async () => [system(0), system(WORKERS)],
  };
}

async function shaCase(): Promise<HeavyCase> {
  const file = await ensureWordFile(Number(values['sha-size']));
  const MB = file.bytes / 1e6;
  const lines = await countNewlines(file.path, false);
  const partitions = await new Context().textFile(file.path).getNumPartitions();
  const system = (workers: number): System => {
    const sc = new Context({ workers });
    const job = () => sc.textFile(file.path).map(sha256Hex);
    return {
      name: `workers: ${workers}`,
      sc,
      placement: workers > 0 ? requirePlacement(job(), 'workers') : 'main (no workers)',
      run: async () => `${await job().count()} digests`,
    };
  };
  return {
    id: 'sha',
    title: 'CPU-bound map: textFile → map(SHA-256 hex of the line) → count, workers vs the main thread',
    params: `${MB.toFixed(1)} MB file, ${lines.toLocaleString('en')} lines (\`${rel(file.path)}\`), ${partitions} partitions; the SHA-256 is pure JS (in bench/workers.ts, checked against node:crypto on the main thread and on the workers before timing), synchronous, one call per line.`,
    units: [
      { amount: MB, unit: 'MB/s' },
      { amount: lines / 1e6, unit: 'M lines/s' },
    ],
    target: 1.8,
    setup: async () => {
      const sample = readFileSync(file.path, 'utf8').slice(0, 200_000).split('\n').slice(0, 1000);
      const sc = new Context({ workers: WORKERS });
      try {
        await checkSha256(sc, sample);
      } finally {
        sc.stop();
      }
      return [system(0), system(WORKERS)];
    },
  };
}

// ------------------------------------------------------------------ trivial jobs

const HUNDRED = Array.from({ length: 100 }, (_, i) => i);

interface TrivialJob {
  label: string;
  make: (sc: Context) => RDD<number>;
  /** Where the workers Context runs it. */
  want: 'workers' | 'main';
}

const TRIVIAL: TrivialJob[] = [
  { label: '`parallelize(0..99, 4).sum()`', make: (sc) => sc.parallelize(HUNDRED, 4), want: 'main' },
  {
    label: '`parallelize(0..99, 4).map((x) => x).sum()`',
    make: (sc) => sc.parallelize(HUNDRED, 4).map((x) => x),
    want: 'workers',
  },
  { label: '`range(0, 100, 1, 4).sum()`', make: (sc) => sc.range(0, 100, 1, 4), want: 'workers' },
];

/** Milliseconds of the first job of `STARTS` fresh Contexts, each stopped (its workers ended) afterwards. */
async function firstJobs(workers: number, job: TrivialJob): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    if (workers > 0) await waitForQuiet();
    const sc = new Context({ workers });
    const rdd = job.make(sc);
    gc();
    const start = performance.now();
    const sum = await rdd.sum();
    out.push(performance.now() - start);
    if (sum !== 4950) throw new Error(`${job.label} gave ${sum}`);
    sc.stop();
    await sleep(250); // terminate() is asynchronous: let the threads go before the next start
  }
  return out;
}

async function runTrivial(): Promise<string> {
  log('== trivial jobs');
  const loadBefore = load();
  // Start-up first, while no other Context holds workers (they end with the last Context using them).
  const starts = new Map<string, number[]>();
  for (const job of TRIVIAL)
    for (const n of [0, WORKERS]) {
      const ms = await firstJobs(n, job);
      starts.set(`${job.label}:${n}`, ms);
      log(`   first job, workers: ${n}, ${job.label}: ${ms.map((x) => x.toFixed(1)).join(', ')} ms`);
    }

  const main = new Context({ workers: 0 });
  const pool = new Context({ workers: WORKERS });
  const placements = TRIVIAL.map((job) => requirePlacement(job.make(pool), job.want));
  const systems = TRIVIAL.flatMap((job, i) => [
    { job, n: 0, sc: main, placement: 'main (no workers)', ms: [] as number[] },
    { job, n: WORKERS, sc: pool, placement: placements[i] as string, ms: [] as number[] },
  ]);
  const BLOCK = 20;
  try {
    for (const s of systems) for (let i = 0; i < BLOCK; i++) await s.job.make(s.sc).sum(); // warm-up
    for (let done = 0; done < JOBS; done += BLOCK) {
      await waitForQuiet();
      for (const s of systems) {
        gc();
        for (let i = 0; i < Math.min(BLOCK, JOBS - done); i++) {
          const start = performance.now();
          const sum = await s.job.make(s.sc).sum();
          s.ms.push(performance.now() - start);
          if (sum !== 4950) throw new Error(`${s.job.label} gave ${sum}`);
        }
      }
    }
  } finally {
    main.stop();
    pool.stop();
  }
  const loadAfter = load();

  const lines = [
    `### Trivial jobs: per-job latency and worker start-up, workers: ${WORKERS} vs workers: 0`,
    '',
    `Latency: ${JOBS} jobs per row after 20 warm-up jobs (which start the workers), interleaved in blocks of ${BLOCK}, the RDD built anew each job (as a driver would); median and 10th–90th percentile. First job: a fresh Context's first job, median of ${STARTS} Contexts, each stopped after its job so that the next one starts its workers again (the first in the process in brackets); under tsx, a worker also loads tsx and sparkling's TypeScript sources. Load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}.`,
    '',
    '| job | workers | latency ms, median (p10–p90) | vs workers: 0 | first job ms (first in process) | first − median latency, ms (the start-up) | stages (explain) |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const job of TRIVIAL) {
    const pair = systems.filter((s) => s.job === job);
    const baseMs = median(pair[0]?.ms ?? []);
    for (const s of pair) {
      const m = median(s.ms);
      const first = starts.get(`${job.label}:${s.n}`) ?? [];
      lines.push(
        row([
          job.label,
          String(s.n),
          `${m.toFixed(3)} (${quantile(s.ms, 0.1).toFixed(3)}–${quantile(s.ms, 0.9).toFixed(3)})`,
          s.n === 0 ? '-' : `${(m / baseMs).toFixed(1)}x (+${(m - baseMs).toFixed(3)} ms)`,
          `${median(first).toFixed(1)} (${first[0]?.toFixed(1)})`,
          (median(first) - m).toFixed(1),
          s.placement,
        ]),
      );
    }
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ main

const CASES: Record<string, () => Promise<HeavyCase>> = { wordcount: wordCountCase, sha: shaCase };

if (values.child !== undefined) {
  // A memory run: one system, once, alone in this process.
  const sep = values.child.indexOf(':');
  const [id, name] = [values.child.slice(0, sep), values.child.slice(sep + 1)];
  const make = CASES[id];
  if (make === undefined) throw new Error(`no case ${id}`);
  const systems = await (await make()).setup();
  for (const s of systems) if (s.name !== name) s.sc.stop();
  const s = systems.find((x) => x.name === name);
  if (s === undefined) throw new Error(`no system ${values.child}`);
  gc();
  const r = await timed(s.run);
  s.sc.stop();
  const selfPeakMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
  console.log(RESULT_MARK + JSON.stringify({ ...r, selfPeakMB }));
} else {
  const only = values.only?.split(',') ?? ['trivial', 'wordcount', 'sha'];
  for (const id of only)
    if (id !== 'trivial' && !(id in CASES)) throw new Error(`unknown case ${id} (trivial, wordcount, sha)`);
  // The trivial jobs first: their first job is then the process's first start of workers.
  const out: Record<string, string> = {};
  if (only.includes('trivial')) out.trivial = await runTrivial();
  for (const id of ['wordcount', 'sha'])
    if (only.includes(id)) out[id] = await runHeavy(await (CASES[id] as () => Promise<HeavyCase>)());
  for (const id of ['wordcount', 'sha', 'trivial']) if (out[id] !== undefined) console.log(`${out[id]}\n`);
}
