/**
 * Bindings of Node's built-in modules a user function may capture
 * (`import { createHash } from 'node:crypto'`, `import path from
 * 'node:path'`): such a capture travels as the module's name and the export's
 * name, and is bound again from the same built-in wherever the function is
 * rebuilt. The index of built-in exports is made on first need.
 */
import { createRequire } from 'node:module';

/** Where a captured value comes from: a built-in module, and the export's name (null: the module itself). */
export interface BuiltinRef {
  readonly module: string;
  readonly export: string | null;
}

/** The built-ins searched: Node's stable modules whose loading prints no warning. */
const MODULES = [
  'assert',
  'assert/strict',
  'async_hooks',
  'buffer',
  'child_process',
  'crypto',
  'dgram',
  'diagnostics_channel',
  'dns',
  'dns/promises',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'path/posix',
  'path/win32',
  'perf_hooks',
  'querystring',
  'readline',
  'readline/promises',
  'stream',
  'stream/consumers',
  'stream/promises',
  'stream/web',
  'string_decoder',
  'timers',
  'timers/promises',
  'tls',
  'tty',
  'url',
  'util',
  'util/types',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

const require = createRequire(import.meta.url);
let index: Map<unknown, BuiltinRef> | undefined;

function build(): Map<unknown, BuiltinRef> {
  const out = new Map<unknown, BuiltinRef>();
  for (const name of MODULES) {
    const module = `node:${name}`;
    let exports: unknown;
    try {
      exports = require(module);
    } catch {
      continue;
    }
    if (typeof exports !== 'object' && typeof exports !== 'function') continue;
    if (exports === null || out.has(exports)) continue;
    out.set(exports, { module, export: null });
    // Data properties only: reading a getter could print a deprecation warning.
    for (const [key, d] of Object.entries(Object.getOwnPropertyDescriptors(exports))) {
      const v: unknown = d.value;
      if (key === 'default' || !('value' in d)) continue;
      if ((typeof v === 'function' || (typeof v === 'object' && v !== null)) && !out.has(v))
        out.set(v, { module, export: key });
    }
  }
  return out;
}

/** The built-in module binding `value` is, if it is one (a namespace import counts as its module). */
export function builtinOf(value: unknown): BuiltinRef | undefined {
  if ((typeof value !== 'function' && typeof value !== 'object') || value === null) return undefined;
  index ??= build();
  const hit = index.get(value);
  if (hit !== undefined) return hit;
  if (Object.prototype.toString.call(value) === '[object Module]') {
    const module = index.get((value as { default?: unknown }).default);
    if (module !== undefined && module.export === null) return module;
  }
  return undefined;
}

/** The value a `BuiltinRef` names, here. */
export function loadBuiltin(ref: BuiltinRef): unknown {
  const exports = require(ref.module) as Record<string, unknown>;
  return ref.export === null ? exports : exports[ref.export];
}
