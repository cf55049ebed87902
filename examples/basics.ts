/**
 * The basic operations from pysparkling's talk: a cached map over 100 numbers
 * in 20 partitions; `first()` computes only the first partition.
 */
import { Context } from 'sparkling-rdd';

const sc = new Context();
let calls = 0;
const rdd = sc
  .parallelize(
    Array.from({ length: 100 }, (_, i) => i),
    20,
  )
  .map((n) => {
    calls++;
    return n + 10;
  })
  .cache();

console.log('first:', await rdd.first());
console.log('map calls after first():', calls, '(only the first partition of 5)');
console.log('count:', await rdd.count());
console.log('map calls after count():', calls, '(every partition once)');
console.log('sum:', await rdd.sum(), 'map calls:', calls, '(served from the cache)');
console.log(rdd.explain());
