/** What a compression codec (one per file suffix) must do. */

/**
 * A decoded stream: bytes, and `null` at the end of each member of an archive
 * (a zip entry), where the reader ends the current line: lines never run from
 * one entry into the next.
 */
export type DecodedChunk = Uint8Array | null;

export interface Codec {
  /** The name `explain()` and `saveAsTextFile(path, name)` use. */
  readonly name: 'gzip' | 'bzip2' | 'zip';
  /** File suffix, with the dot (`.gz`). */
  readonly suffix: string;
  /**
   * Decompresses `input` (the bytes of file `path`), streaming. Corrupt or
   * truncated input rejects with CodecError naming `path`, never ends short.
   * Stopping early (`return()`) releases the decompressor and the input.
   */
  decode(input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<DecodedChunk>;
  /** Compresses `input`, streaming; absent for codecs sparkling cannot write. */
  encode?(input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<Uint8Array>;
}
