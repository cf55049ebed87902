/**
 * The same word count on Apache Spark or in this process: with
 * SPARKLING_MASTER set (spark://host:7077, local[2], yarn ...; SPARK_HOME a
 * Spark 4 directory, e.g. the pyspark wheel's) every job runs on that
 * Spark; without it, here. The answer is the same either way.
 *
 *   SPARKLING_MASTER=local[2] SPARK_HOME=$(python3 -c 'import pyspark, os; print(os.path.dirname(pyspark.__file__))') \
 *     npx tsx examples/spark-wordcount.ts [file]
 */
import { fileURLToPath } from 'node:url';
import { Context } from 'sparkling-rdd';

const file = process.argv[2] ?? fileURLToPath(new URL('./data/spark-notes.txt', import.meta.url));
// `master` comes from SPARKLING_MASTER when the options leave it out.
const sc = new Context();
try {
  const counts = sc
    .textFile(file, 2)
    .flatMap((line) => line.toLowerCase().split(/[^a-z']+/))
    .filter((word) => word.length > 0)
    .map((word): [string, number] => [word, 1])
    .reduceByKey((a, b) => a + b, 2);
  const all = await counts.collect();
  all.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  console.log(`running on: ${sc.master ?? 'this process'}`);
  console.log(`${all.length} distinct words, ${await counts.map(([, n]) => n).sum()} in all; top words:`);
  for (const [word, n] of all.slice(0, 10)) console.log(`${String(n).padStart(4)}  ${word}`);
  console.log('\nplan:');
  console.log(counts.explain());
} finally {
  // Ends the Spark application (the process waits for its JVM to exit).
  sc.stop();
}
