/**
 * Type-level spec: compiled by `tsc --noEmit` (run by `npm test`), never
 * executed. Every `@ts-expect-error` line must be an error, or the build fails.
 */
import { Context, type RDD, type ValueMap } from 'sparkling-rdd';

const sc = new Context();

/** Fails to compile unless `A` and `B` are the same type. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
function expectType<A, B>(_proof: Equal<A, B>): void {}

const numbers = sc.parallelize([1, 2, 3]);
const pairs = sc.parallelize([
  ['a', 1],
  ['b', 2],
]);
const words = sc.parallelize(['a b', 'c']).flatMap((line) => line.split(' '));

// Pair literals and `map` to a two-element array infer a pair RDD.
expectType<typeof pairs, RDD<[string, number]>>(true);
expectType<typeof words, RDD<string>>(true);
const counted = words.map((w) => [w, 1]).reduceByKey((a, b) => a + b);
expectType<typeof counted, RDD<[string, number]>>(true);

// Pair methods exist only on RDDs of [key, value] pairs.
// @ts-expect-error reduceByKey needs an RDD of pairs
numbers.reduceByKey((a, b) => a + b);
// @ts-expect-error groupByKey needs an RDD of pairs
numbers.groupByKey();
// @ts-expect-error mapValues needs an RDD of pairs
words.mapValues((v) => v);
// @ts-expect-error join needs an RDD of pairs
numbers.join(pairs);
// @ts-expect-error the other side of a join must have the same key type
pairs.join(sc.parallelize([[1, 'x']]));

// Result types follow the functions.
expectType<ReturnType<typeof pairs.mapValues<string, number, boolean>>, RDD<[string, boolean]>>(true);
const upper = pairs.mapValues((v) => String(v));
expectType<typeof upper, RDD<[string, string]>>(true);
const grouped = pairs.groupByKey();
expectType<typeof grouped, RDD<[string, number[]]>>(true);
const joined = pairs.join(sc.parallelize([['a', true]]));
expectType<typeof joined, RDD<[string, [number, boolean]]>>(true);
const left = pairs.leftOuterJoin(sc.parallelize([['a', true]]));
expectType<typeof left, RDD<[string, [number, boolean | undefined]]>>(true);
const grouped3 = pairs.groupWith(sc.parallelize([['a', true]]), sc.parallelize([['a', 'x']]));
// (a mapped tuple: checked both ways by assignment rather than by identity)
const grouped3Exact: RDD<[string, [number[], boolean[], string[]]]> = grouped3;
const grouped3Back: typeof grouped3 = grouped3Exact;
void grouped3Back;
const keyed = numbers.keyBy((n) => n % 2 === 0);
expectType<typeof keyed, RDD<[boolean, number]>>(true);
expectType<ReturnType<typeof numbers.collect>, Promise<number[]>>(true);
const asMap = pairs.collectAsMap();
expectType<typeof asMap, Promise<ValueMap<string, number>>>(true);

// Numeric actions need numbers.
// @ts-expect-error sum needs an RDD of numbers
words.sum();
expectType<ReturnType<typeof numbers.sum>, Promise<number>>(true);

// Transformations check their arguments' types.
// @ts-expect-error map's function takes an element
numbers.map((s: string) => s);

// flatMap to pairs infers a pair RDD, so a pair method can follow (PySpark's word count).
const wordPairs = sc.parallelize(['a b', 'c']).flatMap((line) => line.split(' ').map((w) => [w, 1]));
expectType<typeof wordPairs, RDD<[string, number]>>(true);
const wordCounts = wordPairs.reduceByKey((a, b) => a + b);
expectType<typeof wordCounts, RDD<[string, number]>>(true);
// A generator of pairs too; a flatMap to anything else keeps its element type.
const fromGenerator = numbers.flatMap(function* (x) {
  yield [x, String(x)] as [number, string];
});
expectType<typeof fromGenerator, RDD<[number, string]>>(true);
const chars = sc.parallelize(['ab']).flatMap((s) => s.split(''));
expectType<typeof chars, RDD<string>>(true);
const lengths = sc.parallelize(['ab']).flatMap((s) => [s.length]);
expectType<typeof lengths, RDD<number>>(true);

// An RDD is an AsyncIterable of its elements; the streams carry them, or lines of text.
async function streamsOut(): Promise<void> {
  for await (const x of numbers) expectType<typeof x, number>(true);
  const web = numbers.toWebStream();
  expectType<typeof web, ReadableStream<number>>(true);
  const webText = numbers.toWebStream({ encoding: 'utf8' });
  expectType<typeof webText, ReadableStream<string>>(true);
  const node = pairs.toNodeStream();
  for await (const kv of node) expectType<typeof kv, [string, number]>(true);
  const nodeText = pairs.toNodeStream({ encoding: 'utf8', highWaterMark: 1024 });
  for await (const line of nodeText) expectType<typeof line, string>(true);
  nodeText.destroy();
}
void streamsOut;
