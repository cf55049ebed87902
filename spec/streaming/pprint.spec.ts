/** pprint prints PySpark's block. Serial: the tests capture console.log. */
process.env.TZ = 'UTC';

import test from 'ava';
import { harness } from './helpers.js';

async function captured(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...args: unknown[]) => {
    lines.push(args.map(String).join(' '));
  };
  try {
    await run();
  } finally {
    console.log = log;
  }
  return lines;
}

const dashes = '-'.repeat(43);

test.serial(
  'pprint prints the Time block, num elements, ... when there are more, and an empty line',
  async (t) => {
    const h = harness(t, 0.5, 2, Date.UTC(2024, 4, 1, 12, 0, 0));
    h.ssc
      .queueStream<unknown>([range(12), [['a', 1], 'x', 2.5, undefined, null, { k: [1] }, 10n, true], []])
      .pprint();
    const lines = await captured(async () => {
      await h.ssc.start();
      for (let i = 0; i < 3; i++) await h.step();
      await h.ssc.stop(false);
    });
    t.deepEqual(lines, [
      dashes,
      'Time: 2024-05-01 12:00:00.500000',
      dashes,
      ...range(10).map(String),
      '...',
      '',
      dashes,
      'Time: 2024-05-01 12:00:01',
      dashes,
      "[ 'a', 1 ]",
      'x',
      '2.5',
      'undefined',
      'null',
      '{ k: [ 1 ] }',
      '10',
      'true',
      '',
      dashes,
      'Time: 2024-05-01 12:00:01.500000',
      dashes,
      '',
    ]);
  },
);

test.serial('pprint(num): exactly num elements print no ...', async (t) => {
  const h = harness(t, 1, 2, Date.UTC(2024, 0, 1));
  h.ssc.queueStream([[1, 2, 3]]).pprint(3);
  h.ssc.queueStream([[1, 2, 3]]).pprint(0);
  const lines = await captured(async () => {
    await h.ssc.start();
    await h.step();
    await h.ssc.stop(false);
  });
  t.deepEqual(lines, [
    dashes,
    'Time: 2024-01-01 00:00:01',
    dashes,
    '1',
    '2',
    '3',
    '',
    dashes,
    'Time: 2024-01-01 00:00:01',
    dashes,
    '...',
    '',
  ]);
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
