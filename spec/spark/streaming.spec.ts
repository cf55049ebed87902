/**
 * A StreamingContext over a Spark Context (`master: 'local[2]'`, Spark's
 * local mode from the same distribution as the cluster specs): each batch's
 * jobs run on Spark, the batch loop and the sources stay in the driver, and
 * every batch's result, partition layout included, equals local mode's.
 * Without Java or Spark the test is reported as skipped with the reason;
 * SPARKLING_REQUIRE_SPARK=1 (CI) makes that a failure.
 */
import test from 'ava';
import { Context, ManualClock, type RDD, StreamingContext } from '../../lib/index.js';
import { buildBridge, machine } from './harness.js';

const m = machine();
const skipReason = m.skip?.replace(/\s*\n\s*/g, ' | ').slice(0, 300);

/** Four batches of lines through a per-batch word count and a sliding count; each batch's output. */
async function run(sc: Context): Promise<string> {
  const clock = new ManualClock(0);
  const ssc = new StreamingContext(sc, 1, { clock });
  const words = ssc
    .queueStream([['a b a', 'c'], ['b b'], [], ['a c c c']])
    .flatMap((line) => line.split(' '))
    .map((w): [string, number] => [w, 1]);
  const out: unknown[] = [];
  words
    .reduceByKey((a, b) => a + b, 2)
    .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
      out.push(['counts', time.getTime(), await rdd.glom().collect()]);
    });
  words.countByWindow(2, 1).foreachRDD(async (time: Date, rdd: RDD<number>) => {
    out.push(['window', time.getTime(), await rdd.collect()]);
  });
  // The stateful operators and the DStream joins run cogroup/join on Spark.
  const pairs = words.reduceByKey((a, b) => a + b, 2);
  pairs
    .updateStateByKey((values: number[], state: number | undefined) =>
      values.reduce((a, b) => a + b, state ?? 0),
    )
    .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
      out.push(['state', time.getTime(), await rdd.glom().collect()]);
    });
  const other = ssc.queueStream([[['a', 'x'] as [string, string]], [['b', 'y']], [], [['z', 'w']]]);
  pairs.join(other, 2).foreachRDD(async (time: Date, rdd: RDD<[string, [number, string]]>) => {
    out.push(['join', time.getTime(), await rdd.glom().collect()]);
  });
  pairs.fullOuterJoin(other).foreachRDD(async (time: Date, rdd: RDD<[string, [unknown, unknown]]>) => {
    out.push(['fullOuterJoin', time.getTime(), await rdd.collect()]);
  });
  pairs
    .reduceByKeyAndWindow(
      (a, b) => a + b,
      (a, b) => a - b,
      2,
      1,
      2,
      (kv: [string, number]) => kv[1] > 0,
    )
    .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
      out.push(['inverse window', time.getTime(), await rdd.glom().collect()]);
    });
  words
    .map((kv) => kv[0])
    .countByValueAndWindow(2, 1)
    .foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
      out.push(['countByValueAndWindow', time.getTime(), await rdd.collect()]);
    });
  await ssc.start();
  for (let i = 0; i < 5; i++) await clock.advance(1000);
  await ssc.awaitTerminationOrTimeout(0.01); // rethrows a failed batch's error
  await ssc.stop(false);
  return JSON.stringify(out);
}

if (m.home === undefined) {
  test.skip(`streaming on Spark equals local mode [skipped: ${skipReason}]`, () => {});
} else {
  const home = m.home;
  test('streaming on Spark: every batch equals local mode (stateless, windows, updateStateByKey, joins), partition layouts included', async (t) => {
    t.timeout(900_000);
    await buildBridge(home);
    const local = new Context({ defaultParallelism: 2 });
    const spark = new Context({
      master: 'local[2]',
      defaultParallelism: 2,
      spark: {
        home,
        conf: {
          'spark.ui.enabled': false,
          'spark.driver.memory': '512m',
          'spark.driver.extraJavaOptions': '-XX:+UseSerialGC -XX:TieredStopAtLevel=1',
        },
      },
    });
    try {
      const expected = await run(local);
      t.true(expected.includes('"counts",1000,[[["b",1],["c",1]],[["a",2]]]'), expected);
      t.true(expected.includes('"state",2000,'), expected);
      t.true(expected.includes('"join",1000,'), expected);
      t.is(await run(spark), expected);
    } finally {
      local.stop();
      spark.stop();
    }
  });
}
