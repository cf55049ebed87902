/**
 * Windows. The first cases are PySpark's test_dstream.py WindowFunctionTests,
 * translated (batches of 0.5 s, queue input); then the semantics sparkling
 * pins down: Spark's inverse-reduce behaviour, filterFunc, empty windows,
 * durations checked in whole milliseconds, and windows against a plain
 * recomputation from the batches.
 */
import test from 'ava';
import fc from 'fast-check';
import { ArgumentError, type RDD } from '../../lib/index.js';
import { byKey, collectBatches, harness, range, runFunc } from './helpers.js';

const add = (a: number, b: number) => a + b;
const sub = (a: number, b: number) => a - b;

for (const p of [1, 3] as const) {
  test(`window(1.5, 0.5).count() (parallelism ${p})`, async (t) => {
    const input = [range(1), range(2), range(3), range(4), range(5)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.window(1.5, 0.5).count(), 7);
    t.deepEqual(out, [[1], [3], [6], [9], [12], [9], [5]]);
  });

  test(`countByWindow(1.5, 0.5) (parallelism ${p})`, async (t) => {
    const input = [range(1), range(2), range(3), range(4), range(5)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.countByWindow(1.5, 0.5), 7);
    t.deepEqual(out, [[1], [3], [6], [9], [12], [9], [5]]);
  });

  test(`countByWindow(2.5, 0.5) (parallelism ${p})`, async (t) => {
    const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.countByWindow(2.5, 0.5), 10);
    t.deepEqual(out, [[1], [3], [6], [10], [15], [20], [18], [15], [11], [6]]);
  });

  test(`countByValueAndWindow(2.5, 0.5) (parallelism ${p})`, async (t) => {
    const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.countByValueAndWindow(2.5, 0.5), 10);
    t.deepEqual(byKey(out), [
      [[0, 1]],
      [
        [0, 2],
        [1, 1],
      ],
      [
        [0, 3],
        [1, 2],
        [2, 1],
      ],
      [
        [0, 4],
        [1, 3],
        [2, 2],
        [3, 1],
      ],
      [
        [0, 5],
        [1, 4],
        [2, 3],
        [3, 2],
        [4, 1],
      ],
      [
        [0, 5],
        [1, 5],
        [2, 4],
        [3, 3],
        [4, 2],
        [5, 1],
      ],
      [
        [0, 4],
        [1, 4],
        [2, 4],
        [3, 3],
        [4, 2],
        [5, 1],
      ],
      [
        [0, 3],
        [1, 3],
        [2, 3],
        [3, 3],
        [4, 2],
        [5, 1],
      ],
      [
        [0, 2],
        [1, 2],
        [2, 2],
        [3, 2],
        [4, 2],
        [5, 1],
      ],
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
        [5, 1],
      ],
    ]);
  });

  test(`groupByKeyAndWindow(1.5, 0.5) (parallelism ${p})`, async (t) => {
    const input = range(5).map((i) => [['a', i] as [string, number]]);
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.groupByKeyAndWindow(1.5, 0.5), 7);
    t.deepEqual(out, [
      [['a', [0]]],
      [['a', [0, 1]]],
      [['a', [0, 1, 2]]],
      [['a', [1, 2, 3]]],
      [['a', [2, 3, 4]]],
      [['a', [3, 4]]],
      [['a', [4]]],
    ]);
  });

  test(`reduceByKeyAndWindow without invFunc (parallelism ${p})`, async (t) => {
    const input = [range(1), range(2), range(3), range(4), range(5), range(6)];
    const out = await runFunc(
      harness(t, 0.5, p),
      input,
      (s) =>
        s
          .map((x) => [x, 1] as [number, number])
          .reduceByKeyAndWindow(add, undefined, 5, 1)
          .filter((kv) => kv[1] > 0)
          .count(),
      6,
    );
    t.deepEqual(out, [[2], [4], [6], [6], [6], [6]]);
  });
}

test('a window or slide that is not a multiple of the batch duration is an ArgumentError at the call', (t) => {
  const h = harness(t, 0.5);
  const d = h.ssc
    .queueStream([range(3), range(5), range(1), range(6)])
    .map((x) => [x, 1] as [number, number]);
  t.throws(() => d.reduceByKeyAndWindow(add, undefined, 0.1, 0.1), {
    instanceOf: ArgumentError,
    message: /windowDuration must be a multiple of .*\(0\.5 s\), got 0\.1 s/,
  });
  t.throws(() => d.reduceByKeyAndWindow(add, sub, 1, 0.1), {
    instanceOf: ArgumentError,
    message: /slideDuration/,
  });
  t.throws(() => d.window(0.75), { instanceOf: ArgumentError });
  t.throws(() => d.countByWindow(1, 0.7), { instanceOf: ArgumentError });
  t.throws(() => d.window(0), { instanceOf: ArgumentError, message: /positive number of seconds/ });
  t.throws(() => d.window(-1), { instanceOf: ArgumentError });
});

test('durations are whole milliseconds before the multiple check: 0.3 s windows over 0.1 s batches', async (t) => {
  const h = harness(t, 0.1);
  t.is(0.3 % 0.1 === 0, false); // why: floating point
  t.notThrows(() => h.ssc.queueStream([]).window(0.7, 0.1));
  const out = await runFunc(h, [[1], [2], [3], [4]], (s) => s.window(0.3, 0.1).reduce(add), 5);
  t.deepEqual(out, [[1], [3], [6], [9], [7]]);
});

test('a slide of two batches: windows at every other batch time, as multiples of the batch duration', async (t) => {
  const h = harness(t, 1);
  const times: number[] = [];
  const out: number[][] = [];
  h.ssc
    .queueStream([[1], [2], [3], [4], [5], [6]])
    .window(3, 2)
    .foreachRDD(async (time: Date, rdd: RDD<number>) => {
      times.push(time.getTime());
      out.push((await rdd.collect()).sort());
    });
  await h.ssc.start();
  for (let i = 0; i < 6; i++) await h.step();
  t.deepEqual(times, [2000, 4000, 6000]);
  t.deepEqual(out, [
    [1, 2],
    [2, 3, 4],
    [4, 5, 6],
  ]);
});

test('reduceByKeyAndWindow with an inverse: a key whose value returns to the zero stays (Spark), unless filterFunc drops it', async (t) => {
  const input = [[['a', 1] as [string, number]], [['b', 1] as [string, number]], [], [], []];
  const h = harness(t, 1);
  const stream = h.ssc.queueStream(input.map((b) => h.sc.parallelize(b, 1)));
  const stays = stream.reduceByKeyAndWindow(add, sub, 2, 1);
  const dropped = stream.reduceByKeyAndWindow(add, sub, 2, 1, undefined, (kv) => kv[1] !== 0);
  const a: [string, number][][] = [];
  const b: [string, number][][] = [];
  stays.foreachRDD(async (rdd) => {
    a.push((await rdd.collect()).sort());
  });
  dropped.foreachRDD(async (rdd) => {
    b.push((await rdd.collect()).sort());
  });
  await h.ssc.start();
  for (let i = 0; i < 5; i++) await h.step();
  t.deepEqual(a, [
    [['a', 1]],
    [
      ['a', 1],
      ['b', 1],
    ],
    [
      ['a', 0],
      ['b', 1],
    ],
    [
      ['a', 0],
      ['b', 0],
    ],
    [
      ['a', 0],
      ['b', 0],
    ],
  ]);
  t.deepEqual(b, [
    [['a', 1]],
    [
      ['a', 1],
      ['b', 1],
    ],
    [['b', 1]],
    [],
    [],
  ]);
});

test('reduceByWindow: no record for an empty window, with and without the inverse', async (t) => {
  const h = harness(t, 1);
  const s = h.ssc.queueStream([[], [1, 2], [3], [], [], [], [4]].map((b) => h.sc.parallelize(b, 1)));
  const plain: number[][] = [];
  const inverse: number[][] = [];
  s.reduceByWindow(add, undefined, 2, 1).foreachRDD(async (rdd) => {
    plain.push(await rdd.collect());
  });
  s.reduceByWindow(add, sub, 2, 1).foreachRDD(async (rdd) => {
    inverse.push(await rdd.collect());
  });
  await h.ssc.start();
  for (let i = 0; i < 8; i++) await h.step();
  const expected = [[], [3], [6], [3], [], [], [4], [4]];
  t.deepEqual(plain, expected);
  t.deepEqual(inverse, expected);
});

test('property: reduceByKeyAndWindow with and without the inverse equals reducing each window from scratch', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.array(fc.tuple(fc.constantFrom<string>('a', 'b', 'c', 'd'), fc.integer({ min: -5, max: 5 })), {
          maxLength: 6,
        }),
        {
          minLength: 1,
          maxLength: 8,
        },
      ),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 3 }),
      async (batches, windowBatches, slideBatches) => {
        const h = harness(t, 1, 2);
        const stream = h.ssc.queueStream(batches.map((b) => h.sc.parallelize(b, 2)));
        const plain = stream.reduceByKeyAndWindow(add, undefined, windowBatches, slideBatches);
        const inverse = stream.reduceByKeyAndWindow(add, sub, windowBatches, slideBatches);
        const got: Record<string, Map<number, [string, number][]>> = { plain: new Map(), inverse: new Map() };
        for (const [name, s] of [
          ['plain', plain],
          ['inverse', inverse],
        ] as const)
          s.foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
            got[name]?.set(time.getTime(), (await rdd.collect()).sort());
          });
        await h.ssc.start();
        const n = batches.length + windowBatches + slideBatches;
        for (let i = 0; i < n; i++) await h.step();
        await h.ssc.stop(false);
        for (const [time, pairs] of got.plain as Map<number, [string, number][]>) {
          const k = time / 1000; // batch number (1-based) of the window's end
          const sums = new Map<string, number>();
          for (let j = Math.max(1, k - windowBatches + 1); j <= k; j++)
            for (const [key, v] of batches[j - 1] ?? []) sums.set(key, (sums.get(key) ?? 0) + v);
          t.deepEqual(pairs, [...sums].sort());
          // The inverse keeps keys that left the window, at the zero.
          const inv = (got.inverse as Map<number, [string, number][]>).get(time) ?? [];
          t.deepEqual(
            inv.filter(([, v]) => v !== 0),
            [...sums].filter(([, v]) => v !== 0).sort(),
          );
        }
        t.is((got.plain as Map<number, unknown>).size, Math.floor(n / slideBatches));
      },
    ),
    { numRuns: 15 },
  );
});

test('window(...) of a windowed stream and a window wider than the data', async (t) => {
  const h = harness(t, 1);
  const out = await collectBatches(
    h,
    h.ssc
      .queueStream([[1], [2]])
      .window(2)
      .window(4)
      .count(),
    6,
  );
  // window(2) over [1], [2]: {1}, {1,2}, {2}, {} ...; window(4) of those: 1, 3, 4, 4, 3, 1
  t.deepEqual(out, [[1], [3], [4], [4], [3], [1]]);
});
