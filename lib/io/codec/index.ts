/**
 * The codec registry: file suffix → codec. A new codec is one file
 * implementing `Codec` and one line in `CODECS`.
 */
import { bzip2Codec } from './bzip2.js';
import { gzipCodec } from './gzip.js';
import type { Codec } from './types.js';
import { zipCodec } from './zip.js';

const CODECS: readonly Codec[] = [gzipCodec, bzip2Codec, zipCodec];

/** The part of a path whose suffix names the codec: an http(s) URL without its query and fragment. */
function suffixPart(path: string): string {
  return /^https?:\/\//i.test(path) ? path.replace(/[?#].*$/s, '') : path;
}

/** The codec a path's suffix implies (`.gz`, `.bz2`, `.zip`; case-sensitive, as in Hadoop), or null. */
export function codecForPath(path: string): Codec | null {
  const p = suffixPart(path);
  return CODECS.find((c) => p.endsWith(c.suffix)) ?? null;
}

/** The codec called `name` (`gzip`, `bzip2`, `zip`). */
export function codecByName(name: string): Codec | undefined {
  return CODECS.find((c) => c.name === name);
}

export type { Codec, DecodedChunk } from './types.js';
