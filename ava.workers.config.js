// The second pass of `npm test` (SPARKLING_WORKERS=2): every spec but the Spark ones. On a Spark
// Context every stage runs on Spark's executors and `workers` does not apply, so a second pass of
// spec/spark would repeat the first one's Spark jobs exactly (about 25 minutes) and test nothing new.
import base from './ava.config.js';

export default { ...base, files: [...base.files, '!spec/spark/**'] };
