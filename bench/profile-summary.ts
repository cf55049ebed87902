/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): the functions with
 * the most self time and total time, and the source lines with the most
 * self time, as shares of the samples.
 *
 * tsx puts each compiled module on few lines, so for line-level figures
 * profile an unminified esbuild bundle of the benchmark (run from the repo
 * root; the bundle must sit in bench/ so that it finds bench/data/):
 *
 *   npx esbuild bench/sort.ts --bundle --platform=node --format=esm --outfile=bench/.prof.mjs
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/.prof.mjs --child sort:sparkling
 *   npx tsx bench/profile-summary.ts /tmp/prof [top]
 *
 * Given a directory, reads the profile with the most busy (non-idle)
 * samples: under tsx, the loader thread writes a second, mostly idle one.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [path, topArg] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: profile-summary.ts file.cpuprofile|dir [top]');
const top = Number(topArg ?? 25);
const files = statSync(path).isDirectory()
  ? readdirSync(path)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(path, f))
  : [path];
const busy = (p: Profile) => {
  const idle = new Set(p.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
  return p.samples.filter((id) => !idle.has(id)).length;
};
const profile = files
  .map((f) => JSON.parse(readFileSync(f, 'utf8')) as Profile)
  .reduce((a, b) => (busy(b) > busy(a) ? b : a));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const file = (url: string) => url.replace(/^file:\/\/.*?\/(lib|bench|node_modules)\//, '$1/');
const label = (n: ProfileNode) => {
  const f = n.callFrame;
  const where = file(f.url);
  return `${f.functionName || '(anonymous)'} ${where ? `${where}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`.trim();
};

const self = new Map<string, number>();
const total = new Map<string, number>();
for (const id of profile.samples) {
  const leaf = byId.get(id);
  if (leaf === undefined) continue;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + 1);
  const seen = new Set<string>();
  for (let n: ProfileNode | undefined = leaf; n !== undefined; n = byId.get(parent.get(n.id) ?? -1)) {
    const l = label(n);
    if (seen.has(l)) continue;
    seen.add(l);
    total.set(l, (total.get(l) ?? 0) + 1);
  }
}
const lines = new Map<string, number>();
for (const n of profile.nodes)
  for (const t of n.positionTicks ?? []) {
    const key = `${file(n.callFrame.url)}:${t.line} (${n.callFrame.functionName || 'anonymous'})`;
    lines.set(key, (lines.get(key) ?? 0) + t.ticks);
  }

const count = profile.samples.length;
const print = (title: string, m: Map<string, number>) => {
  console.log(`${title} (${count} samples)`);
  for (const [l, c] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * c) / count).toFixed(1).padStart(6)}%  ${l}`);
  console.log();
};
print('self time by function', self);
print('total time by function', total);
print('self time by line', lines);
