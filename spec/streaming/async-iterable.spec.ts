/** ssc.fromAsyncIterable: batching by arrival time, back-pressure, end, errors, return() on stop. */
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { TaskError } from '../../lib/index.js';
import { harness } from './helpers.js';

/** An AsyncIterable the test pushes into. */
class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private closed = false;
  returned = false;
  pulls = 0;

  push(...xs: T[]): void {
    for (const x of xs) {
      const w = this.waiting;
      this.waiting = undefined;
      if (w) w({ value: x, done: false });
      else this.items.push(x);
    }
  }

  close(): void {
    this.closed = true;
    this.waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        this.pulls++;
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift() as T, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.returned = true;
        this.waiting?.({ value: undefined, done: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}

const settle = () => sleep(5);

test('items are batched by arrival time; when the iterable ends later batches are empty', async (t) => {
  const h = harness(t, 1);
  const ch = new Channel<number>();
  const out: number[][] = [];
  h.ssc.fromAsyncIterable(ch).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  ch.push(1, 2);
  await settle();
  await h.step(); // batch 1000: 1, 2
  await h.step(); // batch 2000: nothing arrived
  ch.push(3);
  await settle();
  await h.clock.advance(500);
  ch.push(4); // arrives at 2500
  await settle();
  await h.clock.advance(500); // batch 3000: 3, 4
  ch.push(5);
  ch.close();
  await settle();
  await h.step(); // batch 4000: 5
  await h.step(); // batch 5000: ended
  await h.ssc.stop(false);
  t.deepEqual(out, [[1, 2], [], [3, 4], [5], []]);
  t.false(ch.returned, 'an iterable that ended is not returned');
});

test('back-pressure: at most maxBuffered items are read ahead of the batches', async (t) => {
  const h = harness(t, 1);
  let pulled = 0;
  async function* endless() {
    for (let i = 0; ; i++) {
      pulled++;
      yield i;
    }
  }
  const sizes: number[] = [];
  h.ssc.fromAsyncIterable(endless(), { maxBuffered: 100 }).foreachRDD(async (rdd) => {
    sizes.push(await rdd.count());
  });
  await h.ssc.start();
  await settle();
  t.true(pulled <= 101, `read ahead ${pulled}`);
  await h.step();
  await settle();
  t.true(pulled <= 201, `read ahead ${pulled}`);
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(sizes, [100, 100]);
});

test('the default read-ahead is 10,000 items', async (t) => {
  const h = harness(t, 1);
  let pulled = 0;
  async function* endless() {
    for (let i = 0; ; i++) {
      pulled++;
      yield i;
    }
  }
  h.ssc.fromAsyncIterable(endless()).foreachRDD(() => {});
  await h.ssc.start();
  await sleep(100);
  t.true(pulled >= 10_000 && pulled <= 10_001, String(pulled));
  await h.ssc.stop(false);
});

test('stop() calls the iterator return(): a generator runs its finally', async (t) => {
  const h = harness(t, 1);
  let finished = false;
  async function* gen() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      finished = true;
    }
  }
  h.ssc.fromAsyncIterable(gen(), { maxBuffered: 10 }).foreachRDD(() => {});
  await h.ssc.start();
  await settle();
  await h.ssc.stop(false);
  await settle();
  t.true(finished);
  const ch = new Channel<number>();
  const h2 = harness(t, 1);
  h2.ssc.fromAsyncIterable(ch).foreachRDD(() => {});
  await h2.ssc.start();
  await settle();
  await h2.ssc.stop(false);
  t.true(ch.returned, 'return() is called while a next() waits');
});

test('an iterable that throws: items before it are processed, then the next batch fails with the error', async (t) => {
  const h = harness(t, 1);
  const boom = new Error('consumer lost');
  async function* gen() {
    yield 'a';
    yield 'b';
    throw boom;
  }
  const out: string[][] = [];
  h.ssc.fromAsyncIterable(gen()).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  await settle();
  await h.step();
  await h.step();
  t.deepEqual(out, [['a', 'b']]);
  const e = await t.throwsAsync(h.ssc.awaitTermination(), { instanceOf: TaskError });
  t.is(e.cause, boom);
  t.regex(e.message, /^fromAsyncIterable failed in the batch of time 2000/);
});

test('a Node Readable in object mode, and a plain Iterable', async (t) => {
  const h = harness(t, 1);
  const readable = Readable.from(['x', 'y', 'z']);
  const a = h.ssc.fromAsyncIterable<string>(readable);
  const b = h.ssc.fromAsyncIterable([1, 2, 3]);
  const out: unknown[][] = [];
  a.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  b.foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  await settle();
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [
    ['x', 'y', 'z'],
    [1, 2, 3],
  ]);
});

test('graceful stop processes what was read ahead in one last batch', async (t) => {
  const h = harness(t, 1);
  const ch = new Channel<number>();
  const out: number[][] = [];
  h.ssc.fromAsyncIterable(ch).foreachRDD(async (rdd) => {
    out.push(await rdd.collect());
  });
  await h.ssc.start();
  ch.push(1, 2, 3);
  await settle();
  await h.ssc.stop(false, true);
  t.deepEqual(out, [[1, 2, 3]]);
  t.true(ch.returned);
});

test('fromAsyncIterable checks its argument', (t) => {
  const h = harness(t, 1);
  t.throws(() => h.ssc.fromAsyncIterable(5 as never), { message: /AsyncIterable/ });
  t.throws(() => h.ssc.fromAsyncIterable([], { maxBuffered: 0 }), { message: /maxBuffered/ });
});

test('batches from an iterable are ordinary RDDs (pair operators, worker threads)', async (t) => {
  const h = harness(t, 1);
  const out: [string, number][][] = [];
  h.ssc
    .fromAsyncIterable(['a b', 'b'])
    .flatMap((l) => l.split(' '))
    .countByValue()
    .foreachRDD(async (rdd) => {
      out.push((await rdd.collect()).sort());
    });
  await h.ssc.start();
  await settle();
  await h.step();
  await h.ssc.stop(false);
  t.deepEqual(out, [
    [
      ['a', 1],
      ['b', 2],
    ],
  ]);
});
