/**
 * The benchmark harness. A benchmark file declares cases; each case sets up
 * its data once and lists the systems to compare on it. The harness then
 *
 * 1. times every in-process system in the same process on the same data:
 *    one warm-up round, then `--repeat` rounds interleaving the systems (so
 *    drift in machine state hits all of them alike), with a full GC before
 *    each run; it keeps each system's fastest run, and checks that every
 *    system's result summary equals the baseline's;
 * 2. measures peak memory by running each system once, alone, in a child
 *    process (this same file with `--child case:system`), reading the
 *    child's maximum RSS from `/usr/bin/time -v` when present, else from
 *    `process.resourceUsage().maxRSS` in the child: an in-process sample
 *    would mix up the systems' garbage and the heap the earlier ones grew;
 * 3. runs external systems (pysparkling, PySpark) as child processes that
 *    time themselves, with peak RSS summed over the process tree (PySpark is
 *    a Python driver plus a JVM plus Python workers), sampled from /proc;
 * 4. prints one Markdown table per case, with ratios against the baseline
 *    and a line per target saying whether it was met. "CPU s" is the
 *    process's user + system time during the fastest run: on a shared
 *    machine it moves less than wall time, and it shows work done off the
 *    main thread (GC helpers, zlib and fs in the thread pool).
 *
 * Options every benchmark accepts: `--repeat n` (timed rounds, default 3),
 * `--no-memory` (skip the child processes), `--child case:system` (internal).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
/** A full, synchronous garbage collection. */
export const gc = runInNewContext('gc') as () => void;

/** What a system's run returns: a summary of its result, equal across systems that agree. */
export type Check = string;

export interface System {
  name: string;
  /** One run. Omitted for a skipped or external system. */
  run?: () => Promise<Check> | Check;
  /** Why the system is not measured (shown in the table). */
  skip?: string;
  /** A child process that times itself; see `ExternalResult`. */
  external?: ExternalCommand;
  /** The run's work happens in a process it spawns (a shell pipeline): its CPU time and memory are not measured. */
  spawns?: boolean;
  note?: string;
}

export interface ExternalCommand {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

/** The JSON an external system prints on its last stdout line. */
export interface ExternalResult {
  seconds: number;
  check: Check;
  note?: string;
}

export interface Unit {
  /** Amount of work per run, in `unit`-seconds (e.g. 52.3 for "MB/s"). */
  amount: number;
  unit: string;
}

export interface Target {
  system: string;
  /** Maximum time ratio against the baseline. */
  time?: number;
  /** Maximum peak-RSS ratio against the baseline (exclusive). */
  memory?: number;
}

export interface Case {
  id: string;
  title: string;
  /** Sizes and other parameters, printed under the title. */
  params: string;
  baseline: string;
  units: Unit[];
  targets?: Target[];
  setup: () => Promise<System[]> | System[];
}

interface Row {
  name: string;
  seconds?: number;
  /** User + system CPU time of the whole process during the fastest run (GC and I/O threads included). */
  cpuSeconds?: number;
  peakMB?: number;
  notes: string[];
}

export interface BenchOptions {
  repeat: number;
  memory: boolean;
  child?: string;
}

/** Reads the harness options from argv; a benchmark's own options are left to it. */
export function harnessOptions(argv = process.argv.slice(2)): BenchOptions {
  const at = (flag: string) => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    repeat: Number(at('--repeat') ?? 3),
    memory: !argv.includes('--no-memory'),
    child: at('--child'),
  };
}

/** Progress messages go to stderr; stdout carries only the tables. */
export function log(message: string): void {
  process.stderr.write(`${message}\n`);
}

async function timed(
  fn: () => Promise<Check> | Check,
): Promise<{ seconds: number; cpuSeconds: number; check: Check }> {
  gc();
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const check = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, check };
}

const RESULT_MARK = '@@bench-result ';

/**
 * Runs the cases of the benchmark file `moduleUrl` (pass `import.meta.url`)
 * and prints their tables; in child mode, runs one system once and reports.
 */
export async function runCases(moduleUrl: string, cases: Case[]): Promise<void> {
  const opts = harnessOptions();
  if (opts.child !== undefined) return runChild(cases, opts.child);
  for (const c of cases) {
    log(`== ${c.title}`);
    const systems = await c.setup();
    const { rows, baselineCheck } = await timeSystems(c, systems, opts);
    if (opts.memory) await measureMemory(moduleUrl, c, systems, rows);
    await runExternals(systems, rows, baselineCheck);
    console.log(`${render(c, rows)}\n`);
  }
}

async function runChild(cases: Case[], spec: string): Promise<void> {
  const sep = spec.indexOf(':');
  const c = cases.find((x) => x.id === spec.slice(0, sep));
  if (c === undefined) throw new Error(`no case ${spec}`);
  const systems = await c.setup();
  const s = systems.find((x) => x.name === spec.slice(sep + 1));
  if (s?.run === undefined) throw new Error(`no runnable system ${spec}`);
  gc();
  const rssBeforeMB = process.memoryUsage().rss / 1e6;
  const r = await timed(s.run);
  const selfPeakMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
  console.log(RESULT_MARK + JSON.stringify({ ...r, rssBeforeMB, selfPeakMB }));
}

async function timeSystems(
  c: Case,
  systems: System[],
  opts: BenchOptions,
): Promise<{ rows: Row[]; baselineCheck?: Check }> {
  const rows: Row[] = systems.map((s) => ({ name: s.name, notes: s.note ? [s.note] : [] }));
  const runnable = systems.flatMap((s, i) => (s.run ? [{ s, row: rows[i] as Row, run: s.run }] : []));
  const best = new Map<Row, { seconds: number; cpuSeconds: number }>();
  let baselineCheck: Check | undefined;
  for (let round = 0; round <= opts.repeat; round++) {
    for (const { s, row, run } of runnable) {
      const r = await timed(run);
      log(`   ${round === 0 ? 'warm-up' : `round ${round}`}: ${s.name} ${r.seconds.toFixed(3)} s`);
      if (round === 0) {
        if (s.name === c.baseline) baselineCheck = r.check;
        else if (baselineCheck !== undefined && r.check !== baselineCheck)
          throw new Error(`${c.id}: ${s.name} gave ${r.check}, the baseline ${baselineCheck}`);
        continue;
      }
      const prev = best.get(row);
      if (prev === undefined || r.seconds < prev.seconds) best.set(row, r);
    }
  }
  for (const { s, row } of runnable) {
    const r = best.get(row);
    row.seconds = r?.seconds;
    if (s.spawns !== true) row.cpuSeconds = r?.cpuSeconds;
  }
  systems.forEach((s, i) => {
    if (s.skip !== undefined) (rows[i] as Row).notes.push(s.skip);
  });
  return { rows, baselineCheck };
}

async function measureMemory(moduleUrl: string, c: Case, systems: System[], rows: Row[]): Promise<void> {
  const script = fileURLToPath(moduleUrl);
  const passOn = stripChildFlags(process.argv.slice(2));
  for (const [i, s] of systems.entries()) {
    if (s.run === undefined || s.spawns === true) continue;
    const row = rows[i] as Row;
    const m = await measure(process.execPath, [
      '--import',
      'tsx',
      script,
      ...passOn,
      '--child',
      `${c.id}:${s.name}`,
    ]);
    const line = m.stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
    if (m.code !== 0 || line === undefined) {
      row.notes.push(`memory run failed (exit ${m.code})`);
      log(m.stderr.slice(-2000));
      continue;
    }
    const r = JSON.parse(line.slice(RESULT_MARK.length)) as { rssBeforeMB: number; selfPeakMB: number };
    row.peakMB = m.timePeakMB ?? r.selfPeakMB;
    row.notes.push(`RSS before the run ${r.rssBeforeMB.toFixed(0)} MB`);
    log(`   memory: ${s.name} peak ${row.peakMB.toFixed(0)} MB`);
  }
}

function stripChildFlags(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--child') i++;
    else out.push(argv[i] as string);
  }
  return out;
}

async function runExternals(systems: System[], rows: Row[], baselineCheck?: Check): Promise<void> {
  for (const [i, s] of systems.entries()) {
    if (s.external === undefined) continue;
    const row = rows[i] as Row;
    log(`   ${s.name}: running ${s.external.command} ${s.external.args.join(' ')}`);
    const m = await measure(s.external.command, s.external.args, s.external.env);
    const last = m.stdout.trim().split('\n').pop() ?? '';
    let r: ExternalResult;
    try {
      r = JSON.parse(last) as ExternalResult;
    } catch {
      row.notes.push(`failed (exit ${m.code})`);
      log(m.stderr.slice(-3000));
      continue;
    }
    row.seconds = r.seconds;
    row.peakMB = Math.max(m.treePeakMB, m.timePeakMB ?? 0);
    if (r.note) row.notes.push(r.note);
    row.notes.push('peak RSS summed over its process tree');
    if (baselineCheck !== undefined && r.check !== baselineCheck)
      row.notes.push(`RESULT DIFFERS: ${r.check}`);
    log(`   ${s.name}: ${r.seconds.toFixed(3)} s, peak ${row.peakMB.toFixed(0)} MB, ${r.check}`);
  }
}

export interface Measurement {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Maximum RSS of the largest single process, from `/usr/bin/time -v`. */
  timePeakMB?: number;
  /** Largest sampled sum of RSS over the process and its descendants. */
  treePeakMB: number;
}

const TIME = '/usr/bin/time';
const hasTime = existsSync(TIME) && spawnSync(TIME, ['-v', 'true']).status === 0;

/** Runs a command to completion, recording its peak memory. */
export function measure(command: string, args: string[], env?: Record<string, string>): Promise<Measurement> {
  const argv = hasTime ? [TIME, '-v', command, ...args] : [command, ...args];
  const child = spawn(argv[0] as string, argv.slice(1), {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let treePeak = 0;
  const sample = () => {
    if (child.pid !== undefined) treePeak = Math.max(treePeak, treeRss(child.pid));
  };
  const timer = setInterval(sample, 50);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      resolve({
        code,
        stdout,
        stderr,
        timePeakMB: m ? (Number(m[1]) * 1024) / 1e6 : undefined,
        treePeakMB: treePeak / 1e6,
      });
    });
  });
}

const PAGE = 4096;

/** Bytes resident in `root` and all its descendants, from /proc (0 where /proc is missing). */
function treeRss(root: number): number {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return 0;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'latin1');
      // Fields after the command name, which is in parentheses and may contain spaces.
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(e), Number(f[1]));
      rss.set(Number(e), Number(f[21]) * PAGE);
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, bytes] of rss) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parent.get(p)) {
      if (p === root) {
        total += bytes;
        break;
      }
    }
  }
  return total;
}

/** The table of one case, with ratios against the baseline and target verdicts. */
function render(c: Case, rows: Row[]): string {
  const base = rows.find((r) => r.name === c.baseline);
  const ratio = (a?: number, b?: number) => (a !== undefined && b !== undefined ? a / b : undefined);
  const lines = [
    `### ${c.title}`,
    '',
    c.params,
    '',
    '| system | seconds | throughput | vs baseline | peak RSS MB (vs baseline) | CPU s | note |',
    '|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const r of rows) {
    const t = ratio(r.seconds, base?.seconds);
    const m = ratio(r.peakMB, base?.peakMB);
    const cells = [
      r.name === c.baseline ? `**${r.name}** (baseline)` : r.name,
      r.seconds?.toFixed(3) ?? '-',
      r.seconds === undefined
        ? '-'
        : c.units.map((u) => `${fmt(u.amount / (r.seconds as number))} ${u.unit}`).join(', '),
      t === undefined ? '-' : `${t.toFixed(2)}x`,
      r.peakMB === undefined ? '-' : `${r.peakMB.toFixed(0)}${m === undefined ? '' : ` (${m.toFixed(2)}x)`}`,
      r.cpuSeconds?.toFixed(2) ?? '-',
      r.notes.join('; '),
    ];
    lines.push(`| ${cells.map((x) => x.replaceAll('|', '\\|')).join(' | ')} |`);
  }
  for (const target of c.targets ?? []) {
    const r = rows.find((x) => x.name === target.system);
    const verdicts: string[] = [];
    if (target.time !== undefined) {
      const t = ratio(r?.seconds, base?.seconds);
      verdicts.push(
        `time ≤ ${target.time}x: ${t === undefined ? 'not measured' : verdict(t, target.time, (x, y) => x <= y)}`,
      );
    }
    if (target.memory !== undefined) {
      const m = ratio(r?.peakMB, base?.peakMB);
      verdicts.push(
        `peak RSS < ${target.memory}x: ${m === undefined ? 'not measured' : verdict(m, target.memory, (x, y) => x < y)}`,
      );
    }
    lines.push('', `Target for ${target.system}: ${verdicts.join('; ')}.`);
  }
  return lines.join('\n');
}

function verdict(value: number, limit: number, ok: (x: number, y: number) => boolean): string {
  return ok(value, limit)
    ? `${value.toFixed(2)}x, met`
    : `${value.toFixed(2)}x, **missed** by ${((value / limit - 1) * 100).toFixed(0)}%`;
}

function fmt(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2);
}

/** Whether a Python module imports (and, for PySpark, Java runs). Returns why not, or undefined. */
function pythonMissing(module: string, needsJava = false): string | undefined {
  const py = spawnSync('python3', ['-c', `import ${module}`], { stdio: 'ignore' });
  if (py.error !== undefined || py.status !== 0) return `skipped: python3 module ${module} not installed`;
  if (needsJava) {
    const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
    if (java.error !== undefined || java.status !== 0) return 'skipped: java not found';
  }
  return undefined;
}

export type PythonSystem = 'pysparkling' | 'pyspark';

/**
 * The pysparkling and PySpark `local[2]` rows of a table: each runs
 * `python3 bench/py/<script> <args(system)> <repeat>` (pysparkling once,
 * PySpark twice: its first run warms the JVM), or is skipped, and says why,
 * under `--no-python` (`off`) or when the module or Java is missing. `args`
 * runs only for a row that will be measured (it may write input files).
 */
export function pythonSystems(
  off: boolean,
  script: string,
  args: (system: PythonSystem) => string[],
): System[] {
  const rows: [string, PythonSystem, number][] = [
    ['pysparkling 0.6.2', 'pysparkling', 1],
    ['PySpark local[2]', 'pyspark', 2],
  ];
  return rows.map(([name, system, repeat]): System => {
    const missing = off ? 'skipped: --no-python' : pythonMissing(system, system === 'pyspark');
    if (missing !== undefined) return { name, skip: missing };
    const path = fileURLToPath(new URL(`py/${script}`, import.meta.url));
    return { name, external: { command: 'python3', args: [path, ...args(system), String(repeat)] } };
  });
}
