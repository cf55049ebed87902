/**
 * The parts of the `gather` feed that need no cluster: which partitions a
 * task reads (gather.ts), and how the executor hands each input its slot's
 * lines (gathered.ts).
 */
import test from 'ava';
import { Context } from '../../lib/index.js';
import type { PlanNode } from '../../lib/plan/nodes.js';
import { gatherHead, gatherPlan, needsGather } from '../../lib/spark/gather.js';
import { Gathered } from '../../lib/spark/gathered.js';

const sc = new Context();
test.after.always(() => sc.stop());

const count = (n: PlanNode) => n.numPartitions ?? 0;
const never = () => new Error('unsupported');

test('coalesce reads consecutive parent partitions, as local mode groups them', (t) => {
  const src = sc.parallelize([1, 2, 3, 4, 5, 6, 7], 7);
  const out = src.coalesce(3)._node;
  const inputs = new Set([src._node]);
  t.true(needsGather(out, inputs));
  const plan = gatherPlan(out, 3, inputs, count, never);
  t.deepEqual(
    plan.partitions.map((p) => p.reads.map(([, q]) => q)),
    [
      [0, 1],
      [2, 3],
      [4, 5, 6],
    ],
  );
  t.deepEqual(JSON.parse(gatherHead(plan, 0)), {
    slots: [
      [src._node.id, 0, 0],
      [src._node.id, 1, 0],
    ],
  });
});

test('cartesian reads the right partition first and keeps it; zip of an RDD with itself keeps its slot', (t) => {
  const a = sc.parallelize([1, 2, 3], 2);
  const b = sc.parallelize(['x', 'y', 'z'], 3);
  const inputs = new Set([a._node, b._node]);
  const plan = gatherPlan(a.cartesian(b)._node, 6, inputs, count, never);
  t.deepEqual(plan.partitions[4]?.reads, [
    [0, 1],
    [1, 1],
  ]);
  t.deepEqual(plan.leaves, [b._node, a._node]);
  t.deepEqual(plan.partitions[4]?.keep, [true, false]);
  const z = gatherPlan(a.zip(a)._node, 2, new Set([a._node]), count, never);
  t.deepEqual(z.partitions[1], { reads: [[0, 1]], keep: [true] });
  // A chain of one-parent operators and plain unions needs no gather.
  t.false(needsGather(a.map((x) => x).union(a)._node, new Set([a._node])));
});

async function* batches(...bs: string[][]): AsyncGenerator<string[]> {
  for (const b of bs) yield b;
}

async function all(it: AsyncIterable<string[]>): Promise<string[]> {
  const out: string[] = [];
  for await (const b of it) out.push(...b);
  return out;
}

test('the executor streams slots in order, holds those asked for out of order, and replays kept ones', async (t) => {
  const head = JSON.stringify({
    slots: [
      [5, 0, 0],
      [5, 1, 0],
      [6, 0, 1],
    ],
  });
  const g = new Gathered(batches([head, '0\ta', '0\tb'], ['1\tc\td', '2\te'], ['2\tf']));
  // Slot 1 first: slot 0's lines are held.
  t.deepEqual(await all(g.open(5, 1)), ['c\td']);
  t.deepEqual(await all(g.open(5, 0)), ['a', 'b']);
  t.deepEqual(await all(g.open(6, 0)), ['e', 'f']);
  t.deepEqual(await all(g.open(6, 0)), ['e', 'f']);
  await t.throwsAsync(all(g.open(5, 0)), { message: /read twice/ });
  await t.throwsAsync(all(g.open(7, 0)), { message: /no partition 0 of node 7/ });
});

test('an empty slot between others ends when the next one starts', async (t) => {
  const head = JSON.stringify({
    slots: [
      [1, 0, 0],
      [1, 1, 0],
      [1, 2, 0],
    ],
  });
  const g = new Gathered(batches([head, '0\ta', '2\tc']));
  t.deepEqual(await all(g.open(1, 0)), ['a']);
  t.deepEqual(await all(g.open(1, 1)), []);
  t.deepEqual(await all(g.open(1, 2)), ['c']);
});
