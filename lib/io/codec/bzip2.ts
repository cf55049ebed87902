/**
 * bzip2 (`.bz2`). Decoding runs the `bzip2` program (`bzip2 -dc`, streamed
 * through its stdin/stdout; measured 26 MB/s here) when it is on PATH, else
 * the pure-JS `unbzip2-stream` package (4 MB/s). Encoding needs the program
 * (`bzip2 -c`): there is no pure-JS bzip2 compressor among the dependencies.
 *
 * Set `SPARKLING_BZIP2=js` to force the pure-JS decoder (tests use it), or
 * `SPARKLING_BZIP2=/path/to/bzip2` to name the program.
 */
import { spawn } from 'node:child_process';
import { constants, promises as fsp } from 'node:fs';
import * as nodePath from 'node:path';
import { CodecError, IOError } from '../../errors.js';
import { messageOf, rethrowKnown } from '../util.js';
import { through, unlessEmpty } from './through.js';
import type { Codec } from './types.js';

const found = new Map<string, Promise<string | null>>();

/** The bzip2 program to run, or null to use the pure-JS decoder. */
export function bzip2Program(): Promise<string | null> {
  const setting = process.env.SPARKLING_BZIP2 ?? '';
  if (setting === 'js') return Promise.resolve(null);
  if (setting !== '') return Promise.resolve(setting);
  const pathVar = process.env.PATH ?? '';
  let p = found.get(pathVar);
  if (!p) {
    p = (async () => {
      for (const dir of pathVar.split(nodePath.delimiter)) {
        if (dir === '') continue;
        const candidate = nodePath.join(dir, 'bzip2');
        try {
          await fsp.access(candidate, constants.X_OK);
          return candidate;
        } catch {}
      }
      return null;
    })();
    found.set(pathVar, p);
  }
  return p;
}

/** Runs `program args`, streaming `input` to its stdin and yielding its stdout; a non-zero exit rejects. */
async function* runProgram(
  program: string,
  args: string[],
  input: AsyncIterable<Uint8Array>,
  path: string,
): AsyncGenerator<Uint8Array> {
  const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let spawnError: unknown;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s;
  });
  child.stdin.on('error', () => undefined); // EPIPE when bzip2 quits early: the exit status tells why
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
      throw new CodecError(path, `corrupt or truncated bzip2 data: ${why}`);
    }
  } finally {
    if (!done) {
      child.kill('SIGKILL');
      await exited;
    }
  }
}

/** Pure-JS decoding with unbzip2-stream (loaded only when needed). */
async function* decodeJs(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const { default: unbzip2Stream } = await import('unbzip2-stream');
  const decoder = unbzip2Stream();
  const out: Uint8Array[] = [];
  let error: unknown;
  let failed = false;
  let ended = false;
  decoder.on('data', (b: Uint8Array) => out.push(b));
  decoder.on('error', (e: unknown) => {
    if (!failed) error = e;
    failed = true;
  });
  decoder.on('end', () => {
    ended = true;
  });
  const check = (): void => {
    if (failed)
      throw new CodecError(path, `corrupt or truncated bzip2 data: ${messageOf(error)}`, { cause: error });
  };
  try {
    for await (const chunk of input) {
      decoder.write(chunk);
      check();
      while (out.length > 0) yield out.shift()!;
    }
    decoder.end();
    check();
    while (out.length > 0) yield out.shift()!;
    if (!ended) throw new CodecError(path, 'corrupt or truncated bzip2 data: decoder did not finish');
  } finally {
    decoder.destroy();
  }
}

async function* decode(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const program = await bzip2Program();
  try {
    if (program === null) yield* decodeJs(input, path);
    else yield* runProgram(program, ['-dc'], input, path);
  } catch (e) {
    rethrowKnown(e);
    throw new CodecError(path, `bzip2: ${messageOf(e)}`, { cause: e });
  }
}

async function* encode(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const program = await bzip2Program();
  if (program === null) {
    throw new IOError(
      path,
      'writing bzip2 needs the bzip2 program on PATH (no pure-JS bzip2 compressor is available)',
    );
  }
  yield* runProgram(program, ['-c'], input, path);
}

export const bzip2Codec: Codec = {
  name: 'bzip2',
  suffix: '.bz2',
  decode: (input, path) => unlessEmpty(input, (bytes) => decode(bytes, path)),
  encode,
};
