/**
 * File sources for the plan: `textFile`, `wholeTextFiles`, `binaryFiles`.
 * Path expressions are resolved at the first action (never when the RDD is
 * defined), once per RDD; a failed resolution is not kept, so a later action
 * tries again.
 */
import { sliceBounds } from '../ops/parallelize.js';
import type { SourceImpl } from '../plan/nodes.js';
import type { IoOptions } from './options.js';
import { type InputSplit, listFiles, planTextSplits, readTextSplit, readWholeFile } from './read.js';

/** Memoises an async resolution, forgetting failures. */
function once<T>(resolve: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    if (p === undefined) {
      const attempt = resolve();
      p = attempt;
      attempt.catch(() => {
        if (p === attempt) p = undefined;
      });
    }
    return p;
  };
}

/** Lines of text files: one partition per split (byte ranges of big plain files, whole compressed files). */
export function textFileSource(paths: string, minPartitions: number, io: IoOptions): SourceImpl {
  const splits = once(() => planTextSplits(paths, minPartitions, io));
  return {
    knownPartitions: undefined,
    partitions: async () => (await splits()).length,
    async *open(partition, env) {
      const split = (await splits())[partition] as InputSplit;
      yield* readTextSplit(split, io, env.signal);
    },
  };
}

/** Whole files as `[path, content]`: files grouped into at most `minPartitions` partitions, in path order. */
export function wholeFileSource(
  paths: string,
  minPartitions: number,
  io: IoOptions,
  read: (bytes: Uint8Array) => unknown,
  decompress: boolean,
): SourceImpl {
  const files = once(() => listFiles(paths, io));
  const count = async () => Math.max(1, Math.min(minPartitions, (await files()).length));
  return {
    knownPartitions: undefined,
    partitions: count,
    async *open(partition, env) {
      const all = await files();
      const [from, to] = sliceBounds(all.length, await count(), partition);
      for (const f of all.slice(from, to)) {
        const bytes = await readWholeFile(f.path, io, decompress, env.signal);
        yield [[f.path, read(bytes)]];
      }
    },
  };
}
