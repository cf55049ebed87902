/**
 * PySpark's python/pyspark/streaming/tests/test_dstream.py, BasicOperationTests,
 * translated: queue input, one RDD per batch, expected outputs per batch. Each
 * case runs at defaultParallelism 1 (as PySpark's tests) and 3.
 */
import test from 'ava';
import { type DStream, type RDD, TaskError } from '../../lib/index.js';
import { byKey, collectBatches, harness, range, runFunc, runFunc2 } from './helpers.js';

const PARALLELISM = [1, 3] as const;
const add = (a: number, b: number) => a + b;

for (const p of PARALLELISM) {
  test(`map (parallelism ${p})`, async (t) => {
    const input = [range(1, 5), range(5, 9), range(9, 13)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.map(String), 3);
    t.deepEqual(
      out,
      input.map((x) => x.map(String)),
    );
  });

  test(`flatMap (parallelism ${p})`, async (t) => {
    const input = [range(1, 5), range(5, 9), range(9, 13)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.flatMap((x) => [x, x * 2]), 3);
    t.deepEqual(
      out,
      input.map((x) => x.flatMap((y) => [y, y * 2])),
    );
  });

  test(`filter (parallelism ${p})`, async (t) => {
    const input = [range(1, 5), range(5, 9), range(9, 13)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.filter((x) => x % 2 === 0), 3);
    t.deepEqual(
      out,
      input.map((x) => x.filter((y) => y % 2 === 0)),
    );
  });

  test(`count (parallelism ${p})`, async (t) => {
    const input = [range(5), range(10), range(20)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.count(), 3);
    t.deepEqual(out, [[5], [10], [20]]);
  });

  test(`reduce (parallelism ${p})`, async (t) => {
    const input = [range(1, 5), range(5, 9), range(9, 13)];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.reduce(add), 3);
    t.deepEqual(out, [[10], [26], [42]]);
  });

  test(`reduceByKey (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        ['a', 1],
        ['a', 1],
        ['b', 1],
        ['b', 1],
      ],
      [
        ['', 1],
        ['', 1],
        ['', 1],
        ['', 1],
      ],
      [
        [1, 1],
        [1, 1],
        [2, 1],
        [2, 1],
        [3, 1],
      ],
    ];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.reduceByKey(add), 3);
    t.deepEqual(byKey(out), [
      [
        ['a', 2],
        ['b', 2],
      ],
      [['', 4]],
      [
        [1, 2],
        [2, 2],
        [3, 1],
      ],
    ]);
  });

  test(`mapValues (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        ['a', 2],
        ['b', 2],
        ['c', 1],
        ['d', 1],
      ],
      [
        [0, 4],
        [1, 1],
        [2, 2],
        [3, 3],
      ],
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
    ];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.mapValues((x) => x + 10), 3);
    t.deepEqual(
      byKey(out),
      input.map((b) => b.map(([k, v]) => [k, v + 10])),
    );
  });

  test(`flatMapValues (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        ['a', 2],
        ['b', 2],
        ['c', 1],
        ['d', 1],
      ],
      [
        [0, 4],
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
    ];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.flatMapValues((x) => [x, x + 10]), 3);
    t.deepEqual(
      out,
      input.map((b) =>
        b.flatMap(([k, v]) => [
          [k, v],
          [k, v + 10],
        ]),
      ),
    );
  });

  test(`glom (parallelism ${p})`, async (t) => {
    const h = harness(t, 0.5, p);
    const rdds = [range(1, 5), range(5, 9), range(9, 13)].map((r) => h.sc.parallelize(r, 2));
    const out = await collectBatches(h, h.ssc.queueStream(rdds).glom(), 3);
    t.deepEqual(out, [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
      [
        [9, 10],
        [11, 12],
      ],
    ]);
  });

  test(`mapPartitions (parallelism ${p})`, async (t) => {
    const h = harness(t, 0.5, p);
    const rdds = [range(1, 5), range(5, 9), range(9, 13)].map((r) => h.sc.parallelize(r, 2));
    const sums = h.ssc.queueStream(rdds).mapPartitions(async (it) => {
      let s = 0;
      for await (const x of it) s += x;
      return [s];
    });
    t.deepEqual(await collectBatches(h, sums, 3), [
      [3, 7],
      [11, 15],
      [19, 23],
    ]);
  });

  test(`countByValue (parallelism ${p})`, async (t) => {
    const input = [
      [...range(1, 5), ...range(1, 5)],
      [...range(5, 7), ...range(5, 9)],
      ['a', 'a', 'b', ''],
    ];
    const out = await runFunc(harness(t, 0.5, p), input as (number | string)[][], (s) => s.countByValue(), 3);
    t.deepEqual(byKey(out), [
      [
        [1, 2],
        [2, 2],
        [3, 2],
        [4, 2],
      ],
      [
        [5, 2],
        [6, 2],
        [7, 1],
        [8, 1],
      ],
      [
        ['', 1],
        ['a', 2],
        ['b', 1],
      ],
    ]);
  });

  test(`groupByKey (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
        [2, 1],
        [2, 1],
        [3, 1],
      ],
      [
        ['a', 1],
        ['a', 1],
        ['b', 1],
        ['', 1],
        ['', 1],
        ['', 1],
      ],
    ];
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.groupByKey(), 3);
    t.deepEqual(byKey(out), [
      [
        [1, [1]],
        [2, [1]],
        [3, [1]],
        [4, [1]],
      ],
      [
        [1, [1, 1, 1]],
        [2, [1, 1]],
        [3, [1]],
      ],
      [
        ['', [1, 1, 1]],
        ['a', [1, 1]],
        ['b', [1]],
      ],
    ]);
  });

  test(`combineByKey (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        [1, 1],
        [2, 1],
        [3, 1],
        [4, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
        [2, 1],
        [2, 1],
        [3, 1],
      ],
      [
        ['a', 1],
        ['a', 1],
        ['b', 1],
        ['', 1],
        ['', 1],
        ['', 1],
      ],
    ];
    const concat = (a: string, b: number | string) => a + String(b);
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.combineByKey(String, concat, concat), 3);
    t.deepEqual(byKey(out), [
      [
        [1, '1'],
        [2, '1'],
        [3, '1'],
        [4, '1'],
      ],
      [
        [1, '111'],
        [2, '11'],
        [3, '1'],
      ],
      [
        ['', '111'],
        ['a', '11'],
        ['b', '1'],
      ],
    ]);
  });

  test(`repartition (parallelism ${p})`, async (t) => {
    const h = harness(t, 0.5, p);
    const rdds = [range(1, 5), range(5, 9)].map((r) => h.sc.parallelize(r, 2));
    const out = await collectBatches(h, h.ssc.queueStream(rdds).repartition(1).glom(), 2);
    t.deepEqual(
      out.map((b) => b.map((part) => [...part].sort((x, y) => x - y))),
      [[[1, 2, 3, 4]], [[5, 6, 7, 8]]],
    );
  });

  test(`union (parallelism ${p})`, async (t) => {
    const out = await runFunc2(
      harness(t, 0.5, p),
      [range(3), range(5), range(6)],
      [range(3, 6), range(5, 6)],
      (a, b) => a.union(b),
      3,
    );
    t.deepEqual(
      out.map((b) => [...b].sort((x, y) => x - y)),
      [range(6), range(6), range(6)],
    );
  });

  test(`cogroup (parallelism ${p})`, async (t) => {
    const input: [string | number, number][][] = [
      [
        [1, 1],
        [2, 1],
        [3, 1],
      ],
      [
        [1, 1],
        [1, 1],
        [1, 1],
        [2, 1],
      ],
      [
        ['a', 1],
        ['a', 1],
        ['b', 1],
        ['', 1],
        ['', 1],
      ],
    ];
    const input2: [string | number, number][][] = [
      [[1, 2]],
      [[4, 1]],
      [
        ['a', 1],
        ['a', 1],
        ['b', 1],
        ['', 1],
        ['', 2],
      ],
    ];
    const out = await runFunc2(harness(t, 0.5, p), input, input2, (a, b) => a.cogroup(b), 3);
    t.deepEqual(byKey(out), [
      [
        [1, [[1], [2]]],
        [2, [[1], []]],
        [3, [[1], []]],
      ],
      [
        [1, [[1, 1, 1], []]],
        [2, [[1], []]],
        [4, [[], [1]]],
      ],
      [
        [
          '',
          [
            [1, 1],
            [1, 2],
          ],
        ],
        [
          'a',
          [
            [1, 1],
            [1, 1],
          ],
        ],
        ['b', [[1], [1]]],
      ],
    ]);
  });

  const left: [string, number][][] = [
    [
      ['a', 1],
      ['b', 2],
    ],
  ];
  const right: [string, number][][] = [
    [
      ['b', 3],
      ['c', 4],
    ],
  ];

  test(`join (parallelism ${p})`, async (t) => {
    const out = await runFunc2(harness(t, 0.5, p), left, right, (a, b) => a.join(b), 1);
    t.deepEqual(byKey(out), [[['b', [2, 3]]]]);
  });

  test(`leftOuterJoin (parallelism ${p})`, async (t) => {
    const out = await runFunc2(harness(t, 0.5, p), left, right, (a, b) => a.leftOuterJoin(b), 1);
    t.deepEqual(byKey(out), [
      [
        ['a', [1, undefined]],
        ['b', [2, 3]],
      ],
    ]);
  });

  test(`rightOuterJoin (parallelism ${p})`, async (t) => {
    const out = await runFunc2(harness(t, 0.5, p), left, right, (a, b) => a.rightOuterJoin(b), 1);
    t.deepEqual(byKey(out), [
      [
        ['b', [2, 3]],
        ['c', [undefined, 4]],
      ],
    ]);
  });

  test(`fullOuterJoin (parallelism ${p})`, async (t) => {
    const out = await runFunc2(harness(t, 0.5, p), left, right, (a, b) => a.fullOuterJoin(b), 1);
    t.deepEqual(byKey(out), [
      [
        ['a', [1, undefined]],
        ['b', [2, 3]],
        ['c', [undefined, 4]],
      ],
    ]);
  });

  test(`updateStateByKey (parallelism ${p})`, async (t) => {
    const updater = (vs: number[], s: number[] | undefined) => {
      const state = s ?? [];
      state.push(...vs);
      return state;
    };
    const input = range(5).map((i) => [['k', i] as [string, number]]);
    const out = await runFunc(harness(t, 0.5, p), input, (s) => s.updateStateByKey(updater), 5);
    t.deepEqual(out, [
      [['k', [0]]],
      [['k', [0, 1]]],
      [['k', [0, 1, 2]]],
      [['k', [0, 1, 2, 3]]],
      [['k', [0, 1, 2, 3, 4]]],
    ]);
  });

  test(`updateStateByKey with an initial RDD (parallelism ${p})`, async (t) => {
    const h = harness(t, 0.5, p);
    const updater = (vs: number[], s: number[] | undefined) => [...(s ?? []), ...vs];
    const initial = h.sc.parallelize([['k', [0, 1]] as [string, number[]]], 1);
    const input = range(2, 5).map((i) => [['k', i] as [string, number]]);
    const out = await runFunc(h, input, (s) => s.updateStateByKey(updater, undefined, initial), 3);
    t.deepEqual(out, [[['k', [0, 1, 2]]], [['k', [0, 1, 2, 3]]], [['k', [0, 1, 2, 3, 4]]]]);
  });
}

test('a function that fails in a map stops the context: awaitTerminationOrTimeout rejects with it', async (t) => {
  const h = harness(t);
  const special = new Error('This is a special error');
  const input = range(4).map((d) => h.sc.parallelize([d], 1));
  h.ssc
    .queueStream(input)
    .map(() => {
      throw special;
    })
    .pprint();
  await h.ssc.start();
  await h.step();
  const e = await t.throwsAsync(h.ssc.awaitTerminationOrTimeout(10), { instanceOf: TaskError });
  t.regex(e.message, /^pprint failed in the batch of time 500 .*This is a special error/);
  t.is(e.cause, special);
  t.is((e as TaskError & { batchTime: number }).batchTime, 500);
  t.is(h.ssc.getState(), 'stopped');
});

test('a transformWith function that fails stops the context', async (t) => {
  const h = harness(t);
  const input = range(4).map((d) => h.sc.parallelize([d], 1));
  const a = h.ssc.queueStream(input);
  const b = h.ssc.queueStream(input);
  a.transformWith((_x, _y) => {
    throw new Error('This is a special error');
  }, b).pprint();
  await h.ssc.start();
  await h.step();
  const e = await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: TaskError });
  t.regex(e.message, /pprint failed .*This is a special error/);
});

test('after a failed batch no later batch runs (PySpark goes on; sparkling stops at the first error)', async (t) => {
  const h = harness(t);
  const input = range(4).map((d) => h.sc.parallelize([d], 1));
  const seen: number[][] = [];
  h.ssc
    .queueStream(input)
    .map((i) => {
      if (i === 1) throw new Error('This is a special error');
      return i;
    })
    .foreachRDD(async (rdd) => {
      seen.push(await rdd.collect());
    });
  await h.ssc.start();
  for (let i = 0; i < 4; i++) await h.step();
  t.deepEqual(seen, [[0]]);
  const e = await t.throwsAsync(h.ssc.awaitTerminationOrTimeout(10), { instanceOf: TaskError });
  t.regex(
    e.message,
    /^foreachRDD failed in the batch of time 1000 .*\(in map\[\d+\], partition 0\): Error: This is a special error/,
  );
  t.is(e.operator, 'foreachRDD');
});

test('slice gives the remembered RDDs between two batch times, both included', async (t) => {
  const h = harness(t, 1);
  h.ssc.remember(4);
  const stream = h.ssc.queueStream([[1], [2], [3], [4]].map((d) => h.sc.parallelize(d, 1)));
  const times: Date[] = [];
  stream.foreachRDD((time: Date, _rdd: RDD<number>) => {
    times.push(time);
  });
  await h.ssc.start();
  for (let i = 0; i < 4; i++) await h.step();
  const begin = (times[0] as Date).getTime();
  const sliced = async (from: number, to: number) => {
    const rdds = stream.slice(new Date(begin + from * 1000), begin + to * 1000);
    return (await Promise.all(rdds.map((r) => r.collect()))).flat().sort();
  };
  t.deepEqual(await sliced(0, 0), [1]);
  t.deepEqual(await sliced(1, 2), [2, 3]);
  t.deepEqual(await sliced(1, 4), [2, 3, 4]);
  t.deepEqual(await sliced(0, 4), [1, 2, 3, 4]);
  t.deepEqual(await sliced(0.5, 1.5), [2]);
});

test('transform calls f(rdd), or f(time, rdd) when f declares two parameters', async (t) => {
  const h = harness(t);
  const s = h.ssc.queueStream([[1, 2], [3]]);
  const times: number[] = [];
  const a = s.transform((rdd) => rdd.map((x) => x * 10));
  const b = s.transform((time: Date, rdd: RDD<number>) => {
    times.push(time.getTime());
    return rdd.map((x) => [time.getTime(), x]);
  });
  const out = await collectBatches(h, a.union(b as unknown as DStream<number>), 2);
  t.deepEqual(times, [500, 1000]);
  t.deepEqual(out, [
    [10, 20, [500, 1], [500, 2]],
    [30, [1000, 3]],
  ]);
});

test('transformWith calls f(a, b), or f(time, a, b) with three parameters; ssc.transform takes the RDDs as an array', async (t) => {
  const h = harness(t);
  const a = h.ssc.queueStream([[1], [2]]);
  const b = h.ssc.queueStream([['x'], ['y']]);
  const two = a.transformWith((x, y) => x.cartesian(y), b);
  const three = a.transformWith(
    (time: Date, x: RDD<number>, y: RDD<string>) => x.union(y).map((v) => `${time.getTime()}:${v}`),
    b,
  );
  const all = h.ssc.transform([a, b], (rdds) => h.sc.union(rdds as never[]).map((v) => `all ${String(v)}`));
  const out: unknown[][] = [];
  two.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  three.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  all.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [[[1, 'x']], ['500:1', '500:x'], ['all 1', 'all x']]);
});
