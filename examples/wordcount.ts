/**
 * The main example: word count over a text file shipped beside this script.
 * Prints the ten most frequent words and the plan of the job.
 *
 *   npm run example
 */
import { fileURLToPath } from 'node:url';
import { Context } from 'sparkling-rdd';

const path = fileURLToPath(new URL('./data/spark-notes.txt', import.meta.url));
const sc = new Context();

const counts = sc
  .textFile(path, 2)
  .flatMap((line) => line.toLowerCase().split(/[^a-z']+/))
  .filter((word) => word.length > 0)
  .map((word) => [word, 1])
  .reduceByKey((a, b) => a + b);

const top = await counts.takeOrdered(10, ([word, n]) => [-n, word]);
console.log('top words:');
for (const [word, n] of top) console.log(`${String(n).padStart(4)}  ${word}`);
console.log('\nplan:');
console.log(counts.explain());
