import test from 'ava';
import fc from 'fast-check';
import { fromJSON, toJSON } from '../../lib/values/json.js';
import { value } from './arbitraries.js';

test('json: what structured clone keeps comes back as it was', (t) => {
  const v = [
    1n,
    undefined,
    -0,
    Number.NaN,
    Number.NEGATIVE_INFINITY,
    new Map<unknown, unknown>([[['k', 1], new Set([Number.NaN, 'x'])]]),
    { $tag: 1, plain: [new Date(5), null, true], __proto__x: 'p' },
    new Float64Array([1.5, -2]),
    new BigInt64Array([3n]),
    /a+b/gi,
    new Uint8Array([1, 2, 3]).buffer,
    'text',
  ];
  t.deepEqual(fromJSON(toJSON(v)), v);
  t.true(Object.is((fromJSON(toJSON(-0)) as number) + 0, 0));
  t.is(typeof JSON.parse(toJSON(v)), 'object', 'plain JSON text');
  t.throws(() => toJSON(new URL('http://x/')), { instanceOf: TypeError, message: /URL cannot be written/ });
  t.throws(() => toJSON(() => 1), { instanceOf: TypeError });
});

test('json: property: writing what was read writes the same text', (t) => {
  fc.assert(
    fc.property(value, (v) => {
      const text = toJSON(v);
      return toJSON(fromJSON(text)) === text;
    }),
  );
  t.pass();
});
