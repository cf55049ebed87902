import test from 'ava';
import fc from 'fast-check';
import { numericOrder } from '../../lib/ops/radix.js';
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
