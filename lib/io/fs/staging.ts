/**
 * Names of the hidden directories outputs are staged in, and which of them
 * a killed writer left behind. A staging directory's name says who writes
 * it: `.<name>.sparkling-tmp-<host>.<pid>.<start>-<random>`, `start` being
 * the process's start time (so a reused pid is not taken for the writer).
 * A later save into the same parent removes the ones whose writer no longer
 * exists on this host (killed with `kill -9`, or by a Ctrl-C it had no
 * handler for); a live writer's, or another host's, are never touched.
 */
import { promises as fsp } from 'node:fs';
import { hostname } from 'node:os';
import { codeOf } from '../util.js';

/** This process's start time as the kernel counts it (Linux); '0' where unknown. */
async function startTimeOf(pid: number): Promise<string | null> {
  try {
    const stat = await fsp.readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 22, counted after the command name's closing parenthesis (the name may hold spaces).
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

const host = (): string => hostname().replace(/[^A-Za-z0-9.-]/g, '_') || 'localhost';

let self: Promise<string> | undefined;

/** The prefix of this process's staging directory for output `name` (a random suffix follows). */
export async function stagingPrefix(name: string): Promise<string> {
  self ??= startTimeOf(process.pid).then((s) => s ?? '0');
  return `.${name}.sparkling-tmp-${host()}.${process.pid}.${await self}-`;
}

const STAGING = /^\..*\.sparkling-tmp-(.+)\.(\d+)\.(\d+)-[A-Za-z0-9]+$/;

/** Whether `entry`, a name in an output's parent directory, is a staging directory whose writer is gone from this host. */
export async function isAbandonedStaging(entry: string): Promise<boolean> {
  const m = STAGING.exec(entry);
  if (m === null || m[1] !== host()) return false;
  const pid = Number(m[2]);
  try {
    process.kill(pid, 0);
  } catch (e) {
    return codeOf(e) === 'ESRCH';
  }
  // A process with that pid exists: the writer, unless it started at another time (a reused pid).
  if (m[3] === '0') return false;
  const start = await startTimeOf(pid);
  return start !== null && start !== m[3];
}
