/**
 * What a Context's jobs are doing, stage by stage: the state behind
 * `sc.statusTracker()`, `new Context({ onProgress })` and the console
 * progress bar. A listener of the Runtime (runtime.ts): jobs report their
 * stages, tasks and what their sources read, synchronously and a batch at a
 * time (never per element); this keeps counts, as Spark's status store does.
 *
 * Ids are the Context's own, from 0 as in PySpark: a job's id when it
 * starts, a stage's id when its job starts (every stage of the job, in the
 * order they run: map stages before the stages that read them). A stage
 * that never runs (a cached RDD already filled) keeps its id unused, as
 * Spark's skipped stages do.
 */
import type { Stage, StageGraph } from '../plan/stages.js';
import type { JobListener } from './runtime.js';

/** One stage's progress, as `onProgress` receives it and `getStageInfo` reports it. */
export interface StageProgress {
  readonly jobId: number;
  readonly stageId: number;
  /** Its tasks: one per partition the stage computes. */
  readonly numTasks: number;
  /** Tasks running now. */
  readonly numActiveTasks: number;
  /** Tasks that ended well. */
  readonly numCompletedTasks: number;
  /** Tasks that failed (after their retries). */
  readonly numFailedTasks: number;
  /** Elements the stage's sources (files, `parallelize`, ...) handed on so far. */
  readonly recordsRead: number;
  /** Stored bytes of the file splits the stage's sources finished reading. */
  readonly bytesRead: number;
}

/** PySpark's job statuses. */
export type JobStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface JobState {
  readonly jobId: number;
  /** The job's stages, in the order they run. */
  readonly stageIds: number[];
  status: JobStatus;
  /** The job group (`setJobGroup`) it was started in. */
  readonly group: string | undefined;
}

export interface StageState {
  readonly jobId: number;
  readonly stageId: number;
  /** The operator whose partitions the stage computes, and its RDD id: `reduceByKey[3]`. */
  readonly name: string;
  /** The map stages whose shuffle outputs it reads: it waits for them, as in Spark. */
  readonly parents: readonly number[];
  /** When its tasks started (`performance.now()`), or undefined while it waits. */
  startedAt: number | undefined;
  /** Whether it ended: all its tasks ended, or its job did. */
  done: boolean;
  numTasks: number;
  numActiveTasks: number;
  numCompletedTasks: number;
  numFailedTasks: number;
  recordsRead: number;
  bytesRead: number;
  /** When `onProgress` last heard of it. */
  reportedAt: number;
}

/** Finished jobs (and their stages) kept for the status tracker's questions, as Spark's `spark.ui.retainedJobs`. */
const RETAINED_JOBS = 1000;
/** `onProgress` hears of what sources read at most this often per stage; task events always. */
const READ_REPORT_MS = 100;

export class ProgressState implements JobListener {
  /** Jobs by the Context's id, oldest first (finished ones beyond RETAINED_JOBS are dropped). */
  readonly jobs = new Map<number, JobState>();
  readonly stages = new Map<number, StageState>();
  /** Who hears of every change: the Context's `onProgress`, the console bar. */
  readonly watchers = new Set<(stage: StageState) => void>();
  /** Hear that a job started, and that one ended. */
  readonly startWatchers = new Set<(job: JobState) => void>();
  readonly endWatchers = new Set<(job: JobState) => void>();
  private nextJob = 0;
  private nextStage = 0;
  /** The running jobs' ids and their stages' ids, by the runtime's job number and stage. */
  private readonly running = new Map<number, { job: JobState; stages: Map<Stage, number> }>();

  constructor(private readonly group: () => string | undefined = () => undefined) {}

  jobStarted(job: number, graph: StageGraph): void {
    const state: JobState = { jobId: this.nextJob++, stageIds: [], status: 'RUNNING', group: this.group() };
    const stages = new Map<Stage, number>();
    for (const s of graph.stages) {
      const stageId = this.nextStage++;
      stages.set(s, stageId);
      state.stageIds.push(stageId);
      const parents: number[] = [];
      for (const r of s.shuffles) {
        const p = stages.get(r.from);
        if (p !== undefined && !parents.includes(p)) parents.push(p);
      }
      this.stages.set(stageId, {
        jobId: state.jobId,
        stageId,
        name: `${s.output.op}[${s.output.id}]`,
        parents,
        startedAt: undefined,
        done: false,
        numTasks: 0,
        numActiveTasks: 0,
        numCompletedTasks: 0,
        numFailedTasks: 0,
        recordsRead: 0,
        bytesRead: 0,
        reportedAt: 0,
      });
    }
    this.jobs.set(state.jobId, state);
    this.running.set(job, { job: state, stages });
    this.forget();
    for (const w of this.startWatchers) w(state);
  }

  private stage(job: number, stage: Stage | undefined): StageState | undefined {
    if (stage === undefined) return undefined;
    const id = this.running.get(job)?.stages.get(stage);
    return id === undefined ? undefined : this.stages.get(id);
  }

  private tell(s: StageState): void {
    s.reportedAt = performance.now();
    for (const w of this.watchers) w(s);
  }

  stageStarted(job: number, stage: Stage, tasks: number): void {
    const s = this.stage(job, stage);
    if (s === undefined) return;
    // A stage whose tasks are asked for again within its job (a take() that reads further) counts them once.
    if (s.startedAt === undefined) {
      s.startedAt = performance.now();
      s.numTasks = tasks;
    } else s.numTasks = Math.max(s.numTasks, tasks);
    s.done = s.numTasks === 0;
    this.tell(s);
  }

  taskStarted(job: number, stage: Stage): void {
    const s = this.stage(job, stage);
    if (s === undefined) return;
    s.numActiveTasks++;
    this.tell(s);
  }

  taskEnded(job: number, stage: Stage, _partition: number, error: unknown, killed: boolean): void {
    const s = this.stage(job, stage);
    if (s === undefined) return;
    s.numActiveTasks = Math.max(0, s.numActiveTasks - 1);
    // A task stopped because its job was aborted first is killed, not failed (Spark counts them apart).
    if (error === undefined) s.numCompletedTasks++;
    else if (!killed) s.numFailedTasks++;
    if (s.numCompletedTasks + s.numFailedTasks >= s.numTasks && s.numActiveTasks === 0) s.done = true;
    this.tell(s);
  }

  inputRead(job: number, stage: Stage | undefined, _nodeId: number, records: number, bytes: number): void {
    const s = this.stage(job, stage);
    if (s === undefined) return;
    s.recordsRead += records;
    s.bytesRead += bytes;
    if (this.watchers.size > 0 && performance.now() - s.reportedAt >= READ_REPORT_MS) this.tell(s);
  }

  jobEnded(job: number, error: unknown): void {
    const run = this.running.get(job);
    if (run === undefined) return;
    this.running.delete(job);
    run.job.status = error === undefined ? 'SUCCEEDED' : 'FAILED';
    for (const id of run.job.stageIds) {
      const s = this.stages.get(id);
      if (s === undefined || s.done) continue;
      s.done = true;
      // Tasks still counted as running were abandoned with their job (take() stops early, a failure elsewhere).
      s.numActiveTasks = 0;
      if (s.startedAt !== undefined) this.tell(s);
    }
    for (const w of this.endWatchers) w(run.job);
  }

  /**
   * Whether a started stage still waits for a map stage it reads (its tasks
   * have started and wait for the shuffle's outputs, whose map stage they
   * start): Spark does not count it as running yet.
   */
  waiting(s: StageState): boolean {
    for (const id of s.parents) if (this.stages.get(id)?.done === false) return true;
    return false;
  }

  /** The stages running now: started, not ended nor waiting, of running jobs; oldest first. */
  activeStages(): StageState[] {
    const out: StageState[] = [];
    for (const { job } of this.running.values())
      for (const id of job.stageIds) {
        const s = this.stages.get(id);
        if (s !== undefined && s.startedAt !== undefined && !s.done && !this.waiting(s)) out.push(s);
      }
    return out.sort((a, b) => a.stageId - b.stageId);
  }

  /** A stage's figures as `onProgress` receives them (a fresh plain object): a waiting stage runs no task yet. */
  progressOf(s: StageState): StageProgress {
    return {
      jobId: s.jobId,
      stageId: s.stageId,
      numTasks: s.numTasks,
      numActiveTasks: this.waiting(s) ? 0 : s.numActiveTasks,
      numCompletedTasks: s.numCompletedTasks,
      numFailedTasks: s.numFailedTasks,
      recordsRead: s.recordsRead,
      bytesRead: s.bytesRead,
    };
  }

  /** The ids of the running jobs. */
  activeJobIds(): number[] {
    return [...this.running.values()].map((r) => r.job.jobId).sort((a, b) => a - b);
  }

  /** Drops the oldest finished jobs beyond RETAINED_JOBS, with their stages. */
  private forget(): void {
    let extra = this.jobs.size - RETAINED_JOBS;
    if (extra <= 0) return;
    for (const [id, job] of this.jobs) {
      if (extra <= 0) break;
      if (job.status === 'RUNNING') continue;
      for (const s of job.stageIds) this.stages.delete(s);
      this.jobs.delete(id);
      extra--;
    }
  }
}
