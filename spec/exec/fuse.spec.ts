import test from 'ava';
import {
  type CombineTarget,
  combined,
  combineSink,
  compileBatch,
  compileCombine,
  compileSink,
  KernelFailure,
} from '../../lib/exec/fuse.js';
import { TaskError } from '../../lib/index.js';
import { keyOf } from '../../lib/values/key.js';
import { context, PARTITIONS, range } from '../helpers.js';

test('compiled kernels: map, filter and flatMap in one loop equal the array reference', (t) => {
  const step = compileBatch([
    { kind: 'map', fn: (x: number) => x * 3 },
    { kind: 'filter', fn: (x: number) => x % 2 === 1 },
    { kind: 'flatMap', fn: (x: number) => [x, -x] },
    { kind: 'map', fn: (x: number) => x + 1 },
  ]);
  const input = range(20);
  const out: unknown[] = [];
  step(input, out);
  t.deepEqual(
    out,
    input
      .map((x) => x * 3)
      .filter((x) => x % 2 === 1)
      .flatMap((x) => [x, -x])
      .map((x) => x + 1),
  );
  const seen: unknown[] = [];
  compileSink([{ kind: 'map', fn: (x: number) => x * 2 }])(input, (x) => seen.push(x), 5, 8);
  t.deepEqual(seen, [10, 12, 14]);
});

test('compiled kernels: a failure names the kernel that threw, past the last one for the sink', (t) => {
  const boom = new Error('boom');
  const step = compileSink([
    { kind: 'map', fn: (x: number) => x },
    {
      kind: 'flatMap',
      fn: function* (x: number) {
        yield x;
        if (x === 3) throw boom;
      },
    },
    { kind: 'filter', fn: () => true },
  ]);
  const e = t.throws(() => step([1, 2, 3], () => {}));
  t.true(e instanceof KernelFailure);
  t.is((e as unknown as KernelFailure).index, 1);
  const sinkError = t.throws(() =>
    step([1], () => {
      throw boom;
    }),
  );
  t.is((sinkError as unknown as KernelFailure).index, 3);
});

test('compiled flatMap: arrays, other iterables and an array with its own iterator read as for...of reads them', (t) => {
  class Reversed<T> extends Array<T> {
    override *[Symbol.iterator](): ArrayIterator<T> {
      for (let i = this.length - 1; i >= 0; i--) yield this[i] as T;
      return undefined;
    }
  }
  const results: Record<string, (x: number) => Iterable<unknown>> = {
    array: (x) => [x, x * 10],
    holes: (x) => {
      const a: number[] = [];
      a[1] = x;
      return x === 1 ? a : [];
    },
    set: (x) => new Set([x, x, -x]),
    string: (x) => String(x * 11),
    generator: function* (x) {
      yield x;
      yield x + 0.5;
    },
    reversed: (x) => Reversed.from([x, x + 100]) as Reversed<number>,
  };
  const input = [1, 2, 3];
  for (const [name, fn] of Object.entries(results)) {
    const reference: unknown[] = [];
    for (const x of input) for (const y of fn(x)) reference.push(y);
    const out: unknown[] = [];
    compileBatch([{ kind: 'flatMap', fn }])(input, out);
    t.deepEqual(out, reference, name);
    // Past the chains read by index: for...of only, same results.
    const deep: unknown[] = [];
    const one = { kind: 'flatMap' as const, fn: (x: unknown) => [x] };
    compileBatch([one, one, { kind: 'flatMap', fn }, one])(input, deep);
    t.deepEqual(deep, reference, `${name}, four flatMaps`);
  }
  // An array that grows while it is read is read to its new end, as for...of does.
  const shared = [1, 2];
  const seen: unknown[] = [];
  compileSink([{ kind: 'flatMap', fn: () => shared }])([0], (v) => {
    seen.push(v);
    if (seen.length === 1) shared.push(3);
  });
  t.deepEqual(seen, [1, 2, 3]);
});

function target(prepare?: (x: unknown) => [unknown, unknown]): CombineTarget {
  return {
    accs: new Map(),
    keys: new Map(),
    prepare,
    notPair: (x) => {
      throw new TypeError(`not a pair: ${JSON.stringify(x)}`);
    },
    keyOf,
    create: (v) => [v],
    merge: (acc, v) => [...(acc as unknown[]), v],
  };
}

test('compiled combining chains fold into one entry per key by value, as their plain-function twin does', (t) => {
  const words = ['a b a', 'c', '', 'b a'];
  const kernels = [
    { kind: 'flatMap' as const, fn: (line: string) => line.split(' ') },
    { kind: 'map' as const, fn: (w: string) => [[w], w.length] },
  ];
  const compiled = target();
  compileCombine(kernels)(words, compiled);
  const plain = target();
  const add = combineSink(plain);
  for (const line of words) for (const w of line.split(' ')) add([[w], w.length]);
  const expected = [
    [['a'], [1, 1, 1]],
    [['b'], [1, 1]],
    [['c'], [1]],
    [[''], [0]],
  ];
  t.deepEqual([...combined(compiled)], expected);
  t.deepEqual([...combined(plain)], expected);
  // A prepare function keys each element; a slice of the batch is folded alone.
  const keyed = target((x) => [(x as number) % 3, x]);
  compileCombine([{ kind: 'map', fn: (x: number) => x * 2 }])([1, 2, 3, 4, 5, 6], keyed, 1, 5);
  t.deepEqual(
    [...combined(keyed)],
    [
      [1, [4, 10]],
      [0, [6]],
      [2, [8]],
    ],
  );
});

test('compiled combining chains: undefined accumulators, NaN, escaped strings and object keys keep their first key', (t) => {
  const first = { a: 1 };
  const input = [
    [first, 1],
    [NaN, 2],
    ['\u0000x', 3],
    [{ a: 1 }, 4],
    [NaN, 5],
    ['\u0000x', 6],
    ['u', 7],
    ['u', 8],
  ];
  const calls: string[] = [];
  const t1: CombineTarget = {
    ...target(),
    // An accumulator may be undefined: the next value still merges into it.
    create: (v) => {
      calls.push(`create ${v}`);
      return v === 7 ? undefined : [v];
    },
    merge: (acc, v) => {
      calls.push(`merge ${JSON.stringify(acc)} ${v}`);
      return [...((acc as unknown[] | undefined) ?? ['none']), v];
    },
  };
  compileCombine([{ kind: 'map', fn: (x: unknown) => x }])(input, t1);
  const out = [...combined(t1)];
  t.deepEqual(out, [
    [{ a: 1 }, [1, 4]],
    [NaN, [2, 5]],
    ['\u0000x', [3, 6]],
    ['u', ['none', 8]],
  ]);
  t.is(out[0]?.[0], first);
  t.deepEqual(calls.slice(-2), ['create 7', 'merge undefined 8']);
});

test('a combine without merge keeps the first accumulator and the first key of each key, compiled and plain', (t) => {
  const first = [1, 'a'];
  const input = [first, 2, [1, 'a'], NaN, 2, NaN, -0, 0];
  const creates: unknown[] = [];
  const keepFirst = (): CombineTarget => ({
    ...target((x) => [x, x]),
    create: (v) => {
      creates.push(v);
      return 'first';
    },
    merge: undefined,
  });
  const compiled = keepFirst();
  compileCombine([{ kind: 'map', fn: (x: unknown) => x }])(input, compiled);
  const plain = keepFirst();
  const add = combineSink(plain);
  for (const x of input) add(x);
  for (const result of [compiled, plain]) {
    const out = [...combined(result)];
    t.deepEqual(out, [
      [[1, 'a'], 'first'],
      [2, 'first'],
      [NaN, 'first'],
      [-0, 'first'],
    ]);
    t.is(out[0]?.[0], first);
  }
  t.deepEqual(creates, [[1, 'a'], 2, NaN, -0, [1, 'a'], 2, NaN, -0]);
});

test('compiled combining chains: an element that is not a pair fails in the sink, past the last kernel', (t) => {
  const step = compileCombine([{ kind: 'map', fn: (x: unknown) => x }]);
  for (const bad of [[1, 2, 3], 'ab', { 0: 1, 1: 2, length: 2 }]) {
    const e = t.throws(() => step([['k', 1], bad], target()));
    t.true(e instanceof KernelFailure);
    t.is((e as unknown as KernelFailure).index, 1);
    t.true(((e as unknown as KernelFailure).error as Error).message.startsWith('not a pair'));
  }
});

for (const n of PARTITIONS) {
  test(`fused chains: the sink path, the in-place path and the batch path agree at ${n} partitions`, async (t) => {
    const sc = context();
    const chain = (r: ReturnType<typeof sc.range>) =>
      r
        .map((x) => x * 2)
        .filter((x) => x % 3 === 0)
        .flatMap((x) => [x, x + 1]);
    const reference = range(1000)
      .map((x) => x * 2)
      .filter((x) => x % 3 === 0)
      .flatMap((x) => [x, x + 1]);
    const sum = reference.reduce((a, b) => a + b, 0);
    t.is(await chain(sc.range(0, 1000, 1, n)).sum(), sum);
    t.is(await chain(sc.parallelize(range(1000), n)).sum(), sum);
    t.deepEqual(await chain(sc.range(0, 1000, 1, n)).collect(), reference);
    t.deepEqual(
      await chain(sc.range(0, 1000, 1, n))
        .glom()
        .map((p) => p.length)
        .sum(),
      reference.length,
    );
    t.deepEqual(await chain(sc.parallelize(range(1000), n).cache()).collect(), reference);
  });
}

test('fused chains: TaskError names the operator inside the fused loop, or the action for its own function', async (t) => {
  const sc = context();
  const rdd = sc
    .parallelize(range(10), 2)
    .map((x) => x + 1)
    .filter((x) => {
      if (x === 9) throw new RangeError('nine');
      return true;
    });
  const e = await t.throwsAsync(() => rdd.sum(), { instanceOf: TaskError });
  t.is(e?.operator, 'filter');
  t.is(e?.rddId, rdd.id());
  t.is(e?.partition, 1);
  const r = await t.throwsAsync(
    () =>
      sc
        .parallelize(range(10), 2)
        .map((x) => x)
        .reduce(() => {
          throw new Error('reducer');
        }),
    { instanceOf: TaskError },
  );
  t.is(r?.operator, 'reduce');
});
