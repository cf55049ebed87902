/**
 * Which functions can cross to a worker thread as source text, and their
 * rebuilding there. The scope rules are checked on functions written as
 * source strings (built in the global scope, so that what the test says is
 * exactly what is parsed, whatever esbuild would print); captures on real
 * functions of this module, whose source under tsx may hold `__name(...)`.
 */
import crypto from 'node:crypto';
import inspector from 'node:inspector';
import test from 'ava';
import { Accumulator } from '../../lib/accumulator.js';
import { Broadcast } from '../../lib/broadcast.js';
import { rebuild, type Shipping, shipping } from '../../lib/ship/closure.js';

/** A function from source, built as strict code in the global scope. */
const strict = (source: string): Function =>
  new Function(`"use strict"; return (${source}\n);`)() as Function;
/** The same, as sloppy code. */
const sloppy = (source: string): Function => new Function(`return (${source}\n);`)() as Function;

const verdict = (s: Shipping): string => (s.ok ? 'ok' : s.reason);

/** Scope rules: source, then `ok` or the reason. */
const SCOPES: readonly (readonly [string, string])[] = [
  ['(a, b) => a + b', 'ok'],
  ['({ a, b: [c, d = e] }, f = Math.max(a), ...g) => a + c + d + f + g.length', "captures 'e'"],
  ['([a, [b]], { ["k" + key]: c, ...rest }) => a + b + c + rest', "captures 'key'"],
  // A default sees the parameters, not the body's vars.
  ['function (a = b) { var b = 1; return a + b; }', "captures 'b'"],
  ['(a, b = a * 2) => b', 'ok'],
  ['() => { x = 1; if (x) { var x; } return x; }', 'ok'],
  ['() => { for (var i = 0; i < 2; i++); while (false) { var w; } return i + w; }', 'ok'],
  ['() => { { let y = 1; } return y; }', "captures 'y'"],
  ['() => { { const y = 1; class K {} } return [y, K]; }', "captures 'y', 'K'"],
  ['() => { const y = 1; { const y = 2; } return y; }', 'ok'],
  ['() => { return h(); function h() { return 1; } }', 'ok'],
  ['() => { { function h() {} } return h; }', "captures 'h'"],
  ['() => { class K { static make() { return new K(); } } return K.make(); }', 'ok'],
  ['() => { const make = class Named { m() { return Named; } }; return [make, Named]; }', "captures 'Named'"],
  ['function fact(n) { return n ? n * fact(n - 1) : 1; }', 'ok'],
  ['() => [function me() { return me; }, me]', "captures 'me'"],
  ['() => { try { return 1; } catch ({ message, cause = message }) { return cause; } }', 'ok'],
  ['() => { try { return 1; } catch (e) { return e; } finally { e; } }', "captures 'e'"],
  ['() => { try {} catch { return 1; } }', 'ok'],
  [
    '(xs) => { let s = 0; for (let i = 0; i < xs.length; i++) s += xs[i]; for (const k in xs) s += k; for (const [a, { b }] of xs) s += a + b; return s; }',
    'ok',
  ],
  ['() => { for (let i = 0; i < 1; i++); return i; }', "captures 'i'"],
  ['(o) => { for (k in o); }', "captures 'k'"],
  ['(o) => { for ([a, b = c] of o); }', "captures 'a', 'b', 'c'"],
  ['(x) => { switch (x) { case 1: let y = 2; return y; case two: return y; } }', "captures 'two'"],
  ['(xs) => { outer: for (const x of xs) { for (;;) { if (x) continue outer; break outer; } } }', 'ok'],
  ['() => { threshold: for (;;) break threshold; }', 'ok'],
  ['(o) => o.threshold + o["threshold"] + o.a.b.c', 'ok'],
  ['(o) => o[key] + o.a[other]', "captures 'key', 'other'"],
  ['(v) => ({ threshold: v, "a b": 1, 2: 3, v })', 'ok'],
  ['(v) => ({ [key]: v })', "captures 'key'"],
  ['() => ({ threshold })', "captures 'threshold'"],
  ['() => ({ ...extra, a: 1 })', "captures 'extra'"],
  [
    '() => ({ get v() { return hidden; }, set v(x) { store = x; }, m() { return this.v; } })',
    "captures 'hidden', 'store'",
  ],
  ['() => ({ m() { return super.toString(); } })', 'ok'],
  ['function () { return new.target; }', 'ok'],
  ['() => new.target', "captures 'new.target'"],
  ['function () { return () => new.target; }', 'ok'],
  [
    '() => class extends Base { static s = seed; #p = 1; m() { return this.#p + super.m(); } static { this.t = tail; } }',
    "captures 'Base', 'seed', 'tail'",
  ],
  ['() => class { [key] = 1; [other]() {} static [third] = 2; }', "captures 'key', 'other', 'third'"],
  ['() => class { f = () => this; g = new.target; static { var v = 1; let w = v; } }', 'ok'],
  ['() => class { static [this.name] = 1; }', "captures 'this'"],
  ['(o) => o?.a?.[idx]?.(arg)', "captures 'idx', 'arg'"],
  // biome-ignore-start lint/suspicious/noTemplateCurlyInString: sources holding template literals
  ['(x) => `${x}-${suffix}`', "captures 'suffix'"],
  ['(x) => tag`${x}`', "captures 'tag'"],
  ['(x) => String.raw`${x}\\n`', 'ok'],
  // biome-ignore-end lint/suspicious/noTemplateCurlyInString: sources holding template literals
  ['(xs) => [...xs, ...more]', "captures 'more'"],
  ['(xs) => Math.max(...xs, ...more)', "captures 'more'"],
  ['() => typeof undeclaredThing', "captures 'undeclaredThing'"],
  ['(x) => { count++; total += x; }', "captures 'count', 'total'"],
  ['async (x) => { for await (const y of x) await y; }', 'ok'],
  ['function* (xs) { yield* xs; }', 'ok'],
  ['async function* named(xs) { for (const x of xs) yield await x; }', 'ok'],
  // Globals, by `name in globalThis`.
  [
    '(x) => [Math.max(x), JSON.stringify(x), new Date(0), new Map(), Buffer.from("a"), console, crypto.randomUUID, new TextEncoder(), structuredClone(x), process.pid, setTimeout, globalThis, undefined, NaN, Infinity]',
    'ok',
  ],
  // What the function takes from around it.
  ['() => this', "captures 'this'"],
  ['() => arguments[0]', "captures 'arguments'"],
  ['(x) => [this, x, arguments, later]', "captures 'this', 'arguments', 'later'"],
  ['function () { return [this, arguments.length, () => this, () => arguments]; }', 'ok'],
  ['(x) => eval(x)', 'uses eval'],
  ['(x) => (0, eval)(x)', 'ok'],
  ['() => import("./local.js")', 'uses import()'],
  ['() => import("node:os")', 'ok'],
  ['(x) => __name((y) => y, "f")(x)', 'ok'],
];

for (const [source, expected] of SCOPES) {
  test(`shipping: ${source}`, (t) => {
    t.is(verdict(shipping(strict(source))), expected);
  });
}

test('shipping: sloppy code is refused where strict mode would change it', (t) => {
  t.is(verdict(shipping(sloppy('function (o) { with (o) { return x; } }'))), 'uses with');
  t.is(verdict(shipping(sloppy('function () { return 010; }'))), 'is not strict-mode code');
  t.is(verdict(shipping(sloppy('function () { return this; }'))), "uses 'this' in sloppy mode");
  t.is(verdict(shipping(new Function('return this'))), "uses 'this' in sloppy mode");
  t.is(verdict(shipping(sloppy('({ m(o) { with (o) { return x; } } }).m'))), 'uses with');
  t.is(verdict(shipping(sloppy('({ m() { return 010; } }).m'))), 'is not strict-mode code');
  t.is(verdict(shipping(sloppy('function (x) { return x + 1; }'))), 'ok');
  t.is(verdict(shipping(sloppy('() => this'))), "captures 'this'");
});

// --------------------------------------------------------- kinds of function

class Secret {
  #hidden = 1;
  #peek() {
    return this.#hidden;
  }
  static peek(s: Secret): Function {
    return s.#peek;
  }
}

class Fields extends Object {
  lexicalSuper = () => super.toString();
  lexicalThis = () => this;
}

test('shipping: what cannot be rebuilt from its source, whatever it uses', (t) => {
  const accessors = Object.getOwnPropertyDescriptor(
    {
      get v() {
        return 1;
      },
      set v(_: number) {},
    },
    'v',
  ) as PropertyDescriptor;
  const cases: [Function, string][] = [
    [Array.prototype.map, 'is a native function'],
    [Map.prototype.get, 'is a native function'],
    [((x: number) => x).bind(null), 'is a bound function'],
    [class Point {}, 'is a class'],
    [class extends Secret {}, 'is a class'],
    [accessors.get as Function, 'is a getter'],
    [accessors.set as Function, 'is a setter'],
    [Secret.peek(new Secret()), 'cannot be parsed'],
    [
      {
        m() {
          return super.toString();
        },
      }.m,
      'uses super',
    ],
    [new Fields().lexicalSuper, 'uses super'],
    [() => import.meta.url, 'uses import.meta'],
    [new Fields().lexicalThis, "captures 'this'"],
    [42 as unknown as Function, 'is not a function'],
  ];
  for (const [fn, reason] of cases) t.is(verdict(shipping(fn)), reason, String(fn));
});

test('shipping: a standard built-in function travels by its name and rebuilds as itself', (t) => {
  for (const [fn, name] of [
    [String, 'String'],
    [Number, 'Number'],
    [parseFloat, 'parseFloat'],
    [Math.max, 'Math.max'],
    [JSON.stringify, 'JSON.stringify'],
    [Object.keys, 'Object.keys'],
  ] as const) {
    const s = shipping(fn);
    t.true(s.ok, name);
    if (!s.ok) continue;
    t.is(s.source, name);
    t.deepEqual(s.captures, []);
    t.is(rebuild(s.source, {}), fn);
  }
});

test('shipping: methods become function expressions, keeping async and generators', (t) => {
  const o = {
    f(x: number) {
      return x + 1;
    },
    async *g(n: number) {
      yield n;
    },
    [Symbol.iterator]() {
      return [1][Symbol.iterator]();
    },
    parseInt(s: string) {
      // A method does not bind its own name: this is the global parseInt.
      return parseInt(s, 10) * 2;
    },
    'quoted name'() {
      return 'q';
    },
  };
  const source = (fn: Function): string => {
    const s = shipping(fn);
    if (!s.ok) throw new Error(s.reason);
    return s.source;
  };
  t.regex(source(o.f), /^function f\s*\(/);
  t.regex(source(o.g), /^async function\s*\* g\s*\(/);
  t.regex(source(o[Symbol.iterator]), /^function \(/);
  t.regex(source(o.parseInt), /^function \(/);
  t.regex(source(o['quoted name']), /^function \(/);
  t.is(rebuild(source(o.f), {})(3), 4);
  t.is(rebuild(source(o.parseInt), {})('21'), 42);
  t.is(rebuild(source(o['quoted name']), {})(), 'q');
  t.deepEqual([...(rebuild(source(o[Symbol.iterator]), {})() as Iterable<number>)], [1]);
});

// ------------------------------------------------------------------ captures

const shared = new Broadcast([1, 2, 3]);
const seen = new Accumulator(0);
const threshold = 2;
let current: unknown = new Broadcast('first');
let reassignable: Broadcast<unknown> = new Broadcast(1);

function closureLevel(): (x: number) => boolean {
  const lookup = new Broadcast(new Set([2, 4]));
  const hits = new Accumulator(0);
  return (x) => {
    if (lookup.value.has(x)) hits.add(1);
    return lookup.value.has(x);
  };
}

const captured = (s: Shipping): [string, unknown][] => (s.ok ? s.captures.map((c) => [c.name, c.value]) : []);

test('shipping: Broadcast and Accumulator values are captured, from the module and from closures', (t) => {
  const s = shipping((x: number) => {
    seen.add(1);
    return shared.value.includes(x);
  });
  t.is(verdict(s), 'ok');
  t.deepEqual(captured(s), [
    ['seen', seen],
    ['shared', shared],
  ]);
  const c = shipping(closureLevel());
  t.is(verdict(c), 'ok');
  t.deepEqual(
    captured(c).map(([name, value]) => [name, value instanceof Broadcast, value instanceof Accumulator]),
    [
      ['lookup', true, false],
      ['hits', false, true],
    ],
  );
});

test('shipping: any other captured value comes with its current value, in order of first use', (t) => {
  t.deepEqual(captured(shipping((x: number) => x > threshold)), [['threshold', 2]]);
  const k = 3;
  const helper = (x: number) => x * k;
  t.deepEqual(captured(shipping((x: number) => helper(x) > threshold + k)), [
    ['helper', helper],
    ['threshold', 2],
    ['k', 3],
  ]);
  t.deepEqual(captured(shipping((x: number) => shared.value.includes(x) && x > k)), [
    ['shared', shared],
    ['k', 3],
  ]);
});

test('shipping: a local or an import that shadows a global is a capture, not the global', (t) => {
  t.deepEqual(captured(shipping((s: string) => crypto.createHash('md5').update(s).digest('hex'))), [
    ['crypto', crypto],
  ]);
  const shadow = () => {
    // biome-ignore lint/suspicious/noShadowRestrictedNames: the point of the test
    const Math = { sqrt: (x: number) => -x };
    return (x: number) => Math.sqrt(x);
  };
  // esbuild may rename the local (Math2): it is still the local.
  const [[name] = []] = captured(shipping(shadow()));
  t.regex(String(name), /^Math\d*$/);
  t.deepEqual(captured(shipping((x: number) => Math.sqrt(x))), []);
  t.is(verdict(shipping((x: number) => Math.sqrt(x))), 'ok');
});

test('shipping: captured values are read on every call; the parse is not', (t) => {
  const f = () => current;
  const first = current;
  t.deepEqual(captured(shipping(f)), [['current', first]]);
  current = 5;
  t.deepEqual(captured(shipping(f)), [['current', 5]]);
  current = new Broadcast('second');
  t.deepEqual(captured(shipping(f)), [['current', current]]);
  t.not(current, first);
});

test('shipping: assigning to a captured variable is refused (the copy elsewhere would change, not it)', (t) => {
  t.is(
    verdict(
      shipping(() => {
        reassignable = shared;
      }),
    ),
    "assigns to captured 'reassignable'",
  );
  t.is(reassignable.value, 1);
  let calls = 0;
  t.is(
    verdict(
      shipping(() => {
        calls++;
      }),
    ),
    "assigns to captured 'calls'",
  );
  t.is(calls, 0);
});

// ------------------------------------------------------------------- rebuild

test('rebuild: sync, async, generators and async generators behave like the original', async (t) => {
  const round = <F extends Function>(fn: F): F => {
    const s = shipping(fn);
    if (!s.ok) throw new Error(s.reason);
    return rebuild(s.source, {}) as F;
  };
  const sync = (x: number) => x * 2 + Math.max(1, x);
  t.is(round(sync)(3), sync(3));
  const asyncFn = async (x: number) => {
    await null;
    return x + 1;
  };
  t.is(await round(asyncFn)(1), 2);
  function* gen(n: number) {
    for (let i = 0; i < n; i++) yield i;
  }
  t.deepEqual([...round(gen)(3)], [0, 1, 2]);
  async function* agen(n: number) {
    for (let i = 0; i < n; i++) yield await Promise.resolve(i * 10);
  }
  const out: number[] = [];
  for await (const x of round(agen)(3)) out.push(x);
  t.deepEqual(out, [0, 10, 20]);
  const destructuring = ({ a, b: [c, d = 4] }: { a: number; b: number[] }, ...rest: number[]) =>
    a + c! + d + rest.length;
  t.is(round(destructuring)({ a: 1, b: [2] }, 9, 9), 1 + 2 + 4 + 2);
  const defaults = (x: number, m = Math.PI, n = Number.MAX_SAFE_INTEGER) => [x * m, n];
  t.deepEqual(round(defaults)(2), defaults(2));
  const nested = (x: number) => {
    const inc = (y: number) => y + 1;
    function twice(y: number) {
      return inc(inc(y));
    }
    class Box {
      constructor(readonly v: number) {}
    }
    return [new Box(twice(x)).v, inc.name, twice.name, Box.name];
  };
  t.deepEqual(round(nested)(1), nested(1));
  const o = {
    async *pairs(xs: number[]) {
      for (const x of xs) yield [x, x * x];
    },
  };
  const pairs: unknown[] = [];
  for await (const p of round(o.pairs)([2, 3])) pairs.push(p);
  t.deepEqual(pairs, [
    [2, 4],
    [3, 9],
  ]);
});

test('rebuild: captures are bound by name', (t) => {
  const f = (x: number) => shared.value.includes(x) && x > 1;
  const s = shipping(f);
  t.true(s.ok);
  if (!s.ok) return;
  const bindings = Object.fromEntries(s.captures.map((c) => [c.name, c.value]));
  t.is(rebuild(s.source, bindings)(3), true);
  t.is(rebuild(s.source, { shared: new Broadcast([5]) })(3), false);
});

test('rebuild: binds __name to a helper that keeps names, unless bound already', (t) => {
  const source = '(x) => __name((y) => y + 1, "inc")';
  t.is((rebuild(source, {})(0) as Function).name, 'inc');
  t.is(rebuild(source, { __name: () => 'bound' })(0), 'bound');
  t.is(rebuild('() => typeof __name', {})(), 'function');
});

test('rebuild: the function runs in strict mode', (t) => {
  t.is(rebuild('function () { return this; }', {})(), undefined);
  t.is(rebuild('(x) => x', {}).name, '');
  t.throws(() => rebuild('1 + 1', {}), { instanceOf: TypeError });
  t.throws(() => rebuild('x => {', {}), { instanceOf: SyntaxError });
});

// ------------------------------------------------------------------ inspector

/** Runs `body` with the inspector's `post` replaced (synchronously: ava runs no other test meanwhile). */
function withPost(post: (...args: unknown[]) => void, body: () => void): void {
  const proto = inspector.Session.prototype as unknown as { post: (...args: unknown[]) => void };
  const original = proto.post;
  proto.post = post;
  try {
    body();
  } finally {
    proto.post = original;
  }
}

test('shipping: without a working inspector, globals still pass and captures are refused', (t) => {
  const failures: [string, (...args: unknown[]) => void][] = [
    [
      'an error',
      () => {
        throw new Error('inspector down');
      },
    ],
    ['no answer', () => {}],
  ];
  for (const [what, post] of failures)
    withPost(post, () => {
      const sharedLevel = (x: number) => shared.value.includes(x);
      t.is(verdict(shipping(sharedLevel)), "captures 'shared'", what);
      t.is(verdict(shipping(closureLevel())), "captures 'lookup', 'hits'", what);
      t.is(verdict(shipping((x: number) => Math.sqrt(x))), 'ok', what);
      t.is(verdict(shipping((x: number) => x + 1)), 'ok', what);
    });
  // The inspector works again: the same kind of function is shippable.
  t.is(verdict(shipping((x: number) => shared.value.includes(x))), 'ok');
});
