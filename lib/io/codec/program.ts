/**
 * Codecs backed by an external program (`bzip2`, `xz`, `zstd`): finding the
 * program on PATH, and streaming bytes through it.
 */
import { spawn } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { CodecError, IOError } from '../../errors.js';
import { messageOf } from '../util.js';
import { through } from './through.js';

const found = new Map<string, Promise<string | null>>();

/**
 * The program `name` to run, or null to use a pure-JS codec: the setting of
 * environment variable `envVar` when it names a program (`js` forces the
 * pure-JS codec; `program` asks for the PATH search), else `name` found on
 * PATH (looked up once per PATH).
 */
export function findProgram(name: string, envVar: string): Promise<string | null> {
  const setting = process.env[envVar] ?? '';
  if (setting === 'js') return Promise.resolve(null);
  if (setting !== '' && setting !== 'program') return Promise.resolve(setting);
  const pathVar = process.env.PATH ?? '';
  const key = `${name}\0${pathVar}`;
  let p = found.get(key);
  if (!p) {
    p = (async () => {
      for (const dir of pathVar.split(nodePath.delimiter)) {
        if (dir === '') continue;
        const candidate = nodePath.join(dir, name);
        try {
          await fsp.access(candidate, constants.X_OK);
          return candidate;
        } catch {}
      }
      return null;
    })();
    found.set(key, p);
  }
  return p;
}

/**
 * Runs `program args`, streaming `input` to its stdin and yielding its
 * stdout. A non-zero exit is a CodecError naming `path` (`what` says which
 * data: `corrupt or truncated xz data: <stderr>`); a program that cannot be
 * started is an IOError. Stopping early kills the process and waits for it.
 */
export async function* runProgram(
  program: string,
  args: string[],
  input: AsyncIterable<Uint8Array>,
  path: string,
  what: string,
): AsyncGenerator<Uint8Array> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let spawnError: unknown;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  child.stdin.on('error', () => undefined); // EPIPE when the program quits early: the exit status tells why
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('error', (e) => {
      spawnError = e;
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => resolve({ code, signal }));
  });
  let done = false;
  try {
    yield* through(input, child.stdin, child.stdout);
    const { code, signal } = await exited;
    done = true;
    if (spawnError !== undefined) {
      throw new IOError(path, `cannot run ${program}: ${messageOf(spawnError)}`, { cause: spawnError });
    }
    if (code !== 0) {
      const why = stderr.replace(/\s+/g, ' ').trim() || `exit ${code ?? signal}`;
      throw new CodecError(path, `${what}: ${why}`);
    }
  } finally {
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/**
 * Feeds `input` into a synchronous push decoder (`push(chunk, final)`, output
 * through the `out` array it fills) and yields what it produces, chunk by
 * chunk: the shape of fflate's and fzstd's streaming decoders.
 */
export async function* pushDecode(
  input: AsyncIterable<Uint8Array>,
  out: Uint8Array[],
  push: (chunk: Uint8Array, final: boolean) => void,
): AsyncGenerator<Uint8Array> {
  for await (const chunk of input) {
    push(chunk, false);
    while (out.length > 0) yield out.shift()!;
  }
  push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
}
