/**
 * The PySpark conformance table (spec/conformance-cases.ts) a second time, on
 * the Spark test cluster (spec/spark/cluster.sh): every case on ONE shared
 * Context, so the bridge (one Spark application) starts once. A case that
 * cannot run on Spark yet is in `EXCLUDED` with the reason; the spec fails
 * when an excluded case conforms (the list must shrink as operators land) and
 * when a case not excluded does not. Then a smaller run of the model-based
 * property (spec/reliability/chains.ts: random operator chains against a
 * plain-array model) on the same Context, drawn from the operators that run
 * on Spark. Without Java or Spark every test is
 * reported as skipped with the reason; SPARKLING_REQUIRE_SPARK=1 (CI) makes
 * that a failure.
 */
import test from 'ava';
import fc from 'fast-check';
import { cases, checkCase, expected } from '../conformance-cases.js';
import { type Drawn, drawn, fitChain, run, SEED, source } from '../reliability/chains.js';
import { sparkSuite } from './harness.js';

/**
 * Cases that do not run on Spark yet (none today), each with the reason: each
 * rejects with an UnsupportedOnSparkError (or, where the case catches
 * errors, returns its message). Each must keep doing so: a case here that
 * conforms fails this spec until it is taken off the list, and so does one
 * that fails in any other way.
 */
const EXCLUDED: Readonly<Record<string, string>> = {};

/**
 * No waiting for a busy executor that holds a shuffle's map outputs (many small jobs; where a
 * task runs changes no result).
 */
const suite = sparkSuite({ name: 'conformance', conf: { 'spark.locality.wait': '0s' }, timeoutMs: 300_000 });
const { sparkTest } = suite;

test('every excluded case is a case of the table, with a reason', (t) => {
  t.pass();
  for (const [name, why] of Object.entries(EXCLUDED)) {
    t.true(name in expected && name in cases, `EXCLUDED names no case: ${name}`);
    t.true(why.trim().length > 0, `no reason for ${name}`);
  }
});

for (const name of Object.keys(expected)) {
  if (cases[name] === undefined) continue;
  const why = EXCLUDED[name];
  if (why === undefined) {
    sparkTest(`PySpark conformance on Spark: ${name}`, (t) => checkCase(t, name, suite.sc));
    continue;
  }
  sparkTest(`PySpark conformance on Spark (excluded: ${why}): ${name}`, async (t) => {
    const attempt = await t.try((tt) => checkCase(tt, name, suite.sc));
    attempt.discard();
    t.false(
      attempt.passed,
      `"${name}" now conforms on Spark: take it off EXCLUDED in spec/spark/conformance.spec.ts`,
    );
    if (attempt.passed) return;
    // Refused, as the reason says: not a wrong answer or another error.
    const said = attempt.errors
      .map((e) => `${e.message}\n${JSON.stringify(e.formattedDetails ?? e.values ?? '')}`)
      .join('\n');
    t.regex(said, /is not supported on Spark/, `"${name}" fails on Spark, but not because Spark refuses it`);
  });
}

/** The chain operators the property does not draw on Spark yet, by the name `chainOpName` gives them, with the reason. */
const CHAIN_OPS_EXCLUDED: Readonly<Record<string, string>> = {};
const chainOpName = (d: Drawn): string =>
  d.op === 'coalesce' && !d.shuffle
    ? 'coalesce without shuffle'
    : d.op === 'union' && d.other === 'self'
      ? 'union with itself'
      : d.op;
const SPARK_RUNS = Number(process.env.FC_SPARK_RUNS ?? 20);

sparkTest(
  `random operator chains on Spark ≡ the plain-array model (seed ${SEED}, ${SPARK_RUNS} runs)`,
  async (t) => {
    t.timeout(1_200_000);
    const onSpark = drawn.filter((d) => !(chainOpName(d) in CHAIN_OPS_EXCLUDED));
    await t.notThrowsAsync(() =>
      fc.assert(
        fc.asyncProperty(source, fc.array(onSpark, { minLength: 1, maxLength: 6 }), async (src, ops) => {
          await run(src, fitChain(src, ops), suite.sc);
        }),
        // No shrinking on a cluster (each step is Spark jobs): the failing chain is printed as drawn.
        { numRuns: SPARK_RUNS, seed: SEED, includeErrorInReport: true, timeout: 240_000, endOnFailure: true },
      ),
    );
  },
);
