/**
 * sparkling's I/O layer: what `Context.textFile`, `wholeTextFiles`,
 * `binaryFiles` and `RDD.saveAsTextFile` call. Filesystems (local, http(s),
 * S3) live in `fs/`, codecs (gzip, bzip2, zip, xz, lzma, zstd, tar) in `codec/`, both behind
 * registries; path expressions in `glob.ts`; the line splitter in `lines.ts`.
 */
export type { IoOptions } from './options.js';
export { type CompressionCodec, openTextOutput, outputCodecName, type TextOutput } from './output.js';
export {
  codecOfPaths,
  type InputSplit,
  listFiles,
  planTextSplits,
  readTextSplit,
  readWholeFile,
  readWholeRecords,
} from './read.js';
