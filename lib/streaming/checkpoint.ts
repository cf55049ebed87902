/**
 * Checkpoint files: what a restarted program needs to resume its streams.
 * One file per checkpoint, `checkpoint-<batch time>`, holding the batch
 * duration, the zero time and last batch time, the kept RDD contents of the
 * stateful and windowed streams (by their position in the graph, with their
 * operator names to check the graph is the same), and the file sources' seen
 * files. Values are written with V8's serializer (the structured clone
 * algorithm: Maps, Sets, Dates, typed arrays, bigints and `undefined`
 * survive; class instances come back as plain objects). A checkpoint is
 * written under a temporary name and renamed into place, so a crash never
 * leaves a partial one; the two newest are kept.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as v8 from 'node:v8';
import { ArgumentError } from '../errors.js';

export const CHECKPOINT_VERSION = 1;
const NAME = /^checkpoint-(\d+)$/;
const KEEP = 2;

/** The kept RDDs of one stream: `[batch time, partitions]`. */
export interface StreamCheckpoint {
  readonly id: number;
  readonly label: string;
  readonly rdds: [number, unknown[][]][];
}

export interface SourceCheckpoint {
  readonly id: number;
  readonly label: string;
  readonly state: unknown;
}

export interface CheckpointData {
  readonly version: number;
  readonly batchMs: number;
  readonly zeroTime: number;
  /** The last batch whose outputs all ran. */
  readonly time: number;
  /** Operator names of the whole graph in creation order: a restart must set up the same graph. */
  readonly graph: string[];
  readonly streams: StreamCheckpoint[];
  readonly sources: SourceCheckpoint[];
}

/** A checkpoint directory argument as a local path (ArgumentError for other filesystems). */
export function checkpointDirectory(dir: unknown): string {
  if (typeof dir !== 'string' || dir.trim() === '')
    throw new ArgumentError(`directory must be a non-empty string, got ${String(dir)}`);
  if (/^file:/i.test(dir)) return fileURLToPath(dir);
  if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(dir))
    throw new ArgumentError(`checkpoint directory must be a local path or file:// URL, got ${dir}`);
  return dir;
}

/** Writes a checkpoint atomically and removes all but the newest ones. */
export async function writeCheckpoint(dir: string, data: CheckpointData): Promise<void> {
  await fsp.mkdir(dir, { recursive: true });
  const name = `checkpoint-${data.time}`;
  const tmp = path.join(dir, `.${name}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, v8.serialize(data));
  await fsp.rename(tmp, path.join(dir, name));
  const all = checkpointTimes(await fsp.readdir(dir));
  for (const t of all.slice(KEEP)) await fsp.rm(path.join(dir, `checkpoint-${t}`), { force: true });
}

/** Checkpoint times found among file names, newest first. */
function checkpointTimes(names: readonly string[]): number[] {
  const times: number[] = [];
  for (const n of names) {
    const m = NAME.exec(n);
    if (m) times.push(Number(m[1]));
  }
  return times.sort((a, b) => b - a);
}

function isCheckpoint(x: unknown): x is CheckpointData {
  if (typeof x !== 'object' || x === null) return false;
  const c = x as Partial<CheckpointData>;
  return (
    c.version === CHECKPOINT_VERSION &&
    typeof c.batchMs === 'number' &&
    typeof c.zeroTime === 'number' &&
    typeof c.time === 'number' &&
    Array.isArray(c.graph) &&
    Array.isArray(c.streams) &&
    Array.isArray(c.sources)
  );
}

/** The newest readable checkpoint in `dir`, or undefined when there is none (a missing directory included). */
export function readCheckpoint(dir: string): CheckpointData | undefined {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  for (const t of checkpointTimes(names)) {
    try {
      const data: unknown = v8.deserialize(fs.readFileSync(path.join(dir, `checkpoint-${t}`)));
      if (isCheckpoint(data)) return data;
    } catch {
      // A damaged file: fall back to the one before it.
    }
  }
  return undefined;
}
