/**
 * Runs every `@example` in lib/ and checks its `// =>` line, as pysparkling
 * ran its doctests; and checks that every public method of RDD and Context
 * has an example.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import test from 'ava';
import * as sparkling from '../lib/index.js';

const root = join(import.meta.dirname, '..', 'lib');

function* files(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) yield* files(p);
    else if (p.endsWith('.ts')) yield p;
  }
}

interface Example {
  file: string;
  where: string;
  owner: string;
  code: string;
  expected: string;
}

/** The declaration a doc comment documents: the name on the first code line after it. */
function ownerAfter(source: string, end: number): string {
  const rest =
    source
      .slice(end)
      .split('\n')
      .find((l) => l.trim() !== '' && !l.trim().startsWith('//')) ?? '';
  const m =
    /^\s*(?:export\s+)?(?:(?:static|async|get|set|readonly|class|function)\s+)*([A-Za-z_$][\w$]*)/.exec(rest);
  return m?.[1] ?? '?';
}

function examples(): { all: Example[]; documented: Set<string> } {
  const all: Example[] = [];
  const documented = new Set<string>();
  for (const file of files(root)) {
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/\/\*\*([\s\S]*?)\*\//g)) {
      const body = m[1] as string;
      if (!body.includes('@example')) continue;
      const owner = ownerAfter(source, (m.index ?? 0) + m[0].length);
      documented.add(owner);
      const lines = body.split('\n').map((l) => l.replace(/^\s*\* ?/, ''));
      let i = lines.findIndex((l) => l.startsWith('@example'));
      const line = source.slice(0, m.index).split('\n').length;
      while (i >= 0 && i < lines.length) {
        const code: string[] = [];
        i++;
        while (
          i < lines.length &&
          !(lines[i] as string).startsWith('// =>') &&
          !(lines[i] as string).startsWith('@')
        )
          code.push(lines[i++] as string);
        if (i < lines.length && (lines[i] as string).startsWith('// =>')) {
          all.push({
            file,
            where: `${relative(root, file)}:${line}`,
            owner,
            code: code.join('\n').trim(),
            expected: (lines[i] as string).slice(5).trim(),
          });
        }
        i = lines.findIndex((l, j) => j > i && l.startsWith('@example'));
      }
    }
  }
  return { all, documented };
}

/** Splits code at its last top-level `;` so the final expression can be returned. */
function splitLast(code: string): [string, string] {
  const src = code.replace(/;\s*$/, '');
  let depth = 0;
  let quote: string | null = null;
  let last = -1;
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (quote !== null) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"' || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ';' && depth === 0) last = i;
  }
  return [src.slice(0, last + 1), src.slice(last + 1)];
}

const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
  ...args: string[]
) => (...args: unknown[]) => Promise<unknown>;

const { all, documented } = examples();

for (const ex of all) {
  test(`@example ${ex.owner} (${ex.where})`, async (t) => {
    // In scope: the public exports, then the example's own module's exports.
    const own = (await import(ex.file)) as Record<string, unknown>;
    const scope: Record<string, unknown> = { ...own, ...sparkling, tmpdir };
    const names = Object.keys(scope);
    const [prefix, last] = splitLast(ex.code);
    const run = new AsyncFunction('sc', ...names, `${prefix}\nreturn (${last});`);
    const sc = new sparkling.Context({ defaultParallelism: 2, workers: 0 });
    const actual = await run(sc, ...names.map((n) => scope[n]));
    const expected: unknown = new Function(`return (${ex.expected});`)();
    t.deepEqual(actual, expected, ex.code);
  });
}

test('every public method of RDD and Context has an @example', (t) => {
  // RDD's methods come in families, one class each: every class up the chain counts.
  const publicNames = (proto: object): string[] => {
    const names: string[] = [];
    for (let p: object | null = proto; p !== null && p !== Object.prototype; p = Object.getPrototypeOf(p))
      names.push(...Object.getOwnPropertyNames(p).filter((n) => n !== 'constructor' && !n.startsWith('_')));
    return names;
  };
  const missing = [
    ...publicNames(sparkling.RDD.prototype),
    ...publicNames(sparkling.Context.prototype),
  ].filter((n) => !documented.has(n));
  t.deepEqual(missing, []);
  t.true(all.length > 80, `only ${all.length} examples found`);
});
