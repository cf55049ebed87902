/** Shared helpers of the I/O specs (not a spec file itself). */
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';
import { type InputSplit, type IoOptions, planTextSplits, readTextSplit } from '../../lib/io/index.js';

/** A fresh temporary directory, removed when the test file's process exits. */
export async function tempDir(prefix = 'sparkling-io-'): Promise<string> {
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), prefix));
  process.once('exit', () => execFileSync('rm', ['-rf', dir]));
  return dir;
}

/** All lines of one split, and the batch sizes seen. */
export async function splitLinesOf(split: InputSplit, opts: IoOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for await (const batch of readTextSplit(split, opts)) for (const line of batch) out.push(line);
  return out;
}

/** textFile(paths, minPartitions).collect(): every split's lines in split order. */
export async function readAll(paths: string, minPartitions = 1, opts: IoOptions = {}): Promise<string[]> {
  const out: string[] = [];
  for (const s of await planTextSplits(paths, minPartitions, opts)) {
    for (const line of await splitLinesOf(s, opts)) out.push(line);
  }
  return out;
}

/** Asserts that `promise` rejects with an error of class `cls` whose message includes every one of `parts`. */
export async function rejectsWith(
  t: ExecutionContext,
  promise: Promise<unknown>,
  cls: abstract new (...args: never[]) => Error,
  ...parts: string[]
): Promise<Error> {
  const err = await t.throwsAsync(promise);
  t.true(err instanceof cls, `expected ${cls.name}, got ${err?.name}: ${err?.message}`);
  for (const p of parts) t.true(err?.message.includes(p), `message '${err?.message}' should include '${p}'`);
  return err as Error;
}

/** Lines of random content (ASCII, accents, CJK, emoji, empty lines). */
export function randomLines(n: number, seed: number): string[] {
  let s = seed;
  const rnd = (): number => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
  const words = ['alpha', 'beta', 'é', '日本語', '𝄞', 'x', '', 'longer-word-here', '42'];
  return Array.from({ length: n }, () =>
    Array.from({ length: Math.floor(rnd() * 8) }, () => words[Math.floor(rnd() * words.length)]).join(' '),
  );
}
