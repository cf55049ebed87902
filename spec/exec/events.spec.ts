/** Jobs report their stages (as lib/plan/stages.ts cuts them) and tasks to the Runtime's listeners. */
import test from 'ava';
import type { JobListener } from '../../lib/exec/runtime.js';
import { Context } from '../../lib/index.js';

function recorder(sc: Context): { events: string[]; stop: () => void } {
  const events: string[] = [];
  const listener: JobListener = {
    stageStarted: (_job, stage, tasks) => events.push(`start ${stage.role} ${stage.output.op} ${tasks}`),
    taskEnded: (_job, stage, partition, error) =>
      events.push(`task ${stage.output.op} ${partition}${error === undefined ? '' : ' failed'}`),
    jobEnded: (_job, error) => events.push(`end${error === undefined ? '' : ' failed'}`),
  };
  sc._runtime.listeners.add(listener);
  return { events, stop: () => sc._runtime.listeners.delete(listener) };
}

test('a word count reports its map stage, then its result stage, task by task', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const { events, stop } = recorder(sc);
  const counts = sc
    .parallelize(['a b', 'b c', 'c'], 3)
    .flatMap((l) => l.split(' '))
    .map((w): [string, number] => [w, 1])
    .reduceByKey((a, b) => a + b, 2);
  await counts.collect();
  t.deepEqual(events.slice(0, 1), ['start result reduceByKey 2']);
  t.true(events.includes('start map map 3'));
  t.deepEqual(events.filter((e) => e.startsWith('task map')).sort(), [
    'task map 0',
    'task map 1',
    'task map 2',
  ]);
  t.deepEqual(events.filter((e) => e.startsWith('task reduceByKey')).sort(), [
    'task reduceByKey 0',
    'task reduceByKey 1',
  ]);
  t.is(events.at(-1), 'end');
  stop();
  sc.stop();
});

test('take() reports the partitions it pulls; a failing job reports its failure', async (t) => {
  const sc = new Context({ defaultParallelism: 2 });
  const { events, stop } = recorder(sc);
  await sc.parallelize([1, 2, 3, 4], 4).take(1);
  t.deepEqual(events, ['start result parallelize 4', 'task parallelize 0', 'end']);
  events.length = 0;
  await t.throwsAsync(
    sc
      .parallelize([1, 2], 1)
      .map((x) => {
        if (x === 2) throw new Error('boom');
        return x;
      })
      .count(),
  );
  t.deepEqual(events, ['start result map 1', 'task map 0 failed', 'end failed']);
  stop();
  t.deepEqual(await sc.parallelize([1]).collect(), [1]);
  sc.stop();
});
