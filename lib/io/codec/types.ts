/** What a compression codec (one per file suffix) must do. */

/**
 * A decoded stream: bytes, and `null` at the end of each member of an archive
 * (a zip entry, a tar member), where the reader ends the current line: lines
 * never run from one member into the next.
 */
export type DecodedChunk = Uint8Array | null;

/** One regular-file member of an archive (tar), its bytes streamed. */
export interface ArchiveMember {
  /** The member's path inside the archive (`dir/a.txt`). */
  readonly name: string;
  /** Its bytes; read them to the end (or stop the iteration) before asking for the next member. */
  readonly body: AsyncIterable<Uint8Array>;
}

export interface Codec {
  /** The name `explain()` and `saveAsTextFile(path, name)` use. */
  readonly name: string;
  /** The suffix of files this codec writes, with the dot (`.gz`). */
  readonly suffix: string;
  /** Every suffix read with this codec, lower case, with the dot (matched case-insensitively). */
  readonly suffixes: readonly string[];
  /**
   * Decompresses `input` (the bytes of file `path`), streaming. Corrupt or
   * truncated input rejects with CodecError naming `path`, never ends short.
   * Stopping early (`return()`) releases the decompressor and the input.
   */
  decode(input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<DecodedChunk>;
  /**
   * Archives: the regular-file members in order, each body streamed (what
   * `wholeTextFiles`/`binaryFiles` give one record each). Same error and
   * cleanup rules as `decode`.
   */
  members?(input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<ArchiveMember>;
  /** Compresses `input`, streaming; absent for codecs sparkling cannot write. */
  encode?(input: AsyncIterable<Uint8Array>, path: string): AsyncIterable<Uint8Array>;
  /** Whether `encode` can run here (a program it needs is present); absent: always. */
  canEncode?(): Promise<boolean>;
}
