/**
 * Nothing lost, nothing partial on write (issue 5, item 6): a saveAsTextFile
 * whose job fails (user code throws in partition 5 of 8, a source is missing,
 * the caller cancels), or whose target exists or appears while the job runs,
 * leaves no partial output under the target path and no temporary directory
 * beside it; plain and gzip. Each test writes into its own parent directory
 * and compares the parent's listing before and after.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Context, PathExistsError, PathNotFoundError, TaskError } from '../../lib/index.js';
import { range } from '../helpers.js';

const root = mkdtempSync(join(tmpdir(), 'sparkling-write-'));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

const sc = new Context({ defaultParallelism: 2 });
const CODECS = [undefined, 'gzip'] as const;
const label = (codec: (typeof CODECS)[number]): string => codec ?? 'plain';

/** A parent directory holding one unrelated file, and a snapshot of its listing. */
function parentDir(name: string): { parent: string; listing: () => string[]; before: string[] } {
  const parent = join(root, name);
  mkdirSync(parent);
  writeFileSync(join(parent, 'neighbour.txt'), 'untouched\n');
  const listing = () => readdirSync(parent).sort();
  return { parent, listing, before: listing() };
}

/** 8 partitions of 10 000 lines; the element `bad` throws. */
const failingAt = (bad: number) =>
  sc.range(0, 80_000, 1, 8).map((x) => {
    if (x === bad) throw new Error(`boom at ${x}`);
    return `line ${x} ${'z'.repeat(x % 40)}`;
  });

for (const codec of CODECS) {
  test(`${label(codec)}: user code throwing in partition 5 of 8 leaves no output and no temporary directory`, async (t) => {
    // Early in partition 5 (other parts still being written), and at its very end (parts 0-4 complete).
    for (const bad of [50_017, 59_999]) {
      const { parent, listing, before } = parentDir(`fail-${label(codec)}-${bad}`);
      const target = join(parent, 'out');
      const e = await t.throwsAsync(() => failingAt(bad).saveAsTextFile(target, codec), {
        instanceOf: TaskError,
      });
      t.is(e?.partition, 5);
      t.is((e?.cause as Error).message, `boom at ${bad}`);
      t.deepEqual(listing(), before, 'nothing under the target, nothing beside it');
      // The same path can be written afterwards, whole.
      await sc.parallelize(range(100), 8).saveAsTextFile(target, codec);
      t.deepEqual(await sc.textFile(target).map(Number).collect(), range(100));
      t.deepEqual(listing(), [...before, 'out'].sort());
    }
  });

  test(`${label(codec)}: an existing target is refused and left exactly as it was`, async (t) => {
    const { parent, listing } = parentDir(`exists-${label(codec)}`);
    const target = join(parent, 'out');
    mkdirSync(target);
    writeFileSync(join(target, 'precious.txt'), 'keep me\n');
    const file = join(parent, 'a-file');
    writeFileSync(file, 'a file, not a directory\n');
    const before = listing();
    for (const path of [target, file]) {
      let computed = 0;
      const e = await t.throwsAsync(
        () =>
          sc
            .parallelize(range(1000), 8)
            .map((x) => {
              computed++;
              return x;
            })
            .saveAsTextFile(path, codec),
        { instanceOf: PathExistsError },
      );
      t.is(e?.path, path);
      t.true(e?.message.includes(path));
      t.is(computed, 0, 'refused before computing anything');
    }
    t.deepEqual(listing(), before);
    t.deepEqual(readdirSync(target), ['precious.txt']);
    t.is(readFileSync(join(target, 'precious.txt'), 'utf8'), 'keep me\n');
    t.is(readFileSync(file, 'utf8'), 'a file, not a directory\n');
  });

  test(`${label(codec)}: a target created by someone else while the job runs is not overwritten`, async (t) => {
    const { parent, listing, before } = parentDir(`race-${label(codec)}`);
    const target = join(parent, 'out');
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached: () => void = () => {};
    const blocked = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const job = sc
      .parallelize(range(8000), 8)
      .mapPartitionsWithIndex(async function* (i, it) {
        if (i === 7) {
          reached();
          await gate;
        }
        yield* it;
      })
      .saveAsTextFile(target, codec);
    await blocked;
    // While it runs, the parts are in a hidden temporary sibling, not under the target.
    const during = listing().filter((n) => !before.includes(n));
    t.is(during.length, 1);
    t.regex(during[0] ?? '', /^\.out\.sparkling-tmp-/);
    mkdirSync(target);
    writeFileSync(join(target, 'theirs.txt'), 'written by another writer\n');
    release();
    const e = await t.throwsAsync(job, { instanceOf: PathExistsError });
    t.is(e?.path, target);
    t.deepEqual(listing(), [...before, 'out'].sort(), 'no temporary directory left');
    t.deepEqual(readdirSync(target), ['theirs.txt']);
    t.is(readFileSync(join(target, 'theirs.txt'), 'utf8'), 'written by another writer\n');
  });

  test(`${label(codec)}: a missing input or a cancelled job leaves nothing behind`, async (t) => {
    const { parent, listing, before } = parentDir(`source-${label(codec)}`);
    const missing = join(parent, 'no-such-input.txt');
    const e = await t.throwsAsync(() => sc.textFile(missing).saveAsTextFile(join(parent, 'out'), codec), {
      instanceOf: PathNotFoundError,
    });
    t.is(e?.path, missing);
    t.deepEqual(listing(), before);
    const reason = new Error('cancelled');
    const controller = new AbortController();
    const running = sc
      .range(0, 1e12, 1, 8)
      .map((x) => `${x}`)
      .saveAsTextFile(join(parent, 'out'), codec, { signal: controller.signal });
    setTimeout(() => controller.abort(reason), 50);
    t.is(await running.catch((err: unknown) => err), reason);
    t.deepEqual(listing(), before);
  });
}
