import test from 'ava';
import { compileBatch, compileSink, KernelFailure } from '../../lib/exec/fuse.js';
import { TaskError } from '../../lib/index.js';
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
