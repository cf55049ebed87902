/**
 * The API reference: `npm run docs` (TypeDoc, pinned in tools/docs) builds
 * a page for every public class with an anchor for every public method, its
 * example, the contract and the Coming from PySpark page; then a real
 * headless browser (Debian's chromium through playwright-core, never a
 * downloaded one) opens the RDD page and uses the search box.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import * as sparkling from '../../lib/index.js';

const exec = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const CHROMIUM = process.env.SPARKLING_CHROMIUM ?? '/usr/bin/chromium';
const MINUTES = 60_000;
/** The second pass of `npm test` (SPARKLING_WORKERS=2) does not build the docs again: they do not depend on it. */
const workersPass = (process.env.SPARKLING_WORKERS ?? '') !== '';

let work: string;
let site: string;

test.before(async (t) => {
  if (workersPass) return;
  t.timeout(5 * MINUTES);
  work = await mkdtemp(join(tmpdir(), 'sparkling-docs-'));
  site = join(work, 'site');
  await exec(process.execPath, [join(root, 'tools', 'docs', 'build.mjs'), '--out', site], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
});

test.after.always(async () => {
  if (work !== undefined) await rm(work, { recursive: true, force: true });
});

/** The public members of a class's prototype, inherited ones included (RDD's method families are base classes). */
const publicNames = (proto: object): string[] => {
  const names = new Set<string>();
  for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p))
    for (const n of Object.getOwnPropertyNames(p))
      if (n !== 'constructor' && !n.startsWith('_')) names.add(n);
  return [...names];
};

const page = (name: string) => readFile(join(site, 'classes', `${name}.html`), 'utf8');

test.serial('every public class has a page, and every public method an anchor on it', async (t) => {
  if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
  const classes: [string, object][] = [
    ['RDD', sparkling.RDD.prototype],
    ['Context', sparkling.Context.prototype],
    ['StatCounter', sparkling.StatCounter.prototype],
    ['Broadcast', sparkling.Broadcast.prototype],
    ['Accumulator', sparkling.Accumulator.prototype],
    ['ValueMap', sparkling.ValueMap.prototype],
    ['StatusTracker', sparkling.StatusTracker.prototype],
    ['BoundedFloat', sparkling.BoundedFloat.prototype],
  ];
  for (const [name, proto] of classes) {
    const html = await page(name);
    const missing = publicNames(proto).filter((m) => !html.includes(`id="${m.toLowerCase()}"`));
    t.deepEqual(missing, [], `${name}: methods without an anchor`);
  }
  t.true(publicNames(sparkling.RDD.prototype).length > 80);
  for (const error of [
    'SparklingError',
    'ArgumentError',
    'TaskError',
    'PathNotFoundError',
    'CodecError',
    'IOError',
  ])
    t.true(existsSync(join(site, 'classes', `${error}.html`)), error);
});

test.serial(
  'method pages carry their examples; the contract and Coming from PySpark are there',
  async (t) => {
    if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
    const rdd = await page('RDD');
    const text = rdd
      .replace(/<[^>]+>/g, '')
      .replaceAll('&gt;', '>')
      .replaceAll('&#39;', "'");
    t.true(text.includes('reduceByKey((x, y) => x + y)'), 'reduceByKey example');
    t.true(text.includes('// => [2, 4, 6]'), 'map example with its result');
    const documents = join(site, 'documents');
    const pyspark = await readFile(join(documents, 'Coming_from_PySpark.html'), 'utf8');
    for (const term of ['None', 'undefined', 'keyword', 'Promise', 'tuple', 'not there'])
      t.true(pyspark.includes(term), `Coming from PySpark mentions ${term}`);
    const api = await readFile(join(documents, 'API.html'), 'utf8');
    t.true(api.includes('sparkling-rdd'));
    const index = await readFile(join(site, 'index.html'), 'utf8');
    t.true(index.includes('Coming_from_PySpark.html'), 'the landing page links Coming from PySpark');
  },
);

/** Serves `dir` on a free port of 127.0.0.1. */
async function serve(dir: string): Promise<Server> {
  const types: Record<string, string> = {
    '.html': 'text/html; charset=utf-8',
    '.js': 'text/javascript',
    '.css': 'text/css',
    '.svg': 'image/svg+xml',
    '.json': 'application/json',
  };
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(
      /^(\.\.[/\\])+/,
      '',
    );
    try {
      const body = await readFile(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  return server;
}

test.serial(
  'in headless chromium: the RDD page renders its methods and the search box finds one',
  async (t) => {
    if (workersPass) return t.pass('checked in the pass without SPARKLING_WORKERS');
    t.timeout(3 * MINUTES);
    if (!existsSync(CHROMIUM)) {
      const reason = `${CHROMIUM} is not installed (apt-get install chromium; .ci/run does)`;
      if (process.env.SPARKLING_REQUIRE_BROWSER === '1')
        return t.fail(`SPARKLING_REQUIRE_BROWSER=1 but ${reason}`);
      t.log(`skipped: ${reason}`);
      return t.pass();
    }
    const { chromium } = await import('playwright-core');
    const profile = await mkdtemp(join(tmpdir(), 'sparkling-chromium-'));
    const server = await serve(site);
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const errors: string[] = [];
      const tab = await browser.newPage();
      tab.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} ${m.location().url}`);
      });
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('response', (r) => {
        if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`);
      });
      const { port } = server.address() as AddressInfo;
      await tab.goto(`http://127.0.0.1:${port}/classes/RDD.html`, { waitUntil: 'load' });
      t.is(await tab.title(), 'RDD | sparkling-rdd');
      // The methods render: their headings are visible on the page.
      const methods = await tab.locator('section.tsd-member h3.tsd-anchor-link').allInnerTexts();
      for (const m of ['map', 'reduceByKey', 'collect', 'toNodeStream', 'saveAsTextFile'])
        t.true(
          methods.some((h) => h.trim().startsWith(m)),
          `${m} among ${methods.length} headings`,
        );
      // The search box: type a method name, the results list it.
      await tab.click('#tsd-search-trigger');
      await tab.fill('#tsd-search-input', 'reduceByKey');
      const result = tab.locator('#tsd-search-results li', { hasText: 'reduceByKey' }).first();
      await result.waitFor({ state: 'visible', timeout: 30_000 });
      t.regex(await result.innerText(), /reduceByKey/);
      t.deepEqual(errors, [], 'no console errors');
    } finally {
      await browser.close();
      server.close();
      await rm(profile, { recursive: true, force: true });
    }
  },
);
