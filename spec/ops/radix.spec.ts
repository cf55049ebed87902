import test from 'ava';
import fc from 'fast-check';
import { numericOrder, numericSort, sortedNumbers } from '../../lib/ops/radix.js';
import { compare } from '../../lib/values/compare.js';

const numbers = fc.array(
  fc.oneof(
    fc.double(),
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, -1e308),
  ),
  { maxLength: 300 },
);

test('numericOrder: a stable sort in natural order (NaN last, -0 equal to 0), both directions', (t) => {
  fc.assert(
    fc.property(numbers, fc.boolean(), (keys, ascending) => {
      const order = numericOrder(keys, ascending);
      if (order === null) return false;
      const reference = keys
        .map((_k, i) => i)
        .sort((a, b) => (ascending ? compare(keys[a], keys[b]) : compare(keys[b], keys[a])));
      return JSON.stringify([...order]) === JSON.stringify(reference);
    }),
    { numRuns: 300 },
  );
  t.deepEqual([...(numericOrder([3, Number.NaN, -0, 0, -Infinity, 2], true) ?? [])], [4, 2, 3, 5, 0, 1]);
  t.is(numericOrder([1, '2'], true), null);
});

/** The reference: indices sorted by `compare`, stably (Array.prototype.sort is stable). */
function referenceOrder(keys: readonly number[], ascending: boolean): number[] {
  return keys
    .map((_k, i) => i)
    .sort((a, b) => (ascending ? compare(keys[a], keys[b]) : compare(keys[b], keys[a])));
}

test('numericSort: large ranges split over several digit levels, clusters and duplicates included', (t) => {
  // Keys that share their high bits, or differ only in the low word, or repeat a lot:
  // the sort recurses through several levels and ends in insertion sorts and all-equal ranges.
  const families: Record<string, (i: number) => number> = {
    uniform: () => Math.random(),
    cluster: () => 1 + Math.random() * 2 ** -40,
    lowWord: (i) => 2 ** 30 + ((i * 7919) % 5000),
    fewValues: (i) => [-1.5, 0, 3, Number.NaN, -0][i % 5] as number,
    mixedSigns: () => (Math.random() - 0.5) * 10 ** (Math.random() * 40 - 20),
  };
  for (const [name, make] of Object.entries(families))
    for (const ascending of [true, false]) {
      const keys = Array.from({ length: 20_000 }, (_, i) => make(i));
      const sorted = numericSort(keys, ascending);
      if (sorted === null) return t.fail(name);
      t.deepEqual([...sorted.order], referenceOrder(keys, ascending), `${name} ascending=${ascending}`);
      const back = sortedNumbers(sorted);
      if (name === 'fewValues') t.is(back, null, 'a -0 key cannot be read back from its pattern');
      else
        t.deepEqual(
          back,
          [...sorted.order].map((i) => keys[i]),
          `${name}: the numbers read back from the patterns are the keys in order`,
        );
    }
});

test('sortedNumbers: gives back every number exactly, NaN and infinities included', (t) => {
  const keys = [2, Number.NaN, -Infinity, 5e-324, -5e-324, Infinity, -1, 1.5, 0, Number.MAX_VALUE];
  for (const ascending of [true, false]) {
    const sorted = numericSort(keys, ascending);
    if (sorted === null) return t.fail();
    const expected = [...keys].sort((a, b) => (ascending ? compare(a, b) : compare(b, a)));
    t.deepEqual(sortedNumbers(sorted), expected);
  }
});
