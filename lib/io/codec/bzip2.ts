/**
 * bzip2 (`.bz2`). Decoding runs the `bzip2` program (`bzip2 -dc`, streamed
 * through its stdin/stdout; measured 26 MB/s here) when it is on PATH, else
 * the pure-JS `unbzip2-stream` package (4 MB/s). Encoding needs the program
 * (`bzip2 -c`): there is no pure-JS bzip2 compressor among the dependencies.
 *
 * Set `SPARKLING_BZIP2=js` to force the pure-JS decoder (tests use it), or
 * `SPARKLING_BZIP2=/path/to/bzip2` to name the program.
 */
import { CodecError, IOError } from '../../errors.js';
import { messageOf, rethrowKnown } from '../util.js';
import { findProgram, runProgram } from './program.js';
import { unlessEmpty } from './through.js';
import type { Codec } from './types.js';

/** The bzip2 program to run, or null to use the pure-JS decoder. */
export const bzip2Program = (): Promise<string | null> => findProgram('bzip2', 'SPARKLING_BZIP2');

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
    else yield* runProgram(program, ['-dc'], input, path, 'corrupt or truncated bzip2 data');
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
  yield* runProgram(program, ['-c'], input, path, 'bzip2 failed');
}

export const bzip2Codec: Codec = {
  name: 'bzip2',
  suffix: '.bz2',
  suffixes: ['.bz2'],
  decode: (input, path) => unlessEmpty(input, (bytes) => decode(bytes, path)),
  encode,
};
