/**
 * The file sources: `textFile`, `wholeTextFiles`, `binaryFiles`,
 * `binaryRecords`. A path
 * expression is resolved (listed) at the first action, never when the RDD is
 * defined, once per RDD: the listing is plain data the driver hands to every
 * thread or process that reads a partition, so all read the same splits.
 */
import { IOError } from '../errors.js';
import {
  codecOfPaths,
  type InputSplit,
  listFiles,
  planTextSplits,
  readTextSplit,
  readWholeRecords,
} from '../io/index.js';
import type { Attrs } from '../plan/nodes.js';
import { chunks } from './iter.js';
import { sliceBounds } from './parallelize.js';
import type { SourceOp } from './types.js';

export interface FileArgs {
  /** A path, glob, directory, or comma-separated list of them. */
  readonly paths: string;
  readonly minPartitions: number;
}

/** `paths=[...]` and the codec implied by the suffixes. */
function describe(a: FileArgs): Attrs {
  const codec = codecOfPaths(a.paths);
  return codec === null
    ? [['paths', `[${a.paths}]`]]
    : [
        ['paths', `[${a.paths}]`],
        ['codec', codec],
      ];
}

/** Lines of text files: one partition per split (byte ranges of big plain files, whole compressed files). */
export const textFile: SourceOp<FileArgs> = {
  kind: 'source',
  describe,
  knownPartitions: () => undefined,
  list: (a, env) => planTextSplits(a.paths, a.minPartitions, env.io),
  partitions: (_a, listing) => (listing as InputSplit[]).length,
  open: (_a, partition, listing, env) =>
    readTextSplit((listing as InputSplit[])[partition] as InputSplit, env.io, env.signal),
};

type Listed = readonly { readonly path: string }[];

/**
 * Whole files grouped into at most `minPartitions` partitions, in path
 * order; an archive's members are records of its file's partition.
 */
function wholeFiles(read: (bytes: Uint8Array) => unknown, decompress: boolean): SourceOp<FileArgs> {
  const count = (a: FileArgs, files: Listed) => Math.max(1, Math.min(a.minPartitions, files.length));
  return {
    kind: 'source',
    describe,
    knownPartitions: () => undefined,
    list: (a, env) => listFiles(a.paths, env.io),
    partitions: (a, listing) => count(a, listing as Listed),
    open: async function* (a, partition, listing, env) {
      const files = listing as Listed;
      const [from, to] = sliceBounds(files.length, count(a, files), partition);
      for (const f of files.slice(from, to))
        for await (const [path, bytes] of readWholeRecords(f.path, env.io, decompress, env.signal))
          yield [[path, read(bytes)]];
    },
  };
}

/**
 * `sc.wholeTextFiles(paths)`: `[path, content]`, decompressed by suffix,
 * decoded as UTF-8; a leading byte-order mark is kept, as PySpark keeps it
 * (`textFile` drops it).
 */
export const wholeTextFiles = wholeFiles(
  (bytes) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
  true,
);

/** `sc.binaryFiles(paths)`: `[path, bytes]`, not decompressed. */
export const binaryFiles = wholeFiles((bytes) => bytes, false);

export interface RecordsArgs {
  readonly paths: string;
  readonly recordLength: number;
}

/**
 * `sc.binaryRecords(paths, recordLength)`: each file (decompressed by its
 * suffix) cut into `recordLength`-byte records, one partition per non-empty
 * file (Hadoop's FixedLengthInputFormat makes no split of an empty one).
 */
export const binaryRecords: SourceOp<RecordsArgs> = {
  kind: 'source',
  describe: (a) => [
    ...describe({ paths: a.paths, minPartitions: 1 }),
    ['recordLength', String(a.recordLength)],
  ],
  knownPartitions: () => undefined,
  list: async (a, env) => (await listFiles(a.paths, env.io)).filter((f) => f.size !== 0),
  partitions: (_a, listing) => Math.max(1, (listing as Listed).length),
  open: async function* (a, partition, listing, env) {
    const files = listing as Listed;
    const size = a.recordLength;
    const [from, to] = sliceBounds(files.length, Math.max(1, files.length), partition);
    for (const f of files.slice(from, to))
      for await (const [file, bytes] of readWholeRecords(f.path, env.io, true, env.signal)) {
        const partial = bytes.length % size;
        if (partial !== 0)
          throw new IOError(
            file,
            `partial record (length ${partial}, offset ${bytes.length - partial}) at the end: the file's ${bytes.length} bytes are not a multiple of recordLength ${size}`,
          );
        const records: Uint8Array[] = [];
        for (let at = 0; at < bytes.length; at += size) records.push(bytes.slice(at, at + size));
        yield* chunks(records);
      }
  },
};
