/**
 * zip (`.zip`) with fflate's streaming `Unzip`: entries are decoded in the
 * order they are stored, each entry's bytes followed by an end-of-entry mark
 * (so a line never runs from one entry into the next). Directory entries are
 * skipped. Nothing is buffered beyond what fflate needs to find the next
 * local header. An input with no entries that is not an empty archive, an
 * entry cut short, or an entry whose size disagrees with its header rejects
 * with CodecError.
 */
import { Unzip, type UnzipFile, UnzipInflate } from 'fflate';
import { CodecError } from '../../errors.js';
import { messageOf } from '../util.js';
import { unlessEmpty } from './through.js';
import type { Codec, DecodedChunk } from './types.js';

/** `PK\x05\x06`: an end-of-central-directory record right at the start is an empty archive. */
const isEmptyArchive = (head: Uint8Array | undefined): boolean =>
  head !== undefined && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x05 && head[3] === 0x06;

async function* unzip(input: AsyncIterable<Uint8Array>, path: string): AsyncGenerator<DecodedChunk> {
  const out: DecodedChunk[] = [];
  let problem: string | undefined;
  let cause: unknown;
  let entries = 0;
  let unfinished = 0;
  const fail = (why: string, e?: unknown): void => {
    if (problem === undefined) {
      problem = why;
      cause = e;
    }
  };
  const uz = new Unzip();
  uz.register(UnzipInflate);
  uz.onfile = (file: UnzipFile) => {
    entries++;
    unfinished++;
    const isDir = file.name.endsWith('/');
    let produced = 0;
    file.ondata = (err, data, final) => {
      if (err) {
        fail(`entry ${file.name}: ${messageOf(err)}`, err);
        return;
      }
      if (!isDir && data.length > 0) {
        out.push(data);
        produced += data.length;
      }
      if (final) {
        unfinished--;
        if (isDir) return;
        if (file.originalSize !== undefined && produced !== file.originalSize) {
          fail(`entry ${file.name}: ${produced} bytes decoded, header says ${file.originalSize}`);
        }
        out.push(null);
      }
    };
    file.start();
  };
  const check = (): void => {
    if (problem !== undefined)
      throw new CodecError(path, `corrupt or truncated zip data: ${problem}`, { cause });
  };
  let head: Uint8Array | undefined;
  for await (const chunk of input) {
    head ??= chunk.subarray(0, 4);
    try {
      uz.push(chunk, false);
    } catch (e) {
      fail(messageOf(e), e);
    }
    check();
    while (out.length > 0) yield out.shift()!;
  }
  try {
    uz.push(new Uint8Array(0), true);
  } catch (e) {
    fail(messageOf(e), e);
  }
  check();
  while (out.length > 0) yield out.shift()!;
  if (unfinished > 0) fail('archive ends inside an entry');
  if (entries === 0 && !isEmptyArchive(head)) fail('not a zip archive (no entries found)');
  check();
}

export const zipCodec: Codec = {
  name: 'zip',
  suffix: '.zip',
  suffixes: ['.zip'],
  decode: (input, path) => unlessEmpty(input, (bytes) => unzip(bytes, path)),
};
