/**
 * Progress: `new Context({ onProgress })`, `sc.statusTracker()` and the
 * console progress bar (`progress: true`), the last through a real
 * pseudo-terminal (`script`) and through pipes. The second pass of
 * `npm test` runs all of it with two worker threads (SPARKLING_WORKERS=2).
 */
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { ArgumentError, Context, type StageProgress } from '../../lib/index.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const app = join(root, 'spec', 'fixtures', 'progress', 'app.ts');

/** The last update of each stage, and every update in order. */
function recorder(): { updates: StageProgress[]; last: Map<number, StageProgress> } {
  return { updates: [], last: new Map() };
}

test('onProgress: every stage reports its tasks and what its sources read, ending complete', async (t) => {
  const rec = recorder();
  const sc = new Context({
    defaultParallelism: 2,
    onProgress: (p) => {
      rec.updates.push(p);
      rec.last.set(p.stageId, p);
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'sparkling-progress-'));
  const file = join(dir, 'words.txt');
  const text = `${Array.from({ length: 3000 }, (_, i) => `w${i % 5} x${i % 2}`).join('\n')}\n`;
  writeFileSync(file, text);
  const counts = await sc
    .textFile(file, 3)
    .flatMap((l) => l.split(' ').map((w) => [w, 1]))
    .reduceByKey((a, b) => a + b, 4)
    .collectAsMap();
  t.is(counts.get('w0'), 600);
  const stages = [...rec.last.values()].sort((a, b) => a.stageId - b.stageId);
  t.is(stages.length, 2, 'the map stage and the result stage');
  const [map, result] = stages as [StageProgress, StageProgress];
  t.deepEqual(
    Object.keys(map).sort(),
    [
      'bytesRead',
      'jobId',
      'numActiveTasks',
      'numCompletedTasks',
      'numFailedTasks',
      'numTasks',
      'recordsRead',
      'stageId',
    ],
    'the documented shape, nothing else',
  );
  t.is(map.jobId, result.jobId);
  t.true(map.numTasks >= 3, 'one task per split');
  t.is(map.numCompletedTasks, map.numTasks);
  t.is(map.numActiveTasks, 0);
  t.is(map.numFailedTasks, 0);
  t.is(map.recordsRead, 3000, 'the lines read');
  t.is(map.bytesRead, Buffer.byteLength(text), "the file's bytes");
  t.is(result.numTasks, 4);
  t.is(result.numCompletedTasks, 4);
  t.is(result.recordsRead, 0, 'a shuffle read is not a source');
  // Per stage, the counts only grow, and never pass the task count.
  const seen = new Map<number, StageProgress>();
  for (const u of rec.updates) {
    const before = seen.get(u.stageId);
    if (before !== undefined) {
      t.true(u.numCompletedTasks >= before.numCompletedTasks);
      t.true(u.recordsRead >= before.recordsRead);
    }
    t.true(u.numCompletedTasks + u.numActiveTasks + u.numFailedTasks <= u.numTasks);
    seen.set(u.stageId, u);
  }
  t.true(
    rec.updates.some((u) => u.numActiveTasks > 0),
    'running tasks are reported while they run',
  );
  sc.stop();
});

test('onProgress: a failed task is counted; a callback that throws is reported once and the job goes on', async (t) => {
  const rec = recorder();
  let calls = 0;
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => {
    if (w.code === 'SPARKLING_ON_PROGRESS') warnings.push(w.message);
  };
  process.on('warning', onWarning);
  const sc = new Context({
    defaultParallelism: 2,
    onProgress: (p) => {
      rec.last.set(p.stageId, p);
      calls++;
    },
  });
  await t.throwsAsync(
    sc
      .parallelize([1, 2, 3, 4], 4)
      .map((x) => {
        if (x === 3) throw new Error('boom');
        return x;
      })
      .collect(),
  );
  const [stage] = [...rec.last.values()];
  t.is(stage?.numFailedTasks, 1);
  t.is(stage?.numActiveTasks, 0);
  t.true(calls > 0);

  const throwing = new Context({
    defaultParallelism: 2,
    onProgress: () => {
      throw new Error('display gone');
    },
  });
  t.is(await throwing.parallelize([1, 2, 3], 3).count(), 3);
  t.is(await throwing.parallelize([1, 2, 3], 3).count(), 3);
  await new Promise((r) => setImmediate(r));
  process.off('warning', onWarning);
  t.deepEqual(warnings, ['onProgress threw (ignored from now on): display gone']);
  throwing.stop();
  sc.stop();
});

test('progress and onProgress are checked', (t) => {
  t.throws(() => new Context({ progress: 'yes' as unknown as boolean }), {
    instanceOf: ArgumentError,
    message: /progress must be a boolean/,
  });
  t.throws(() => new Context({ onProgress: 1 as unknown as () => void }), {
    instanceOf: ArgumentError,
    message: /onProgress must be a function/,
  });
  t.throws(() => new Context({ onprogress: () => {} } as object), {
    instanceOf: ArgumentError,
    message: /'onprogress' \(did you mean 'onProgress'\?\)/,
  });
});

test('statusTracker: running jobs and stages with their task counts, then their outcome', async (t) => {
  const sc = new Context({ defaultParallelism: 2, concurrency: 2 });
  const tracker = sc.statusTracker();
  t.deepEqual(tracker.getActiveJobIds(), []);
  t.deepEqual(tracker.getActiveStageIds(), []);
  t.is(tracker.getJobInfo(0), undefined);
  t.is(tracker.getStageInfo(0), undefined);
  // A job whose tasks wait for us: its partition function holds until released.
  let release!: () => void;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let started = 0;
  const job = sc
    .parallelize([1, 2, 3, 4, 5, 6], 6)
    .mapPartitions(async function* (it) {
      started++;
      await gate;
      yield* it;
    })
    .count();
  while (started < 2) await new Promise((r) => setTimeout(r, 5));
  const [jobId] = tracker.getActiveJobIds();
  t.is(jobId, 0);
  const info = tracker.getJobInfo(0);
  t.is(info?.status, 'RUNNING');
  t.deepEqual(tracker.getActiveStageIds(), info?.stageIds);
  const running = tracker.getStageInfo(info?.stageIds[0] as number);
  t.like(running, { jobId: 0, numTasks: 6, numActiveTasks: 2, numCompletedTasks: 0, numFailedTasks: 0 });
  t.is(running?.currentAttemptId, 0);
  t.regex(running?.name ?? '', /^mapPartitions\[\d+\]$/);
  release();
  t.is(await job, 6);
  t.deepEqual(tracker.getActiveJobIds(), []);
  t.deepEqual(tracker.getActiveStageIds(), []);
  t.is(tracker.getJobInfo(0)?.status, 'SUCCEEDED');
  t.like(tracker.getStageInfo(info?.stageIds[0] as number), {
    numTasks: 6,
    numActiveTasks: 0,
    numCompletedTasks: 6,
    recordsRead: 6,
  });

  // A word count: a map stage, then the result stage that reads it.
  await sc
    .parallelize(['a b', 'b'], 2)
    .flatMap((l) => l.split(' ').map((w) => [w, 1]))
    .reduceByKey((a, b) => a + b, 3)
    .collect();
  const wc = tracker.getJobInfo(1);
  t.is(wc?.stageIds.length, 2);
  const [mapStage, resultStage] = (wc?.stageIds ?? []).map((id) => tracker.getStageInfo(id));
  t.like(mapStage, { numTasks: 2, numCompletedTasks: 2, recordsRead: 2 });
  t.like(resultStage, { numTasks: 3, numCompletedTasks: 3 });
  t.regex(resultStage?.name ?? '', /^reduceByKey\[\d+\]$/);

  // A failed job; job groups.
  sc.setJobGroup('nightly', 'the nightly report');
  await t.throwsAsync(
    sc
      .parallelize([1], 1)
      .map(() => {
        throw new Error('boom');
      })
      .count(),
  );
  t.is(tracker.getJobInfo(2)?.status, 'FAILED');
  t.like(tracker.getStageInfo(tracker.getJobInfo(2)?.stageIds[0] as number), {
    numFailedTasks: 1,
    numCompletedTasks: 0,
  });
  t.deepEqual(tracker.getJobIdsForGroup('nightly'), [2]);
  t.deepEqual(tracker.getJobIdsForGroup(), [0, 1]);
  t.deepEqual(tracker.getJobIdsForGroup('other'), []);
  t.throws(() => tracker.getJobInfo('0' as unknown as number), { instanceOf: ArgumentError });
  sc.stop();
});

/** Whether `script` (util-linux) is here to give the app a pseudo-terminal. */
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the fixture app in a pseudo-terminal: everything it wrote to the terminal, stdout and stderr. */
async function inTerminal(args: string[]): Promise<string> {
  const command = [process.execPath, '--import=tsx', app, ...args].map((a) => `'${a}'`).join(' ');
  const { stdout } = await exec('script', ['-qefc', command, '/dev/null'], {
    cwd: root,
    env: { ...process.env, COLUMNS: '100' },
    timeout: 120_000,
  });
  return stdout;
}

const BAR = /\[Stage (\d+):(=*)(>?) *\((\d+) \+ (\d+)\) \/ (\d+)\]/g;

test('progress: true draws Spark’s bar on a terminal, at most 5 times a second, and wipes it at the end', async (t) => {
  t.timeout(180_000);
  if (!hasScript && process.env.CI === undefined) return t.pass('no `script` here to make a pseudo-terminal');
  t.true(hasScript, '`script` (util-linux) gives the app a pseudo-terminal');
  const out = await inTerminal(['12', '150']);
  const result = /\{"counts".*\}/.exec(out);
  t.truthy(result, out);
  const { counts, ms } = JSON.parse((result as RegExpExecArray)[0]) as { counts: number[][]; ms: number };
  t.deepEqual(counts, [
    [0, 4],
    [1, 4],
    [2, 4],
  ]);
  const bars = [...out.matchAll(BAR)];
  t.true(bars.length > 0, `a bar was drawn: ${JSON.stringify(out.slice(0, 400))}`);
  for (const b of bars) {
    const [, , , , done, running, total] = b.map(Number) as number[];
    t.is(b[0]?.length, 100, 'one stage fills the terminal’s width');
    t.true((done as number) + (running as number) <= (total as number));
  }
  t.true(
    bars.some((b) => b[6] === '12'),
    'the map stage: 12 tasks',
  );
  // Each draw starts with a carriage return; at most one per 200 ms of the job (+1 for rounding).
  t.true(bars.length <= Math.ceil(ms / 200) + 1, `${bars.length} draws in ${ms} ms`);
  // Wiped before the result is printed: a carriage return, the width in spaces, a carriage return.
  const wipe = out.lastIndexOf(`\r${' '.repeat(100)}\r`);
  t.true(wipe > (bars.at(-1)?.index ?? Number.POSITIVE_INFINITY), 'wiped after the last draw');
  t.true(wipe < out.indexOf('{"counts"'), 'wiped before the app prints');
});

test('progress: true draws nothing for a quick job, nor when stderr is not a terminal', async (t) => {
  t.timeout(180_000);
  if (hasScript) {
    // Warmed up first: worker threads take a while to start with the first job.
    const out = await inTerminal(['4', '1', 'warm']);
    const quick = out.slice(out.indexOf('warm'));
    t.regex(quick, /\{"counts"/);
    t.false(quick.includes('[Stage'), 'stages under 500 ms are not shown');
  }
  const piped = await exec(process.execPath, ['--import=tsx', app, '12', '100'], {
    cwd: root,
    timeout: 120_000,
  });
  t.regex(piped.stdout, /^\{"counts".*\}\n$/);
  t.is(piped.stderr, '', 'nothing on stderr when it is not a terminal');
});
