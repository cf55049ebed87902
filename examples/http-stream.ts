/**
 * Streams a job's result into an HTTP response. A server answers
 * `GET /counts` with the word counts of data/spark-notes.txt, one
 * `count<TAB>word` line each, most frequent first; the lines leave as the
 * client reads them (back-pressure), and a client that hangs up stops the
 * job. The script starts the server on a free port, fetches the counts
 * once, prints the first lines and stops.
 *
 *   npx tsx examples/http-stream.ts
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Context } from 'sparkling-rdd';

const path = fileURLToPath(new URL('./data/spark-notes.txt', import.meta.url));
const sc = new Context();

const server = createServer(async (request, response) => {
  if (request.url !== '/counts') {
    response.writeHead(404).end();
    return;
  }
  const lines = sc
    .textFile(path)
    .flatMap((line) => line.toLowerCase().split(/[^a-z']+/))
    .filter((word) => word.length > 0)
    .map((word) => [word, 1])
    .reduceByKey((a, b) => a + b)
    .sortBy(([word, n]) => [-n, word])
    .map(([word, n]) => `${n}\t${word}`);
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  try {
    await pipeline(lines.toNodeStream({ encoding: 'utf8' }), response);
  } catch (e) {
    // The client hung up (the job is stopped and its file closed) or the job failed.
    console.error('response ended early:', (e as Error).message);
  }
});
server.listen(0, '127.0.0.1');
await once(server, 'listening');
const { port } = server.address() as AddressInfo;

const body = await (await fetch(`http://127.0.0.1:${port}/counts`)).text();
const lines = body.trimEnd().split('\n');
console.log(`GET /counts: ${lines.length} lines, the first five:`);
for (const line of lines.slice(0, 5)) console.log(`  ${line}`);

server.close();
sc.stop();
