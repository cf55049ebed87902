/**
 * xz (`.xz`) and LZMA_alone (`.lzma`). Decoding runs the `xz` program
 * (`xz -dc`, which reads both formats, streamed through its stdin/stdout)
 * when it is on PATH, else sparkling's own streaming TypeScript decoder
 * (`lzma-js.ts`). Encoding (`saveAsTextFile(path, 'xz')`) needs the program
 * (`xz -c -T1`: one thread, the CPU is the engine's).
 *
 * Set `SPARKLING_XZ=js` to force the TypeScript decoder (tests use it), or
 * `SPARKLING_XZ=/path/to/xz` to name the program.
 */
import { CodecError } from '../../errors.js';
import { messageOf, rethrowKnown } from '../util.js';
import { decodeLzmaJs, decodeXzJs } from './lzma-js.js';
import { findProgram, runProgram } from './program.js';
import { unlessEmpty } from './through.js';
import type { Codec } from './types.js';

/** The xz program to run, or null to use the TypeScript decoder. */
export const xzProgram = (): Promise<string | null> => findProgram('xz', 'SPARKLING_XZ');

async function* decode(
  input: AsyncIterable<Uint8Array>,
  path: string,
  format: 'xz' | 'lzma',
): AsyncGenerator<Uint8Array> {
  const program = await xzProgram();
  try {
    if (program !== null) {
      yield* runProgram(
        program,
        ['-dc', `--format=${format}`],
        input,
        path,
        `corrupt or truncated ${format} data`,
      );
    } else if (format === 'xz') yield* decodeXzJs(input, path);
    else yield* decodeLzmaJs(input, path);
  } catch (e) {
    rethrowKnown(e);
    throw new CodecError(path, `${format}: ${messageOf(e)}`, { cause: e });
  }
}

async function* encode(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const program = await xzProgram();
  if (program === null) throw new CodecError(path, 'writing xz needs the xz program on PATH');
  yield* runProgram(program, ['-c', '-T1'], input, path, 'xz failed');
}

export const xzCodec: Codec = {
  name: 'xz',
  suffix: '.xz',
  suffixes: ['.xz'],
  decode: (input, path) => unlessEmpty(input, (bytes) => decode(bytes, path, 'xz')),
  encode,
  canEncode: async () => (await xzProgram()) !== null,
};

export const lzmaCodec: Codec = {
  name: 'lzma',
  suffix: '.lzma',
  suffixes: ['.lzma'],
  decode: (input, path) => unlessEmpty(input, (bytes) => decode(bytes, path, 'lzma')),
};
