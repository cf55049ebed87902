/**
 * tar archives (`.tar`, and compressed: `.tar.gz`/`.tgz`, `.tar.bz2`/`.tbz2`,
 * `.tar.xz`/`.txz`, `.tar.zst`), parsed as a stream by `modern-tar` (strict:
 * header checksums and the end-of-archive blocks are verified) after the
 * outer codec, if any. Only regular-file members count (directories, links,
 * devices are skipped): `textFile` reads their lines in archive order, a
 * line never running from one member into the next; `wholeTextFiles` and
 * `binaryFiles` give one record per member, empty ones included.
 */
import { createTarDecoder } from 'modern-tar';
import { CodecError } from '../../errors.js';
import { InputGuard, messageOf, rethrowKnown } from '../util.js';
import { unlessEmpty } from './through.js';
import type { ArchiveMember, Codec, DecodedChunk } from './types.js';

/** A member's path as `<archive path>/<member path>` wants it: without a leading `./` or `/`. */
const memberName = (name: string): string => name.replace(/^(?:\.\/|\/)+/, '');

/** The bytes of a decoded stream, member ends (never produced by the single-file codecs) dropped. */
async function* bytesOf(chunks: AsyncIterable<DecodedChunk>): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) if (c !== null && c.length > 0) yield c;
}

async function* members(
  input: AsyncIterable<Uint8Array>,
  path: string,
  what: string,
): AsyncGenerator<ArchiveMember> {
  const guard = new InputGuard(input);
  const { readable, writable } = createTarDecoder({ strict: true });
  const writer = writable.getWriter();
  const feeding = (async () => {
    try {
      for await (const chunk of guard) await writer.write(chunk);
      await writer.close();
    } catch (e) {
      await writer.abort(e).catch(() => undefined);
    }
  })();
  const reader = readable.getReader();
  const fail = (e: unknown): unknown => {
    if (guard.failed) return guard.error;
    try {
      rethrowKnown(e);
    } catch (known) {
      return known;
    }
    return new CodecError(path, `corrupt or truncated ${what} data: ${messageOf(e)}`, { cause: e });
  };
  try {
    for (;;) {
      const r = await reader.read().catch((e: unknown) => {
        throw fail(e);
      });
      if (r.done) break;
      const { header, body } = r.value;
      if ((header.type ?? 'file') !== 'file') {
        await body.cancel().catch(() => undefined);
        continue;
      }
      const bodyReader = body.getReader();
      let finished = false;
      const stream = async function* (): AsyncGenerator<Uint8Array> {
        for (;;) {
          const c = await bodyReader.read().catch((e: unknown) => {
            throw fail(e);
          });
          if (c.done) break;
          if (c.value.length > 0) yield c.value;
        }
        finished = true;
      };
      try {
        yield { name: memberName(header.name), body: stream() };
      } finally {
        if (!finished) await bodyReader.cancel().catch(() => undefined);
        bodyReader.releaseLock();
      }
    }
    if (guard.failed) throw guard.error;
  } finally {
    await reader.cancel().catch(() => undefined);
    await feeding;
  }
}

/** The regular-file members' bytes, each followed by an end-of-member mark. */
async function* decodeMembers(all: AsyncIterable<ArchiveMember>): AsyncGenerator<DecodedChunk> {
  for await (const m of all) {
    yield* m.body;
    yield null;
  }
}

/** The tar codec reading archives compressed with `outer` (null: a plain `.tar`). */
export function tarCodec(name: string, suffixes: readonly string[], outer: Codec | null): Codec {
  const what = outer === null ? 'tar' : `${outer.name}-compressed tar`;
  const unpack = (input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<ArchiveMember> =>
    unlessEmpty(input, (bytes) => members(outer ? bytesOf(outer.decode(bytes, path)) : bytes, path, what));
  return {
    name,
    suffix: suffixes[0]!,
    suffixes,
    decode: (input, path) => decodeMembers(unpack(input, path)),
    members: unpack,
  };
}
