/**
 * The codec registry: file suffix → codec. A new codec is one file
 * implementing `Codec` and one line in `CODECS`.
 */
import { bzip2Codec } from './bzip2.js';
import { gzipCodec } from './gzip.js';
import { tarCodec } from './tar.js';
import type { Codec } from './types.js';
import { lzmaCodec, xzCodec } from './xz.js';
import { zipCodec } from './zip.js';
import { zstdCodec } from './zstd.js';

const CODECS: readonly Codec[] = [
  gzipCodec,
  bzip2Codec,
  zipCodec,
  xzCodec,
  lzmaCodec,
  zstdCodec,
  tarCodec('tar', ['.tar'], null),
  tarCodec('tar.gz', ['.tar.gz', '.tgz'], gzipCodec),
  tarCodec('tar.bz2', ['.tar.bz2', '.tbz2', '.tbz'], bzip2Codec),
  tarCodec('tar.xz', ['.tar.xz', '.txz'], xzCodec),
  tarCodec('tar.zst', ['.tar.zst', '.tzst'], zstdCodec),
];

/** Every suffix, longest first (`.tar.gz` before `.gz`), lower case. */
const BY_SUFFIX: readonly [string, Codec][] = CODECS.flatMap((c) =>
  c.suffixes.map((s): [string, Codec] => [s.toLowerCase(), c]),
).sort((a, b) => b[0].length - a[0].length);

/** The part of a path whose suffix names the codec: an http(s) URL without its query and fragment. */
function suffixPart(path: string): string {
  return /^https?:\/\//i.test(path) ? path.replace(/[?#].*$/s, '') : path;
}

/**
 * The codec a path's suffix implies (`.gz`, `.bz2`, `.zip`, `.xz`, `.lzma`,
 * `.zst`, `.tar`, `.tar.gz` ...), matched case-insensitively (`.TXT.GZ` is
 * gzip), or null.
 */
export function codecForPath(path: string): Codec | null {
  const p = suffixPart(path).toLowerCase();
  for (const [suffix, codec] of BY_SUFFIX) if (p.endsWith(suffix)) return codec;
  return null;
}

/** The codec called `name` (`gzip`, `bzip2`, `zip`, `xz`, `lzma`, `zstd`, `tar`, `tar.gz` ...). */
export function codecByName(name: string): Codec | undefined {
  return CODECS.find((c) => c.name === name);
}

export type { ArchiveMember, Codec, DecodedChunk } from './types.js';
