import { Context } from './lib/index.js';
const sc = new Context({ defaultParallelism: 2, workers: 0 });
const batch = Array.from({ length: 200 }, (_, i) => [`w${i * 3 % 1000}`, 1] as [string, number]);
const t0 = performance.now();
for (let i = 0; i < 300; i++) await sc.parallelize(batch, 2).reduceByKey((a, b) => a + b, 2).collect();
console.log(((performance.now() - t0) / 300).toFixed(2), 'ms/job');
