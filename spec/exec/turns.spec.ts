import test from 'ava';
import { CpuTurns } from '../../lib/exec/turns.js';
import { Context } from '../../lib/index.js';
import { PARTITIONS, range, sorted } from '../helpers.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Turns whose quantum never ends within a test. */
const unhurried = () => new CpuTurns(60_000);

test('cpu turns: free turns are taken at once, a held one is handed on in order of waiting', async (t) => {
  const turns = unhurried();
  const [a, b, c] = [{}, {}, {}];
  t.is(turns.take(a), undefined);
  t.is(turns.take(a), undefined, 'its own turn, nobody waiting');
  const order: string[] = [];
  const bWaits = turns.take(b)?.then(() => order.push('b'));
  const cWaits = turns.take(c)?.then(() => order.push('c'));
  t.not(bWaits, undefined);
  t.not(cWaits, undefined);
  await tick();
  t.deepEqual(order, []);
  turns.release(c); // not the holder: nothing happens
  turns.release(a);
  await bWaits;
  t.deepEqual(order, ['b']);
  t.is(turns.take(b), undefined, 'b holds the turn now');
  turns.release(b);
  await cWaits;
  t.deepEqual(order, ['b', 'c']);
  turns.release(c);
  t.is(turns.take(a), undefined, 'free again');
});

test('cpu turns: a holder waiting past the I/O callbacks gives the turn up; one resumed by microtasks keeps it', async (t) => {
  const turns = unhurried();
  const [a, b] = [{}, {}];
  turns.take(a);
  // Its next batch is ready within microtasks: it takes its turn again before the release check runs.
  turns.waitingFor(a);
  await Promise.resolve();
  t.is(turns.take(a), undefined);
  const bWaits = turns.take(b);
  t.not(bWaits, undefined);
  await tick();
  await tick();
  t.is(turns.take(a), undefined, 'a renewed its turn, so the check scheduled before is stale');
  // Now it waits for real I/O (a timer): the turn goes to b.
  turns.waitingFor(a);
  await new Promise((resolve) => setTimeout(resolve, 5));
  await bWaits;
  const aWaits = turns.take(a);
  t.not(aWaits, undefined, 'b holds the turn');
  turns.release(b);
  await aWaits;
  t.is(turns.take(a), undefined);
});

test('cpu turns: a holder gives the turn up after its quantum when others wait', async (t) => {
  const turns = new CpuTurns(20);
  const [a, b] = [{}, {}];
  turns.take(a);
  t.is(turns.take(a), undefined, 'nobody waits: a keeps its turn');
  const bWaits = turns.take(b);
  t.is(turns.take(a), undefined, 'b waits, but the quantum is not over');
  await new Promise((resolve) => setTimeout(resolve, 30));
  const aWaits = turns.take(a);
  t.not(aWaits, undefined, 'past its quantum, a queues behind b');
  await bWaits;
  turns.release(b);
  await aWaits;
  t.is(turns.take(a), undefined);
});

test('cpu turns: two partitions whose batches are ready are drained one after the other, not batch by batch', async (t) => {
  // About 10 batches of 4,096 per partition, each ready within microtasks.
  const n = 2 * 10 * 4096;
  const sc = new Context({ defaultParallelism: 2, concurrency: 2, workers: 0 });
  t.teardown(() => sc.stop());
  const seen: number[] = [];
  const started = performance.now();
  const count = await sc
    .parallelize(range(n), 2)
    .mapPartitions(async function* (xs) {
      for await (const x of xs) yield x;
    })
    .map((x) => {
      seen.push(x);
      return x;
    })
    .count();
  const elapsed = performance.now() - started;
  t.is(count, n);
  t.deepEqual(sorted(seen), range(n));
  // Each partition's elements are consecutive numbers: a switch between partitions breaks the run.
  let switches = 0;
  for (let i = 1; i < seen.length; i++) if (seen[i] !== (seen[i - 1] as number) + 1) switches++;
  // Batch by batch was 19 switches; in turns, none unless the job outlasts the 100 ms quantum (a
  // loaded machine stretches the job: each quantum that ends may switch once more).
  const allowed = 4 + Math.floor(elapsed / 100);
  t.true(switches <= allowed, `${switches} switches between partitions in ${Math.round(elapsed)} ms`);
});

for (const n of PARTITIONS) {
  test(`cpu turns: a partition waiting on another does not hold it up, at ${n} partitions`, async (t) => {
    const sc = new Context({ defaultParallelism: n, concurrency: n, workers: 0 });
    t.teardown(() => sc.stop());
    // Every partition but the last waits until the last one has been drained completely.
    let lastDone!: () => void;
    const last = new Promise<void>((resolve) => {
      lastDone = resolve;
    });
    const sums = await sc
      .parallelize(range(700), n)
      .mapPartitionsWithIndex(async function* (i, xs) {
        if (i < n - 1) await last;
        let s = 0;
        for await (const x of xs) s += x;
        yield s;
        if (i === n - 1) lastDone();
      })
      .collect();
    t.is(
      sums.reduce((a, b) => a + b, 0),
      range(700).reduce((a, b) => a + b, 0),
    );
  });
}
