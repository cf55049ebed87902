/**
 * Misuse gets an error, not a hang (issue 5, item 9): PySpark's errors for
 * `reduce`/`first` on an empty RDD and for `zip` of mismatched RDDs, and a
 * bad argument to every public method of Context and RDD: an ArgumentError
 * naming the argument, thrown synchronously by a transformation or Context
 * method, and a rejection (never a synchronous throw) from an action. The
 * table is checked against the prototypes, so a new public method without
 * an entry here fails this spec.
 */
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { ArgumentError, Context, EmptyRDDError, RDD } from '../../lib/index.js';
import { ACTIONS as GUARDED_ACTIONS } from '../../lib/rdd/guard.js';
import { range } from '../helpers.js';

const sc = new Context({ defaultParallelism: 2 });
const elsewhere = new Context({ defaultParallelism: 2 });
const nums = sc.parallelize([3, 1, 2, 5], 2);
const pairs = sc.parallelize<[number, string]>(
  [
    [1, 'a'],
    [2, 'b'],
  ],
  2,
);
const foreign = elsewhere.parallelize<[number, string]>([[1, 'x']]);
const fn = (x: unknown): unknown => x;
const add = (a: number, b: number): number => a + b;
const unwritten = join(tmpdir(), `sparkling-misuse-never-written-${process.pid}`);
test.after.always(() => rmSync(unwritten, { recursive: true, force: true }));

// ------------------------------------------------------------- empty and zip

test('reduce and first on an empty RDD: PySpark messages, for 0 partitions and for empty ones', async (t) => {
  for (const empty of [sc.emptyRDD<number>(), sc.parallelize<number>([], 3), nums.filter(() => false)]) {
    await t.throwsAsync(() => empty.reduce(add), {
      instanceOf: EmptyRDDError,
      message: 'Can not reduce() empty RDD',
    });
    await t.throwsAsync(() => empty.first(), { instanceOf: EmptyRDDError, message: 'RDD is empty' });
    await t.throwsAsync(() => empty.max(), {
      instanceOf: EmptyRDDError,
      message: 'Can not reduce() empty RDD',
    });
    await t.throwsAsync(() => empty.min(), {
      instanceOf: EmptyRDDError,
      message: 'Can not reduce() empty RDD',
    });
    // Where PySpark gives a value, so does sparkling.
    t.deepEqual(await empty.take(1), []);
    t.true(await empty.isEmpty());
    t.is(await empty.fold(0, add), 0);
    t.is(await empty.count(), 0);
    t.is(await empty.sum(), 0);
  }
  // The Context runs the next job as usual.
  t.is(await nums.reduce(add), 11);
});

test('zip with a different number of partitions: ArgumentError, synchronous when the counts are known', async (t) => {
  const message = 'Can only zip with RDD which has the same number of partitions';
  t.throws(() => sc.parallelize(range(6), 2).zip(sc.parallelize(range(6), 3)), {
    instanceOf: ArgumentError,
    message,
  });
  // Counts known only when the action runs (a file source lists its splits first).
  const file = join(tmpdir(), `sparkling-misuse-zip-${process.pid}.txt`);
  writeFileSync(file, `${range(600).join('\n')}\n`);
  try {
    const split = new Context({ defaultParallelism: 2, blockSize: 512 });
    const lines = split.textFile(file, 3);
    t.true((await lines.getNumPartitions()) > 2);
    const zipped = split.parallelize(range(600), 2).zip(lines);
    await t.throwsAsync(() => zipped.collect(), { instanceOf: ArgumentError, message });
    await t.throwsAsync(() => zipped.count(), { instanceOf: ArgumentError, message });
  } finally {
    rmSync(file);
  }
});

test('zip with a different number of elements in a partition: ArgumentError naming the partition', async (t) => {
  const a = sc.parallelize(range(6), 2);
  const mismatched: [RDD<number>, number][] = [
    [sc.parallelize(range(7), 2), 1],
    [sc.parallelize(range(5), 2), 0],
    [a.filter((x) => x !== 4), 1],
  ];
  for (const [b, partition] of mismatched)
    await t.throwsAsync(() => a.zip(b).collect(), {
      instanceOf: ArgumentError,
      message: `Can only zip RDDs with same number of elements in each partition (partition ${partition} differs)`,
    });
  t.deepEqual(
    await a.zip(a.map((x) => -x)).collect(),
    range(6).map((x) => [x, -x]),
  );
});

// ------------------------------------------------------------- bad arguments

type Loose = Record<string, (...args: unknown[]) => unknown>;

/** One bad call: `target[method](...args)` must fail with an ArgumentError whose message names `names`. */
interface Case {
  readonly target: 'Context' | 'context' | 'nums' | 'pairs';
  readonly method: string;
  readonly args: readonly unknown[];
  /** What the message must name (case-insensitive): the argument, or PySpark's word for it. */
  readonly names: string;
}

/** Methods that return a Promise (or an AsyncIterable): they reject, never throw. */
const ACTIONS = new Set<string>([...GUARDED_ACTIONS, 'runJob']);

/** Public methods that take no argument at all. */
const NO_ARGUMENTS = new Set([
  'cache',
  'cancelAllJobs',
  'getJobGroup',
  'emptyRDD',
  'explain',
  'getNumPartitions',
  'glom',
  'id',
  'keys',
  'name',
  'stop',
  'toDebugString',
  'values',
  'zipWithIndex',
  'zipWithUniqueId',
]);

/** Public methods whose arguments may be anything (PySpark ignores or accepts every value). */
const ANY_ARGUMENT = new Map([
  ['broadcast', 'any value can be broadcast'],
  ['persist', 'the storage level is accepted and ignored'],
  ['unpersist', 'blocking is accepted and ignored'],
]);

const NOT_FUNCTIONS = ['f', 42, {}, null];
const NOT_OPTIONAL_FUNCTIONS = ['f', 42, {}];
const BAD_COUNTS = [0, -1, 1.5, '2', Number.NaN];
const NOT_RDDS = [[1, 2], {}, null, foreign];
const BAD_PATHS = [5, '', '  ', null, ['a.txt']];
const BAD_OPTIONS = [5, 'signal', { signal: 'x' }, { signal: {} }, { signal: new AbortController() }];

const cases: Case[] = [];
/** Adds one case per bad value, `bad` standing at index `at` of `args`. */
function bad(
  target: Case['target'],
  method: string,
  args: readonly unknown[],
  at: number,
  values: readonly unknown[],
  names: string,
): void {
  for (const v of values) {
    const a = [...args];
    a[at] = v;
    cases.push({ target, method, args: a, names });
  }
}

// Context
for (const option of ['defaultParallelism', 'concurrency', 'httpTimeoutMs', 'blockSize'])
  bad(
    'Context',
    'new Context',
    [{}],
    0,
    BAD_COUNTS.map((v) => ({ [option]: v })),
    option,
  );
for (const option of ['maxRetries', 'ioRetries', 'retryWaitMs'])
  bad(
    'Context',
    'new Context',
    [{}],
    0,
    [-1, 1.5, '2'].map((v) => ({ [option]: v })),
    option,
  );
bad('Context', 'new Context', [{}], 0, [5, 'fast'], 'options');
bad('context', 'parallelize', [[1], 2], 0, [5, null, undefined, {}], 'data');
bad('context', 'parallelize', [[1], 2], 1, BAD_COUNTS, 'numSlices');
bad('context', 'range', [0, 10, 1, 2], 0, ['a', 1.5, null], 'start');
bad('context', 'range', [0, 10, 1, 2], 1, ['b', 1.5], 'end');
bad('context', 'range', [0, 10, 1, 2], 2, [0, 0.5, 'x'], 'step');
bad('context', 'range', [0, 10, 1, 2], 3, BAD_COUNTS, 'numSlices');
for (const method of ['textFile', 'wholeTextFiles', 'binaryFiles']) {
  bad('context', method, ['a.txt', 2], 0, [...BAD_PATHS, 'a.txt,,b.txt', ','], 'paths');
  bad('context', method, ['a.txt', 2], 1, BAD_COUNTS, 'minPartitions');
}
bad('context', 'binaryRecords', ['a.bin', 4], 0, BAD_PATHS, 'paths');
bad('context', 'binaryRecords', ['a.bin', 4], 1, BAD_COUNTS, 'recordLength');
bad('context', 'runJob', [nums, fn], 0, [5, null, foreign], 'rdd');
bad('context', 'runJob', [nums, fn], 1, NOT_FUNCTIONS, 'partitionFunc');
bad('context', 'runJob', [nums, fn, [0]], 2, [5, 'a', [1.5], [9], [-1]], 'partition');
bad('context', 'setJobGroup', ['g', 'd'], 0, [5, null, undefined], 'groupId');
bad('context', 'cancelJobGroup', ['g'], 0, [5, null], 'groupId');
bad('context', 'union', [[nums]], 0, [5, null, [], [nums, 5], [nums, foreign], nums], 'rdds');
bad('context', 'accumulator', [0], 0, ['x', [1], {}], 'param');
bad('context', 'accumulator', [0, {}], 1, [{}, { addInPlace: 5 }, 5], 'param');

// RDD: functions
for (const method of [
  'map',
  'flatMap',
  'filter',
  'mapPartitions',
  'mapPartitionsWithIndex',
  'keyBy',
  'foreach',
  'foreachPartition',
  'reduce',
  'treeReduce',
  'groupBy',
])
  bad('nums', method, [fn], 0, NOT_FUNCTIONS, 'f');
bad('nums', 'sortBy', [fn], 0, NOT_FUNCTIONS, 'keyfunc');
bad('nums', 'mapAsync', [fn, {}], 0, NOT_FUNCTIONS, 'f');
bad('nums', 'mapAsync', [fn, {}], 1, [5, 'fast', [4]], 'options');
bad(
  'nums',
  'mapAsync',
  [fn, {}],
  1,
  [0, -1, 1.5, '2'].map((concurrency) => ({ concurrency })),
  'concurrency',
);
bad(
  'nums',
  'mapAsync',
  [fn, {}],
  1,
  [-1, 1.5, '2'].map((retries) => ({ retries })),
  'retries',
);
bad(
  'nums',
  'mapAsync',
  [fn, {}],
  1,
  [-1, Number.NaN, '2'].map((retryWaitMs) => ({ retryWaitMs })),
  'retryWaitMs',
);
bad('nums', 'mapAsync', [fn, {}], 1, [{ concurency: 4 }], 'concurency');
bad('nums', 'fold', [0, add], 1, NOT_FUNCTIONS, 'op');
for (const method of ['aggregate', 'treeAggregate']) {
  bad('nums', method, [0, add, add], 1, NOT_FUNCTIONS, 'seqOp');
  bad('nums', method, [0, add, add], 2, NOT_FUNCTIONS, 'combOp');
}
for (const method of ['top', 'takeOrdered']) bad('nums', method, [1, fn], 1, NOT_OPTIONAL_FUNCTIONS, 'key');
for (const method of ['max', 'min']) bad('nums', method, [fn], 0, NOT_OPTIONAL_FUNCTIONS, 'key');
for (const method of ['mapValues', 'flatMapValues']) bad('pairs', method, [fn], 0, NOT_FUNCTIONS, 'f');
bad('pairs', 'reduceByKey', [add, 2, fn], 0, NOT_FUNCTIONS, 'f');
bad('pairs', 'foldByKey', [0, add, 2, fn], 1, NOT_FUNCTIONS, 'f');
bad('pairs', 'aggregateByKey', [0, add, add, 2, fn], 1, NOT_FUNCTIONS, 'seqFunc');
bad('pairs', 'aggregateByKey', [0, add, add, 2, fn], 2, NOT_FUNCTIONS, 'combFunc');
bad('pairs', 'combineByKey', [fn, add, add, 2, fn], 0, NOT_FUNCTIONS, 'createCombiner');
bad('pairs', 'combineByKey', [fn, add, add, 2, fn], 1, NOT_FUNCTIONS, 'mergeValue');
bad('pairs', 'combineByKey', [fn, add, add, 2, fn], 2, NOT_FUNCTIONS, 'mergeCombiners');
bad('pairs', 'sortByKey', [true, 2, fn], 2, NOT_OPTIONAL_FUNCTIONS, 'keyfunc');
bad('pairs', 'repartitionAndSortWithinPartitions', [2, fn, true, fn], 3, NOT_OPTIONAL_FUNCTIONS, 'keyfunc');
// partitionFunc, and numPartitions, of every operator that takes them
const partitioned: [string, unknown[], number, number | undefined][] = [
  ['reduceByKey', [add, 2, fn], 1, 2],
  ['foldByKey', [0, add, 2, fn], 2, 3],
  ['aggregateByKey', [0, add, add, 2, fn], 3, 4],
  ['combineByKey', [fn, add, add, 2, fn], 3, 4],
  ['groupByKey', [2, fn], 0, 1],
  ['groupBy', [fn, 2, fn], 1, 2],
  ['partitionBy', [2, fn], 0, 1],
  ['repartitionAndSortWithinPartitions', [2, fn, true, fn], 0, 1],
  ['sortByKey', [true, 2, fn], 1, undefined],
  ['sortBy', [fn, true, 2], 2, undefined],
  ['distinct', [2], 0, undefined],
  ['repartition', [2], 0, undefined],
  ['coalesce', [2, false], 0, undefined],
];
for (const [method, args, n, pf] of partitioned) {
  const target = method === 'groupBy' || method === 'sortBy' || method === 'distinct' ? 'nums' : 'pairs';
  bad(target, method, args, n, BAD_COUNTS, 'numPartitions');
  if (pf !== undefined) bad(target, method, args, pf, NOT_OPTIONAL_FUNCTIONS, 'partitionFunc');
}
// other RDDs
for (const method of [
  'join',
  'leftOuterJoin',
  'rightOuterJoin',
  'fullOuterJoin',
  'cogroup',
  'subtractByKey',
  'subtract',
  'intersection',
]) {
  bad('pairs', method, [pairs, 2], 0, NOT_RDDS, 'other');
  bad('pairs', method, [pairs, 2], 1, BAD_COUNTS, 'numPartitions');
}
for (const method of ['union', 'zip', 'cartesian']) bad('nums', method, [nums], 0, NOT_RDDS, 'other');
bad('pairs', 'groupWith', [pairs, pairs], 1, NOT_RDDS, 'other');
// sampling, sizes, depths, buckets, commands, paths, names
bad(
  'nums',
  'sample',
  [false, 0.5, 1],
  1,
  [-1, Number.NaN, '0.5', Number.POSITIVE_INFINITY, null],
  'fraction',
);
bad('nums', 'sample', [false, 0.5, 1], 2, [1.5, 'x'], 'seed');
bad(
  'nums',
  'randomSplit',
  [[1, 2], 1],
  0,
  ['1,2', [], [-1, 2], [0, 0], [Number.NaN, 1], [1, 'a'], null],
  'weights',
);
bad('nums', 'randomSplit', [[1, 2], 1], 1, [1.5, 'x'], 'seed');
bad('nums', 'take', [1], 0, ['2', 1.5, null, Number.NaN], 'num');
for (const method of ['top', 'takeOrdered']) bad('nums', method, [1], 0, [-1, 1.5, '2', null], 'num');
bad('nums', 'takeSample', [false, 1, 1], 1, ['x', Number.NaN, null], 'num');
bad('nums', 'takeSample', [false, 1, 1], 1, [-1], 'sample size');
bad('nums', 'takeSample', [false, 1, 1], 2, [1.5, 'x'], 'seed');
bad('nums', 'treeReduce', [add, 2], 1, [0, -1, 1.5, '2'], 'depth');
bad('nums', 'treeAggregate', [0, add, add, 2], 3, [0, -1, 1.5, '2'], 'depth');
bad('nums', 'histogram', [2], 0, ['x', 0, 1.5, null, [], [1], [2, 1], [1, 'a'], [1, Number.NaN]], 'buckets');
bad('nums', 'pipe', ['cat'], 0, [5, '', '  ', null, "echo 'unterminated"], 'command');
bad('nums', 'pipe', ['cat', {}], 1, [5, 'A=1', ['A=1']], 'env');
bad('nums', 'setName', ['n'], 0, [5, null, {}], 'name');
bad('nums', 'saveAsTextFile', [unwritten], 0, BAD_PATHS, 'path');
bad('nums', 'saveAsTextFile', [unwritten, 'gzip'], 1, ['zip', 'gz', 5], 'compressionCodec');
bad('pairs', 'sampleByKey', [false, { 1: 1 }, 1], 1, [5, null, [1], { 1: -1 }, { 1: 'x' }], 'fraction');
bad('pairs', 'sampleByKey', [false, { 1: 1 }, 1], 2, ['x', 1.5], 'seed');
bad('pairs', 'reduceByKeyLocally', [add], 0, NOT_FUNCTIONS, 'f');
bad('nums', 'mapPartitionsWithSplit', [fn], 0, NOT_FUNCTIONS, 'f');
for (const method of ['countApprox', 'sumApprox', 'meanApprox']) {
  bad('nums', method, [100, 0.95], 0, [-1, 'x', null], 'timeout');
  bad('nums', method, [100, 0.95], 1, [2, -0.5, 'x'], 'confidence');
}
bad('nums', 'countApproxDistinct', [0.05], 0, [0.000001, 0.9, 'x'], 'relativeSD');
// the options of every action: { signal }, last
const optionsAt: [Case['target'], string, unknown[]][] = [
  ['nums', 'collect', []],
  ['nums', 'count', []],
  ['nums', 'first', []],
  ['nums', 'isEmpty', []],
  ['nums', 'take', [1]],
  ['nums', 'top', [1, undefined]],
  ['nums', 'takeOrdered', [1, undefined]],
  ['nums', 'takeSample', [false, 1, 1]],
  ['nums', 'reduce', [add]],
  ['nums', 'treeReduce', [add, 2]],
  ['nums', 'fold', [0, add]],
  ['nums', 'aggregate', [0, add, add]],
  ['nums', 'treeAggregate', [0, add, add, 2]],
  ['nums', 'max', [undefined]],
  ['nums', 'min', [undefined]],
  ['nums', 'countByValue', []],
  ['nums', 'foreach', [fn]],
  ['nums', 'foreachPartition', [fn]],
  ['nums', 'toLocalIterator', []],
  ['nums', 'sum', []],
  ['nums', 'stats', []],
  ['nums', 'mean', []],
  ['nums', 'variance', []],
  ['nums', 'stdev', []],
  ['nums', 'sampleVariance', []],
  ['nums', 'sampleStdev', []],
  ['nums', 'histogram', [2]],
  ['nums', 'saveAsTextFile', [unwritten, undefined]],
  ['pairs', 'countByKey', []],
  ['pairs', 'collectAsMap', []],
  ['pairs', 'lookup', [1]],
  ['pairs', 'reduceByKeyLocally', [add]],
  ['nums', 'countApprox', [100, 0.95]],
  ['nums', 'sumApprox', [100, 0.95]],
  ['nums', 'meanApprox', [100, 0.95]],
  ['nums', 'countApproxDistinct', [0.05]],
  ['context', 'runJob', [nums, fn, undefined, undefined]],
];
for (const [target, method, args] of optionsAt) {
  bad(target, method, [...args, undefined], args.length, BAD_OPTIONS.slice(0, 2), 'options');
  bad(target, method, [...args, undefined], args.length, BAD_OPTIONS.slice(2), 'signal');
}

function call(c: Case): unknown {
  if (c.target === 'Context') return new Context(...(c.args as [object]));
  const receiver = { context: sc, nums, pairs }[c.target] as unknown as Loose;
  const method = receiver[c.method];
  if (typeof method !== 'function') throw new Error(`no method ${c.method} on ${c.target}`);
  return method.apply(receiver, c.args as unknown[]);
}

/** The first step of what an action returned: its Promise, or the first element of its AsyncIterable. */
function settle(result: unknown): Promise<unknown> {
  if (result instanceof Promise) return result;
  if (typeof result === 'object' && result !== null && Symbol.asyncIterator in result)
    return (result as AsyncIterable<unknown>)[Symbol.asyncIterator]().next();
  return Promise.reject(new Error(`not a Promise or an AsyncIterable: ${String(result)}`));
}

const show = (args: readonly unknown[]): string =>
  args
    .map((a) =>
      typeof a === 'function'
        ? 'fn'
        : a instanceof RDD
          ? 'rdd'
          : a instanceof AbortController
            ? 'AbortController'
            : (JSON.stringify(a) ?? String(a)),
    )
    .join(', ');

const byMethod = new Map<string, Case[]>();
for (const c of cases) byMethod.set(c.method, [...(byMethod.get(c.method) ?? []), c]);

for (const [method, group] of byMethod) {
  const action = ACTIONS.has(method);
  test(`${method}: a bad argument is ${action ? 'a rejection' : 'thrown synchronously'}, an ArgumentError naming it`, async (t) => {
    for (const c of group) {
      const what = `${c.method}(${show(c.args)})`;
      const names = new RegExp(c.names.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      if (!action) {
        const e = t.throws(() => call(c), { instanceOf: ArgumentError }, what);
        if (e) t.regex(e.message, names, what);
        continue;
      }
      let result: unknown;
      t.notThrows(() => {
        result = call(c);
      }, `${what} must not throw synchronously`);
      const e = await t.throwsAsync(settle(result), { instanceOf: ArgumentError }, what);
      if (e) t.regex(e.message, names, what);
    }
  });
}

test('numPartitions keeps the message style: "numPartitions must be a positive integer, got 0"', (t) => {
  t.throws(() => pairs.reduceByKey((a, b) => a + b, 0), {
    instanceOf: ArgumentError,
    message: 'numPartitions must be a positive integer, got 0',
  });
  t.throws(() => nums.repartition(-1), {
    instanceOf: ArgumentError,
    message: 'numPartitions must be a positive integer, got -1',
  });
  t.throws(() => sc.parallelize([1], 1.5), {
    instanceOf: ArgumentError,
    message: 'numSlices must be a positive integer, got 1.5',
  });
});

test('a rejected action did no work: nothing computed, nothing written', async (t) => {
  let calls = 0;
  const counted = nums.map((x) => {
    calls++;
    return x;
  });
  const options = { signal: 'x' } as unknown as { signal: AbortSignal };
  await t.throwsAsync(() => counted.collect(options), { instanceOf: ArgumentError });
  await t.throwsAsync(() => counted.treeReduce(add, 0), { instanceOf: ArgumentError });
  await t.throwsAsync(() => counted.saveAsTextFile(unwritten, undefined, options), {
    instanceOf: ArgumentError,
  });
  t.is(calls, 0);
  t.false(existsSync(unwritten));
});

test('every public method of Context and RDD is in the table', (t) => {
  const publicMethods = (proto: object): string[] =>
    Object.getOwnPropertyNames(proto).filter(
      (n) =>
        n !== 'constructor' &&
        !n.startsWith('_') &&
        typeof Object.getOwnPropertyDescriptor(proto, n)?.value === 'function',
    );
  const covered = new Set(cases.map((c) => c.method));
  t.true(covered.has('new Context'));
  for (const method of [...publicMethods(Context.prototype), ...publicMethods(RDD.prototype)])
    t.true(
      covered.has(method) || NO_ARGUMENTS.has(method) || ANY_ARGUMENT.has(method),
      `${method} has no bad-argument case`,
    );
  for (const method of ACTIONS) t.true(covered.has(method) || NO_ARGUMENTS.has(method), method);
});
