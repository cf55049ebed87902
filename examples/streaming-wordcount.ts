/**
 * Streaming example: a stateful word count over a TCP socket, as Spark's
 * network_wordcount / stateful_network_wordcount examples.
 *
 *   npx tsx examples/streaming-wordcount.ts                 # a self-contained demo
 *   nc -lk 9999 & npx tsx examples/streaming-wordcount.ts localhost 9999
 *
 * Without arguments it starts a small TCP server on a free port of
 * 127.0.0.1 that sends the lines of data/spark-notes.txt a few at a time;
 * the stream counts words in batches of half a second, keeps running totals
 * with updateStateByKey and the last two seconds with reduceByKeyAndWindow,
 * and stops (gracefully) once every word sent has been counted.
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { Context, type RDD, StreamingContext } from 'sparkling-rdd';

const tokens = (line: string): string[] =>
  line
    .toLowerCase()
    .split(/[^a-z']+/)
    .filter((w) => w.length > 0);

const [host, portArg] = process.argv.slice(2);
let port = Number(portArg);
let server: net.Server | undefined;
let expected = Number.POSITIVE_INFINITY;

if (host === undefined) {
  // The demo server: one client; the text in chunks of three lines, 100 ms apart.
  const text = readFileSync(fileURLToPath(new URL('./data/spark-notes.txt', import.meta.url)), 'utf8');
  const lines = text.split('\n');
  expected = tokens(text).length;
  server = net.createServer(async (socket) => {
    server?.close(); // no second client
    socket.on('error', () => {});
    for (let i = 0; i < lines.length; i += 3) {
      socket.write(`${lines.slice(i, i + 3).join('\n')}\n`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as net.AddressInfo).port;
}

const sc = new Context();
const ssc = new StreamingContext(sc, 0.5);

const words = ssc
  .socketTextStream(host ?? '127.0.0.1', port)
  .flatMap(tokens)
  .map((word) => [word, 1] as [string, number]);

// Running totals since the start: each word's state, updated every batch.
const totals = words.updateStateByKey(
  (ones: number[], total: number | undefined) => (total ?? 0) + ones.length,
);

// The last two seconds, updated incrementally: words leaving the window are subtracted, and dropped at 0.
const recent = words.reduceByKeyAndWindow(
  (a, b) => a + b,
  (a, b) => a - b,
  2,
  0.5,
  undefined,
  ([, n]) => n > 0,
);

let top: [string, number][] = [];
let counted = 0;
totals.foreachRDD(async (time: Date, rdd: RDD<[string, number]>) => {
  top = await rdd.takeOrdered(5, ([w, n]) => [-n, w]);
  counted = (await rdd.values().sum()) as number;
  console.log(
    `${time.toISOString()}  ${counted} words so far; top: ${top.map(([w, n]) => `${w}=${n}`).join(' ')}`,
  );
  if (counted >= expected) void ssc.stop(true, true);
});
recent.count().foreachRDD(async (time: Date, rdd: RDD<number>) => {
  const [distinct = 0] = await rdd.collect();
  console.log(`${time.toISOString()}  ${distinct} distinct words in the last 2 s`);
});

await ssc.start();
await ssc.awaitTermination(); // the demo stops itself; with a server of your own, until Ctrl-C
console.log(`final: ${counted} words; top: ${top.map(([w, n]) => `${w}=${n}`).join(' ')}`);
