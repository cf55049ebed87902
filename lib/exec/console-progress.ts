/**
 * Spark's console progress bar (`spark.ui.showConsoleProgress`), for
 * `new Context({ progress: true })`: on stderr when it is a terminal, for
 * the stages that have run longer than 500 ms, one bar per stage (at most
 * three) counting the stage's tasks:
 *
 *     [Stage 3:=========>                            (12 + 2) / 40]
 *
 * redrawn at most every 200 ms (and only when it changed), over itself
 * with a carriage return, and wiped when a job ends. Nothing is written
 * when stderr is not a terminal.
 */
import type { ProgressState, StageState } from './progress.js';

/** What the bar writes to: a terminal's stream (`process.stderr`). */
export interface Terminal {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** Stages show once they have run this long (Spark's firstDelayMSec). */
export const FIRST_DELAY_MS = 500;
/** The bar is redrawn at most this often (Spark's updatePeriodMSec). */
export const UPDATE_MS = 200;
/** At most this many stages side by side, as Spark. */
const MAX_STAGES = 3;

/** One stage's bar in `width` characters, as Spark draws it. */
export function stageBar(
  s: Pick<StageState, 'stageId' | 'numTasks'>,
  done: number,
  running: number,
  width: number,
): string {
  const header = `[Stage ${s.stageId}:`;
  const tailer = `(${done} + ${running}) / ${s.numTasks}]`;
  const w = width - header.length - tailer.length;
  let bar = '';
  if (w > 0) {
    const percent = s.numTasks === 0 ? w : Math.floor((w * done) / s.numTasks);
    for (let i = 0; i < w; i++) bar += i < percent ? '=' : i === percent ? '>' : ' ';
  }
  return header + bar + tailer;
}

export class ConsoleProgressBar {
  private timer: ReturnType<typeof setInterval> | undefined;
  /** What is on the terminal's line now ('' when nothing). */
  private shown = '';
  private shownAt = 0;
  /** When the bar was last considered for drawing. */
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly state: ProgressState,
    private readonly terminal: Terminal,
  ) {
    state.endWatchers.add(() => this.jobEnded());
    state.startWatchers.add(() => this.start());
    // A job of in-memory data may run its tasks back to back without a timer getting its turn:
    // the tasks' own events draw too (no more often than the timer would).
    state.watchers.add(() => this.refresh());
  }

  /** The terminal's width (a pseudo-terminal without a size says 0), else `COLUMNS` as Spark reads it, else 80. */
  private width(): number {
    const columns = this.terminal.columns;
    if (columns !== undefined && Number.isInteger(columns) && columns > 0) return columns;
    const env = Number.parseInt(process.env.COLUMNS ?? '', 10);
    return Number.isInteger(env) && env > 0 ? env : 80;
  }

  /** A job started: the timer runs while any job does (it never keeps the process alive). */
  private start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.refresh(), UPDATE_MS);
    this.timer.unref?.();
  }

  /**
   * Draws the stages that have run long enough, if the bar changed (or a
   * minute went by, as Spark); at most every UPDATE_MS, whoever asks.
   */
  refresh(): void {
    const now = performance.now();
    if (now - this.checkedAt < UPDATE_MS) return;
    this.checkedAt = now;
    const stages = this.state
      .activeStages()
      .filter((s) => s.startedAt !== undefined && now - s.startedAt >= FIRST_DELAY_MS)
      .slice(0, MAX_STAGES);
    if (stages.length === 0) return;
    const width = Math.floor(this.width() / stages.length);
    let bar = '';
    for (const s of stages) bar += stageBar(s, s.numCompletedTasks, s.numActiveTasks, width);
    if (bar !== this.shown || now - this.shownAt > 60_000) {
      this.terminal.write(`\r${bar}\r`);
      this.shownAt = now;
    }
    this.shown = bar;
  }

  /** A job ended: the bar is wiped; the timer stops when no job runs. */
  private jobEnded(): void {
    if (this.shown !== '') {
      this.terminal.write(`\r${' '.repeat(this.width())}\r`);
      this.shown = '';
    }
    if (this.state.activeJobIds().length === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
