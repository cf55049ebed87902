/**
 * Type-level spec of the streaming API: compiled by `tsc --noEmit` (run by
 * `npm test`), never executed. Every `@ts-expect-error` line must be an error.
 */
import { Context, type DStream, type RDD, StreamingContext } from 'sparkling-rdd';

const sc = new Context();
const ssc = new StreamingContext(sc, 1);

type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

const lines = ssc.socketTextStream('localhost', 9999);
expectType<typeof lines, DStream<string>>(true);
const pairs = lines.flatMap((l) => l.split(' ')).map((w) => [w, 1]);
expectType<typeof pairs, DStream<[string, number]>>(true);
const counts = pairs.reduceByKey((a, b) => a + b);
expectType<typeof counts, DStream<[string, number]>>(true);
const totals = pairs.updateStateByKey((vs: number[], s: number | undefined) => (s ?? 0) + vs.length);
expectType<typeof totals, DStream<[string, number]>>(true);
const windowed = pairs.reduceByKeyAndWindow(
  (a, b) => a + b,
  (a, b) => a - b,
  30,
  10,
);
expectType<typeof windowed, DStream<[string, number]>>(true);
const grouped = pairs.groupByKeyAndWindow(30, 10);
expectType<typeof grouped, DStream<[string, number[]]>>(true);
const joined = pairs.leftOuterJoin(ssc.queueStream([[['a', true]] as [string, boolean][]]));
expectType<typeof joined, DStream<[string, [number, boolean | undefined]]>>(true);
const n = lines.count();
expectType<typeof n, DStream<number>>(true);
const files = ssc.binaryRecordsStream('in/', 8);
expectType<typeof files, DStream<Uint8Array>>(true);

// One parameter: the RDD; two, annotated: the batch time first.
lines.foreachRDD((rdd) => {
  expectType<typeof rdd, RDD<string>>(true);
});
lines.foreachRDD(async (time: Date, rdd: RDD<string>) => {
  await rdd.count();
  time.getTime();
});
const upper = lines.transform((rdd) => rdd.map((l) => l.toUpperCase()));
expectType<typeof upper, DStream<string>>(true);

// Pair operators exist only on DStreams of [key, value] pairs.
// @ts-expect-error reduceByKey needs a DStream of pairs
lines.reduceByKey((a, b) => a + b);
// @ts-expect-error updateStateByKey needs a DStream of pairs
lines.updateStateByKey(() => 1);
