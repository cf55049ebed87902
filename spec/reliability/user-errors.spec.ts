/**
 * User code throws (issue 5, item 2): in one partition of many, on a shuffle's
 * map side and reduce side, in a combiner, in a sortBy key function, in
 * foreach, in mapPartitions (a synchronous throw and an async rejection). The
 * action rejects with a TaskError naming the operator, the RDD id and the
 * partition, with the very error thrown as `cause`; every file the job opened
 * is closed (sparkling's counters and the process's open descriptors); no
 * rejection goes unhandled; and the same Context runs the next job correctly.
 */
import { mkdtempSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Context, type RDD, TaskError } from '../../lib/index.js';
import { ioCounters } from '../../lib/io/util.js';

const unhandled: unknown[] = [];
process.on('unhandledRejection', (reason) => {
  unhandled.push(reason);
});

/** Eight files, so textFile has eight partitions: partition f holds the lines `f j` for j < LINES. */
const FILES = 8;
const LINES = 2000;
const dir = mkdtempSync(join(tmpdir(), 'sparkling-user-errors-'));
for (let f = 0; f < FILES; f++)
  writeFileSync(
    join(dir, `part-${f}.txt`),
    `${Array.from({ length: LINES }, (_, j) => `${f} ${j}`).join('\n')}\n`,
  );
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const sc = new Context({ defaultParallelism: 2 });
const lines = (): RDD<string> => sc.textFile(join(dir, '*.txt'));
/** `[file, j]` from a line `file j`. */
const parse = (line: string): [number, number] => {
  const space = line.indexOf(' ');
  return [Number(line.slice(0, space)), Number(line.slice(space + 1))];
};
/** Descriptors of files and directories (not the pipes, event fds and /dev/null a worker thread holds). */
const openFds = (): number =>
  readdirSync('/proc/self/fd').filter((fd) => {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      return target.startsWith('/') && !target.startsWith('/dev/');
    } catch {
      return false;
    }
  }).length;

/** A case: the action to run, and the operator, RDD and partition its TaskError must name. */
interface Failure {
  readonly action: () => Promise<unknown>;
  readonly operator: string;
  readonly rdd: RDD<unknown>;
  /** The partition named, or the partitions one of which may be named when every partition throws. */
  readonly partition: number | readonly number[];
}

const cases: Record<string, (boom: Error) => Failure> = {
  'map, in partition 5 of 8': (boom) => {
    const rdd = lines().map((l) => {
      if (l === '5 1234') throw boom;
      return l.length;
    });
    return { action: () => rdd.collect(), operator: 'map', rdd, partition: 5 };
  },
  'map, in partition 5 of 8, for take()': (boom) => {
    const rdd = lines().map((l) => {
      if (l === '5 10') throw boom;
      return l;
    });
    return { action: () => rdd.take(FILES * LINES), operator: 'map', rdd, partition: 5 };
  },
  "reduceByKey's function, on the map side (partition 3)": (boom) => {
    // Keys repeat within each file, so values are merged map-side; the sentinel is never a key's first value.
    const rdd = lines()
      .map(parse)
      .map(([f, j]): [number, number] => [j % 10, f * 100_000 + j])
      .reduceByKey((a, b) => {
        if (b === 300_100) throw boom;
        return a + b;
      }, 4);
    return { action: () => rdd.collect(), operator: 'reduceByKey', rdd, partition: 3 };
  },
  'a map before groupByKey (the map side, partition 6)': (boom) => {
    const mapped = lines().map((l): [number, string] => {
      if (l === '6 1999') throw boom;
      return [parse(l)[1] % 7, l];
    });
    const rdd = mapped.groupByKey(3);
    return { action: () => rdd.count(), operator: 'map', rdd: mapped, partition: 6 };
  },
  "combineByKey's createCombiner (map side, partition 2)": (boom) => {
    // Value 200_005 (file 2, line 5) is the first value of key 5 in partition 2.
    const rdd = lines()
      .map(parse)
      .map(([f, j]): [number, number] => [j % 10, f * 100_000 + j])
      .combineByKey(
        (v) => {
          if (v === 200_005) throw boom;
          return [v];
        },
        (c: number[], v) => [...c, v],
        (a, b) => [...a, ...b],
        4,
      );
    return { action: () => rdd.collect(), operator: 'combineByKey', rdd, partition: 2 };
  },
  "combineByKey's mergeCombiners (reduce side, partition 2 of 4)": (boom) => {
    // Files 2 and 6 both give key 2, routed to partition 2 (key % 4): their combiners meet
    // only on the reduce side; every other key comes from one file.
    const rdd = lines()
      .map(parse)
      .map(([f, j]): [number, number] => [f % 4 === 2 ? 2 : f, j])
      .combineByKey(
        (v) => v,
        (c, v) => c + v,
        () => {
          throw boom;
        },
        4,
        (k: number) => k % 4,
      );
    return { action: () => rdd.collect(), operator: 'combineByKey', rdd, partition: 2 };
  },
  'a sortBy key function (partition 7)': (boom) => {
    const rdd = lines().sortBy((l) => {
      if (l === '7 0') throw boom;
      return parse(l)[1];
    });
    return { action: () => rdd.collect(), operator: 'sortBy', rdd, partition: 7 };
  },
  'foreach (partition 4)': (boom) => {
    const rdd = lines();
    const action = () =>
      rdd.foreach((l) => {
        if (l === '4 777') throw boom;
      });
    return { action, operator: 'foreach', rdd, partition: 4 };
  },
  'mapPartitionsWithIndex, a synchronous throw in partition 3': (boom) => {
    const rdd = lines().mapPartitionsWithIndex((i, it) => {
      if (i === 3) throw boom;
      return it;
    });
    return { action: () => rdd.count(), operator: 'mapPartitionsWithIndex', rdd, partition: 3 };
  },
  'mapPartitions, a synchronous throw in every partition': (boom) => {
    const rdd = lines().mapPartitions(() => {
      throw boom;
    });
    // Every partition throws: whichever fails first is named, and only one.
    return { action: () => rdd.collect(), operator: 'mapPartitions', rdd, partition: [0, 1] };
  },
  'mapPartitions, an async rejection mid-stream in partition 6': (boom) => {
    const rdd = lines().mapPartitions(async function* (it) {
      for await (const l of it) {
        if (l === '6 1000') throw boom;
        yield l.length;
      }
    });
    return { action: () => rdd.collect(), operator: 'mapPartitions', rdd, partition: 6 };
  },
  'mapPartitions, a rejected Promise in partition 1': (boom) => {
    const rdd = lines().mapPartitions(async (it) => {
      const out: number[] = [];
      for await (const l of it) {
        if (l === '1 1') {
          await new Promise((resolve) => setTimeout(resolve, 5));
          throw boom;
        }
        out.push(l.length);
      }
      return out;
    });
    return { action: () => rdd.collect(), operator: 'mapPartitions', rdd, partition: 1 };
  },
};

/** What a healthy job on the same Context must still give afterwards. */
async function nextJobIsCorrect(): Promise<boolean> {
  const counts = await lines()
    .map((l): [number, number] => [parse(l)[0], 1])
    .reduceByKey((a, b) => a + b)
    .sortByKey()
    .collect();
  const sum = await lines()
    .map((l) => parse(l)[1])
    .sum();
  return (
    JSON.stringify(counts) === JSON.stringify(Array.from({ length: FILES }, (_, f) => [f, LINES])) &&
    sum === (FILES * LINES * (LINES - 1)) / 2
  );
}

const baseline = { fds: 0 };

test.serial('baseline: the files read correctly and leave no descriptor open', async (t) => {
  t.true(await nextJobIsCorrect());
  t.is(ioCounters.opened, ioCounters.closed);
  baseline.fds = openFds();
});

for (const [name, make] of Object.entries(cases)) {
  test.serial(`user code throws in ${name}: TaskError, files closed, Context still works`, async (t) => {
    const boom = new Error(`boom in ${name}`);
    const { action, operator, rdd, partition } = make(boom);
    const opened = ioCounters.opened;
    const e = await t.throwsAsync(action, { instanceOf: TaskError });
    t.is(e?.cause, boom, 'the cause is the very error thrown');
    t.is(e?.operator, operator);
    t.is(e?.rddId, rdd.id());
    if (typeof partition === 'number') t.is(e?.partition, partition);
    else t.true(partition.includes(e?.partition ?? -1), `partition ${e?.partition}`);
    t.is(e?.attempts, 1);
    t.true(
      e?.message.startsWith(`${operator}[${rdd.id()}] failed in partition ${e.partition}: Error: boom in`),
      e?.message,
    );
    t.is(ioCounters.opened, ioCounters.closed, 'every file the job opened is closed');
    t.is(openFds(), baseline.fds, 'no file descriptor left open');
    t.true(ioCounters.opened > opened || operator.startsWith('mapPartitions'), 'the job did read files');
    t.true(await nextJobIsCorrect(), 'the same Context runs the next job correctly');
    t.is(openFds(), baseline.fds);
  });
}

test.serial('a failure in a cached RDD is not cached: the next action computes it again', async (t) => {
  let fail = true;
  const boom = new Error('cached boom');
  const cached = lines()
    .map((l) => {
      if (fail && l === '2 2') throw boom;
      return parse(l)[1];
    })
    .cache();
  const e = await t.throwsAsync(() => cached.sum(), { instanceOf: TaskError });
  t.is(e?.cause, boom);
  t.is(e?.partition, 2);
  fail = false;
  t.is(await cached.sum(), (FILES * LINES * (LINES - 1)) / 2);
  t.is(await cached.count(), FILES * LINES);
  t.is(ioCounters.opened, ioCounters.closed);
  t.is(openFds(), baseline.fds);
});

test.serial(
  'failures in several partitions at once: one TaskError, the others are not left unhandled',
  async (t) => {
    const rdd = lines().map((l) => {
      if (parse(l)[1] === 1000) throw new Error(`boom in ${l}`);
      return l;
    });
    for (let i = 0; i < 3; i++) {
      const e = await t.throwsAsync(() => rdd.count(), { instanceOf: TaskError });
      t.is(e?.operator, 'map');
      t.regex((e?.cause as Error).message, /^boom in \d 1000$/);
    }
    t.is(ioCounters.opened, ioCounters.closed);
    t.is(openFds(), baseline.fds);
  },
);

test.serial('a function combining partial results on the driver: TaskError for partition -1', async (t) => {
  const boom = new Error('driver boom');
  // A partition's partial result is at most 2000 (its count of lines); only the driver's
  // combination of the eight partials passes 10 000.
  const ones = lines().map(() => 1);
  const add = (a: number, b: number): number => {
    if (a + b > 10_000) throw boom;
    return a + b;
  };
  const actions: [string, () => Promise<unknown>][] = [
    ['reduce', () => ones.reduce(add)],
    ['fold', () => ones.fold(0, add)],
    ['aggregate', () => ones.aggregate(0, add, add)],
    ['treeAggregate', () => ones.treeAggregate(0, add, add, 2)],
    ['treeReduce', () => ones.treeReduce(add, 2)],
  ];
  for (const [operator, run] of actions) {
    const e = await t.throwsAsync(run, { instanceOf: TaskError }, operator);
    t.is(e?.operator, operator);
    t.is(e?.partition, -1, operator);
    t.is(e?.cause, boom, operator);
  }
  t.is(ioCounters.opened, ioCounters.closed);
  t.true(await nextJobIsCorrect());
});

test.serial('pipe to a command that cannot start: TaskError naming it, no hang', async (t) => {
  const rdd = lines().pipe('sparkling-no-such-command');
  const e = await t.throwsAsync(() => rdd.count(), { instanceOf: TaskError });
  t.is(e?.operator, 'pipe');
  t.is(e?.rddId, rdd.id());
  t.regex(e?.message ?? '', /spawn sparkling-no-such-command ENOENT/);
  t.is(ioCounters.opened, ioCounters.closed);
  t.is(openFds(), baseline.fds);
  t.true(await nextJobIsCorrect());
});

test.serial('no rejection went unhandled', async (t) => {
  // Give any stray rejection a few turns of the event loop to surface.
  await new Promise((resolve) => setTimeout(resolve, 50));
  t.deepEqual(unhandled, []);
});
