/** `new Context(options)` accepts the options it knows and names the ones it does not. */
import test from 'ava';
import { ArgumentError, Context, type ContextOptions } from '../lib/index.js';

const make = (options: unknown) => () => new Context(options as ContextOptions);

test('an unknown option is an ArgumentError naming it, with the nearest known name', (t) => {
  const e = t.throws(make({ wokers: 2 }), { instanceOf: ArgumentError });
  t.regex(e.message, /unknown Context option 'wokers' \(did you mean 'workers'\?\)/);
  t.throws(make({ mastr: 'local[2]' }), {
    instanceOf: ArgumentError,
    message:
      /unknown Context option 'mastr' \(did you mean 'master'\?\); the options are defaultParallelism, /,
  });
  t.throws(make({ defaultParallelism: 2, paralelism: 2, foo: 1 }), {
    instanceOf: ArgumentError,
    message: /unknown Context options 'paralelism', 'foo';/,
  });
});

test('every documented option is accepted', (t) => {
  const all: Required<Omit<ContextOptions, 's3' | 'gcs' | 'hdfs'>> &
    Pick<ContextOptions, 's3' | 'gcs' | 'hdfs'> = {
    defaultParallelism: 2,
    concurrency: 2,
    maxRetries: 0,
    ioRetries: 2,
    retryWaitMs: 0,
    workers: 0,
    memoryLimitMb: 64,
    httpTimeoutMs: 1000,
    blockSize: 4096,
    s3: { region: 'us-east-1' },
    gcs: { anonymous: true },
    hdfs: { user: 'me' },
    progress: false,
    onProgress: () => {},
    // Spark starts with the first action, not with the Context.
    master: 'local[1]',
    spark: { conf: { 'spark.ui.enabled': false } },
  };
  const sc = new Context(all);
  t.is(sc.defaultParallelism, 2);
  t.is(sc.master, 'local[1]');
  sc.stop();
});

test('master and spark are checked', (t) => {
  t.throws(make({ master: 'spark://a b' }), {
    instanceOf: ArgumentError,
    message: /master must be a Spark master URL/,
  });
  t.throws(make({ master: 'local[1]', spark: { hom: '/x' } }), {
    instanceOf: ArgumentError,
    message: /spark: unknown option 'hom'/,
  });
  t.throws(make({ master: 'local[1]', spark: { conf: { 'a b': 1 } } }), {
    instanceOf: ArgumentError,
    message: /not a Spark property name/,
  });
  const local = new Context();
  t.is(local.master, process.env.SPARKLING_MASTER || undefined);
  local.stop();
});
