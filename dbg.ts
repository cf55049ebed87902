import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { Context, StreamingContext, ManualClock } from './lib/index.js';
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const sc = new Context({ defaultParallelism: 2 });
const clock = new ManualClock();
const ssc = new StreamingContext(sc, 1, { clock });
const words = (t: number) => { const out: string[] = []; let x = t / 1000; for (let i = 0; i < 200; i++) { x = (x * 1103515245 + 12345) % 2147483648; out.push(`w${x % 1000}`); } return out; };
const s = ssc.queueStream<number>([], true, [0]).transform((time: Date, _rdd) => sc.parallelize(words(time.getTime()), 2));
let last: [string, number][] = [];
const state = s.map((w) => [w, 1] as [string, number]).updateStateByKey((vs: number[], c: number | undefined) => (c ?? 0) + vs.length);
state.foreachRDD(async (t: Date, rdd) => { if (t.getTime() % 600000 === 0) last = await rdd.collect(); });
await ssc.start();
const t0 = Date.now();
for (let i = 1; i <= 3600; i++) {
  await clock.advance(1000);
  if (i % 600 === 0) { gc(); console.log(i, 'batches', Date.now() - t0, 'ms', (process.memoryUsage().heapUsed / 1048576).toFixed(1), 'MiB heap', last.length); }
}
await ssc.stop();
