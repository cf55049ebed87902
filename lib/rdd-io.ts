/** Output actions: `saveAsTextFile`. */
import { ArgumentError } from './errors.js';
import { type ActionOptions, runJob, signalOf } from './exec/job.js';
import { type CompressionCodec, openTextOutput, outputCodecName } from './io/index.js';
import { RDD } from './rdd.js';

declare module './rdd.js' {
  interface RDD<T> {
    /**
     * Writes each partition as a text file `part-NNNNN` under the directory
     * `path` (compressed with a `compressionCodec` of `'gzip'`, `'bzip2'`,
     * `'xz'` or `'zstd'`: `part-NNNNN.gz`, `.bz2`, `.xz`, `.zst`; Hadoop's
     * class names `org.apache.hadoop.io.compress.GzipCodec`, `BZip2Codec`
     * and `ZStandardCodec` are accepted too). bzip2 and xz need their
     * programs on PATH, zstd Node's zlib zstd or the `zstd` program; without
     * them the action rejects before writing anything.
     * one element per line (`String(x)`), then `_SUCCESS`, Hadoop-style.
     * Streamed with backpressure; atomic: parts appear only when every
     * partition is written, and a failed job leaves nothing under `path`.
     * Refuses an existing `path` (`PathExistsError`). Local, `s3://`, `gs://` and `hdfs://`.
     * @example
     * const dir = `${tmpdir()}/sparkling-doc-${process.pid}-${Date.now()}`;
     * await sc.parallelize(['a', 'b', 'c'], 2).saveAsTextFile(dir);
     * await sc.textFile(dir).collect();
     * // => ['a', 'b', 'c']
     */
    saveAsTextFile(path: string, compressionCodec?: CompressionCodec, options?: ActionOptions): Promise<void>;
  }
}

/** The elements of a partition as lines. */
async function* asLines(batches: AsyncIterable<unknown[]>): AsyncGenerator<string[]> {
  for await (const batch of batches) {
    const lines: string[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) {
      const x = batch[i];
      lines[i] = typeof x === 'string' ? x : String(x);
    }
    yield lines;
  }
}

const proto = RDD.prototype as RDD<unknown>;

proto.saveAsTextFile = async function (
  this: RDD<unknown>,
  path: string,
  compressionCodec?: CompressionCodec,
  options?: ActionOptions,
) {
  if (typeof path !== 'string' || path.trim() === '')
    throw new ArgumentError(`path must be a non-empty string, got ${String(path)}`);
  outputCodecName(compressionCodec); // checked before the output directory is created
  signalOf(options); // checked before the output directory is created
  const out = await openTextOutput(path, compressionCodec ?? null, this.context._io);
  try {
    await runJob(
      this.context._runtime,
      this._node,
      (p, job) => out.writePart(p, asLines(job.open(this._node, p))),
      options,
    );
  } catch (e) {
    await out.abort();
    throw e;
  }
  await out.commit();
};
