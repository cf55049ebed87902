/**
 * File sources for the plan: `textFile`, `wholeTextFiles`, `binaryFiles`.
 * Path expressions are resolved at the first action (never when the RDD is
 * defined), once per RDD; a failed resolution is not kept, so a later action
 * tries again.
 */
import { sliceBounds } from '../ops/parallelize.js';
import type { SourceImpl } from '../plan/nodes.js';
import type { IoOptions } from './options.js';
import { type InputSplit, listFiles, planTextSplits, readTextSplit, readWholeRecords } from './read.js';

/** An async resolution, memoised (failures forgotten), or adopted from elsewhere (a worker's listing from the main thread). */
class Resolution<T> {
  private p: Promise<T> | undefined;

  constructor(private readonly resolve: () => Promise<T>) {}

  readonly get = (): Promise<T> => {
    if (this.p === undefined) {
      const attempt = this.resolve();
      this.p = attempt;
      attempt.catch(() => {
        if (this.p === attempt) this.p = undefined;
      });
    }
    return this.p;
  };

  readonly adopt = (value: unknown): void => {
    this.p = Promise.resolve(value as T);
  };
}

/** Lines of text files: one partition per split (byte ranges of big plain files, whole compressed files). */
export function textFileSource(paths: string, minPartitions: number, io: IoOptions): SourceImpl {
  const splits = new Resolution(() => planTextSplits(paths, minPartitions, io));
  return {
    knownPartitions: undefined,
    partitions: async () => (await splits.get()).length,
    async *open(partition, env) {
      const split = (await splits.get())[partition] as InputSplit;
      yield* readTextSplit(split, io, env.signal);
    },
    listing: splits,
  };
}

/**
 * Whole files as `[path, content]`: files grouped into at most `minPartitions`
 * partitions, in path order; an archive's members are records of its file's partition.
 */
export function wholeFileSource(
  paths: string,
  minPartitions: number,
  io: IoOptions,
  read: (bytes: Uint8Array) => unknown,
  decompress: boolean,
  /** Leaves out files known to be empty (binaryRecords: Hadoop makes no split of them). */
  skipEmpty = false,
): SourceImpl {
  const files = new Resolution(async () =>
    (await listFiles(paths, io)).filter((f) => !(skipEmpty && f.size === 0)),
  );
  const count = async () => Math.max(1, Math.min(minPartitions, (await files.get()).length));
  return {
    knownPartitions: undefined,
    partitions: count,
    listing: files,
    async *open(partition, env) {
      const all = await files.get();
      const [from, to] = sliceBounds(all.length, await count(), partition);
      for (const f of all.slice(from, to)) {
        for await (const [path, bytes] of readWholeRecords(f.path, io, decompress, env.signal)) {
          yield [[path, read(bytes)]];
        }
      }
    },
  };
}
