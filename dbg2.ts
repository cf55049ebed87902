import { Context } from './lib/index.js';
const sc = new Context({ defaultParallelism: 2, workers: 0 });
const state = Array.from({ length: 1000 }, (_, i) => [`w${i}`, i] as [string, number]);
const batch = Array.from({ length: 200 }, (_, i) => [`w${i * 3 % 1000}`, 1] as [string, number]);
for (const label of ['cogroup', 'reduceByKey', 'parallelize-collect', 'glom-collect']) {
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) {
    if (label === 'cogroup') await sc.parallelize(state, 2).cogroup(sc.parallelize(batch, 2), 2).flatMapValues(([a, b]) => [a.length + b.length]).glom().collect();
    if (label === 'reduceByKey') await sc.parallelize(batch, 2).reduceByKey((a, b) => a + b, 2).collect();
    if (label === 'parallelize-collect') await sc.parallelize(batch, 2).collect();
    if (label === 'glom-collect') await sc.parallelize(batch, 2).glom().collect();
  }
  console.log(label, ((performance.now() - t0) / 200).toFixed(2), 'ms/job');
}
