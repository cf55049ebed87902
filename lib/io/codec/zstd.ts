/**
 * Zstandard (`.zst`). Decoding uses, in this order: Node's own
 * `zlib.createZstdDecompress` where the running Node has it (22.15+), the
 * `zstd` program on PATH (`zstd -dc`), else the pure-JS `fzstd` package
 * (loaded only then). Every path refuses a frame whose window exceeds
 * 128 MiB (`ZSTD_WINDOW_LIMIT`, zstd's own default decoding limit), with a
 * CodecError naming the file; the pure-JS path checks each frame header
 * itself before fzstd sees it (fzstd would allocate any window up to 2 GiB),
 * and the frame and block structure, so truncation is always reported
 * (fzstd does not verify the optional content checksum; zlib and the
 * program do).
 *
 * Encoding (`saveAsTextFile(path, 'zstd')`) uses Node's zlib where it has
 * zstd, else the program. `SPARKLING_ZSTD=js` forces fzstd for decoding and
 * the program for encoding; `SPARKLING_ZSTD=program` skips Node's zlib;
 * `SPARKLING_ZSTD=/path/to/zstd` names the program.
 */
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import { CodecError } from '../../errors.js';
import { messageOf, rethrowKnown } from '../util.js';
import { findProgram, pushDecode, runProgram } from './program.js';
import { through, unlessEmpty } from './through.js';
import type { Codec } from './types.js';

/** The largest window a frame may need: 2^27 bytes, as zstd's `--memory` default and zlib's `windowLogMax`. */
export const ZSTD_WINDOW_LIMIT = 2 ** 27;
const WINDOW_LOG_MAX = 27;

const CHUNK = 64 * 1024;

interface ZstdZlib {
  createZstdDecompress?: (opts?: { chunkSize?: number; params?: Record<number, number> }) => Transform;
  createZstdCompress?: (opts?: { chunkSize?: number }) => Transform;
  constants: Record<string, number>;
}
const z = zlib as unknown as ZstdZlib;

/** Whether this Node's zlib has zstd and the setting allows it. */
const nodeZstd = (): boolean => {
  const setting = process.env.SPARKLING_ZSTD ?? '';
  return setting === '' && typeof z.createZstdDecompress === 'function';
};

/** The zstd program, or null (`SPARKLING_ZSTD=js`, or none on PATH). */
export const zstdProgram = (): Promise<string | null> => findProgram('zstd', 'SPARKLING_ZSTD');

/** How `.zst` files are decoded here: `zlib`, `program` or `js`. */
export async function zstdDecoder(): Promise<'zlib' | 'program' | 'js'> {
  if (nodeZstd()) return 'zlib';
  return (await zstdProgram()) === null ? 'js' : 'program';
}

const mib = (n: number): string => `${Math.round((n / 2 ** 20) * 10) / 10} MiB`;

/**
 * Follows the frame structure of a zstd stream (frame headers, block
 * headers, checksums, skippable frames) without decoding, so the pure-JS
 * path can refuse oversized windows up front and tell a truncated stream.
 */
class FrameScanner {
  /** Bytes to skip before the next header. */
  private skip = 0;
  private state: 'magic' | 'frameHeader' | 'block' | 'skippableSize' = 'magic';
  private need = 4;
  private head = new Uint8Array(18);
  private have = 0;
  private checksum = false;
  private lastBlock = false;

  constructor(private readonly path: string) {}

  private error(why: string): CodecError {
    return new CodecError(this.path, `corrupt or truncated zstd data: ${why}`);
  }

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(this.need - this.have, chunk.length - i);
      this.head.set(chunk.subarray(i, i + n), this.have);
      this.have += n;
      i += n;
      if (this.have === this.need) this.step();
    }
  }

  /** At the end of the input: a stream must end between frames. */
  end(): void {
    if (this.skip > 0 || this.have > 0 || this.state !== 'magic')
      throw this.error('input ends inside a frame');
  }

  private step(): void {
    const h = this.head;
    switch (this.state) {
      case 'magic': {
        const magic = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
        this.have = 0;
        if (magic === 0xfd2fb528) {
          this.state = 'frameHeader';
          this.need = 1;
        } else if ((magic & 0xfffffff0) === 0x184d2a50) {
          this.state = 'skippableSize';
          this.need = 4;
        } else throw this.error('not a zstd frame (bad magic number)');
        return;
      }
      case 'skippableSize':
        this.skip = (h[0]! | (h[1]! << 8) | (h[2]! << 16) | (h[3]! << 24)) >>> 0;
        this.state = 'magic';
        this.need = 4;
        this.have = 0;
        return;
      case 'frameHeader': {
        const fhd = h[0]!;
        const singleSegment = (fhd >> 5) & 1;
        const fcsFlag = fhd >> 6;
        const dictBytes = [0, 1, 2, 4][fhd & 3]!;
        const fcsBytes = fcsFlag === 0 ? singleSegment : 1 << fcsFlag;
        const size = 1 + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
        if (fhd & 0x08) throw this.error('reserved bit set in a frame header');
        if (this.need < size) {
          this.need = size;
          return;
        }
        let window: number;
        if (singleSegment) {
          const at = 1 + dictBytes;
          let fcs = 0;
          for (let k = fcsBytes - 1; k >= 0; k--) fcs = fcs * 256 + h[at + k]!;
          window = fcsBytes === 2 ? fcs + 256 : fcs;
        } else {
          const wd = h[1]!;
          const base = 2 ** (10 + (wd >> 3));
          window = base + (base / 8) * (wd & 7);
        }
        if (window > ZSTD_WINDOW_LIMIT) {
          throw new CodecError(
            this.path,
            `zstd frame needs a ${mib(window)} window, beyond the decoder's limit of ${mib(ZSTD_WINDOW_LIMIT)}`,
          );
        }
        this.checksum = ((fhd >> 2) & 1) === 1;
        this.lastBlock = false;
        this.state = 'block';
        this.need = 3;
        this.have = 0;
        return;
      }
      case 'block': {
        this.have = 0;
        if (this.lastBlock) {
          // The checksum after the last block was consumed as this "header": back to frames.
          this.state = 'magic';
          this.need = 4;
          return;
        }
        const b = h[0]! | (h[1]! << 8) | (h[2]! << 16);
        const type = (b >> 1) & 3;
        if (type === 3) throw this.error('reserved block type');
        this.skip = type === 1 ? 1 : b >>> 3;
        if (b & 1) {
          this.lastBlock = true;
          if (this.checksum) this.need = 4;
          else {
            this.state = 'magic';
            this.need = 4;
          }
        }
        return;
      }
    }
  }
}

/** Pure-JS decoding with fzstd (loaded only when needed), behind the frame scanner. */
async function* decodeJs(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  const { Decompress } = await import('fzstd');
  const scanner = new FrameScanner(path);
  const out: Uint8Array[] = [];
  const decoder = new Decompress((chunk) => {
    if (chunk.length > 0) out.push(chunk);
  });
  const push = (chunk: Uint8Array, final: boolean): void => {
    scanner.push(chunk);
    if (final) scanner.end();
    try {
      decoder.push(chunk, final);
    } catch (e) {
      throw new CodecError(path, `corrupt or truncated zstd data: ${messageOf(e)}`, { cause: e });
    }
  };
  yield* pushDecode(input, out, push);
}

async function* decode(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  try {
    if (nodeZstd()) {
      const d = z.createZstdDecompress!({
        chunkSize: CHUNK,
        params: { [z.constants.ZSTD_d_windowLogMax ?? 100]: WINDOW_LOG_MAX },
      });
      yield* through(input, d, d);
      return;
    }
    const program = await zstdProgram();
    if (program === null) yield* decodeJs(input, path);
    else
      yield* runProgram(program, ['-dcq', '--memory=128MB'], input, path, 'corrupt or truncated zstd data');
  } catch (e) {
    rethrowKnown(e);
    throw new CodecError(path, `corrupt or truncated zstd data: ${messageOf(e)}`, { cause: e });
  }
}

async function* encode(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<Uint8Array> {
  if (typeof z.createZstdCompress === 'function' && (process.env.SPARKLING_ZSTD ?? '') === '') {
    const c = z.createZstdCompress({ chunkSize: CHUNK });
    yield* through(input, c, c);
    return;
  }
  const program = await zstdProgram();
  if (program === null)
    throw new CodecError(path, 'writing zstd needs Node 22.15+ or the zstd program on PATH');
  yield* runProgram(program, ['-cq'], input, path, 'zstd failed');
}

export const zstdCodec: Codec = {
  name: 'zstd',
  suffix: '.zst',
  suffixes: ['.zst', '.zstd'],
  decode: (input, path) => unlessEmpty(input, (bytes) => decode(bytes, path)),
  encode,
  canEncode: async () =>
    (typeof z.createZstdCompress === 'function' && (process.env.SPARKLING_ZSTD ?? '') === '') ||
    (await zstdProgram()) !== null,
};
