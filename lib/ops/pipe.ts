/**
 * Per-partition body of `rdd.pipe`: spawns the command, writes each element
 * as a line to its stdin while reading its stdout lines, both streamed with
 * backpressure. The child is killed if the consumer stops early or the job is
 * aborted.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { SparklingError } from '../errors.js';
import { BATCH_SIZE, type PartitionOp } from './types.js';

/** Splits a command line like a POSIX shell would (quotes and backslashes), without running a shell. */
export function splitCommand(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else if (c === '\\' && i + 1 < command.length && '"\\$`'.includes(command[i + 1] as string))
        word += command[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) throw new SparklingError(`unterminated quote in command: ${command}`);
  if (inWord) words.push(word);
  return words;
}

/** How long a command may take to exit after SIGTERM before it gets SIGKILL. */
const KILL_AFTER_MS = 200;

/**
 * One partition through `command`. Stopping early, a failure or the job's
 * `signal` kills the command (SIGTERM, then SIGKILL), and the partition ends
 * only once it has exited; a cancelled command's output is never a result.
 */
export async function* pipePartition(
  command: string,
  env: Readonly<Record<string, string>> | undefined,
  checkCode: boolean,
  input: AsyncIterable<unknown[]>,
  signal: AbortSignal,
): AsyncGenerator<string[]> {
  const [file, ...argv] = splitCommand(command);
  if (file === undefined) throw new SparklingError(`empty command: ${command}`);
  const child = spawn(file, argv, { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  exited.catch(() => {});
  // The process itself has ended (its stdout may stay open in a process it started).
  const gone = new Promise<void>((resolve) => {
    if (child.pid === undefined) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  /** Ends the command: SIGTERM, then SIGKILL if it is still there after KILL_AFTER_MS; resolves once it has exited. */
  const kill = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    child.kill('SIGTERM');
    const hard = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await gone;
    clearTimeout(hard);
  };
  // Cancelled: the command is killed at once, whatever it is doing (it may never write or read again).
  const onAbort = () => void kill();
  signal.addEventListener('abort', onAbort, { once: true });
  let writeError: unknown;
  const stopFeed = new AbortController();
  // Once the command has exited, or failed to start (its stdin is then destroyed without an
  // 'error' or 'drain' event), nothing more can be written: the feed must not wait for 'drain'.
  exited.then(
    () => stopFeed.abort(),
    () => stopFeed.abort(),
  );
  const feedSignal = AbortSignal.any([signal, stopFeed.signal]);
  const feed = (async () => {
    try {
      for await (const batch of input) {
        let text = '';
        for (const x of batch) text += `${String(x)}\n`;
        if (!child.stdin.write(text)) await once(child.stdin, 'drain', { signal: feedSignal });
      }
      child.stdin.end();
    } catch (e) {
      // EPIPE: the command stopped reading (e.g. `head`); anything else fails the task.
      if ((e as NodeJS.ErrnoException).code !== 'EPIPE' && !feedSignal.aborted) writeError = e;
      child.stdin.destroy();
    }
  })();
  child.stdin.on('error', () => {});
  try {
    const decoder = new TextDecoder();
    let rest = '';
    let out: string[] = [];
    for await (const chunk of child.stdout) {
      const text = rest + decoder.decode(chunk as Buffer, { stream: true });
      const lines = text.split('\n');
      rest = lines.pop() as string;
      for (const line of lines) out.push(line);
      if (out.length >= BATCH_SIZE) {
        yield out;
        out = [];
      }
    }
    // Killed because the job was cancelled: what it wrote is not its output.
    signal.throwIfAborted();
    rest += decoder.decode();
    if (rest !== '') out.push(rest);
    if (out.length > 0) yield out;
    await feed;
    if (writeError !== undefined) throw writeError;
    const code = await exited;
    if (checkCode && code !== 0)
      throw new SparklingError(`Pipe function \`${command}' exited with error code ${code}`);
  } finally {
    signal.removeEventListener('abort', onAbort);
    stopFeed.abort();
    await kill();
    await feed;
  }
}

export interface PipeArgs {
  readonly command: string;
  readonly env: Readonly<Record<string, string>> | undefined;
  readonly checkCode: boolean;
}

/** `rdd.pipe(command, env, checkCode)`: each partition streamed through an external command. */
export const pipe: PartitionOp<PipeArgs> = {
  kind: 'partition',
  keepsPartitioner: () => false,
  run: (a, input, _partition, env) => pipePartition(a.command, a.env, a.checkCode, input, env.signal),
};
