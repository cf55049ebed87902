/**
 * The PySpark conformance table (spec/conformance-cases.ts) in local mode:
 * each case on a Context of its own.
 */
import test from 'ava';
import { cases, checkCase, divergences, expected } from './conformance-cases.js';
import { context } from './helpers.js';

test('every PySpark case has a sparkling counterpart and vice versa', (t) => {
  t.deepEqual(Object.keys(cases).sort(), Object.keys(expected).sort());
});

for (const name of Object.keys(expected)) {
  if (cases[name] === undefined) continue;
  const title =
    divergences[name] === undefined ? 'PySpark conformance' : 'PySpark conformance (known divergence)';
  test(`${title}: ${name}`, (t) => checkCase(t, name, context()));
}
