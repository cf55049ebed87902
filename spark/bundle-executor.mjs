// Bundles sparkling's stage executor (lib/spark/executor-main.ts) into dist/spark/sparkling-executor.mjs:
// one plain file that `node` runs on Spark's executors. Part of `npm run build`; run from the sources,
// lib/spark/executor-script.ts makes the same bundle on first use.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
await build({
  entryPoints: [path.join(root, 'lib/spark/executor-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile: path.join(root, 'dist/spark/sparkling-executor.mjs'),
  banner: {
    js: "import { createRequire as __sparklingRequire } from 'node:module'; const require = __sparklingRequire(import.meta.url);",
  },
  external: ['@aws-sdk/*'],
  // Whitespace and syntax only: names stay (errors travel by class name), and the installed package
  // stays under its 5 MB budget (650 KB unminified).
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});
