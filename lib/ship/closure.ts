/**
 * Which user functions can run elsewhere (a worker thread, a Spark
 * executor's Node process), and rebuilding them there.
 *
 * A function crosses as its source text and is rebuilt with `new Function`,
 * its free variables bound to what it captured. `shipping(fn)` parses the
 * source with acorn, finds its free names (scope by scope, see
 * free-names.ts), reads the captured ones' current values through the
 * inspector (scopes.ts) and says yes, with the captures to bind (whether
 * each value can travel is the encoder's question, see encode.ts), or no,
 * with a reason that reads after the operator's name: `map[3] uses super`.
 *
 * A free name is a global when the function's closure does not bind it and
 * `name in globalThis`: an import or a local that shadows a global
 * (`import crypto from 'node:crypto'`) is a capture, not the global. The
 * parse and the set of names the closure binds are cached per function
 * (neither can change); the captured values are read on every call, since a
 * `let` can be reassigned. Rebuilt functions run in strict mode, as every
 * ES module does.
 */
import * as acorn from 'acorn';
import { type FreeNames, freeNames, LEXICAL_NAMES } from './free-names.js';
import { closureValues } from './scopes.js';

/** A captured variable and its value now, bound to `name` when the function is rebuilt. */
export interface Capture {
  readonly name: string;
  readonly value: unknown;
}

/** Whether a function can be rebuilt elsewhere: its source and captures, or why not. */
export type Shipping =
  | { readonly ok: true; readonly source: string; readonly captures: readonly Capture[] }
  | { readonly ok: false; readonly reason: string };

/**
 * The helper esbuild's `keepNames` (used by tsx) calls inside compiled
 * function bodies to name nested functions. It is allowed free, and bound
 * by `rebuild` to a helper that does the same.
 */
const KEEP_NAMES = '__name';

const keepName = (target: unknown, value: unknown): unknown =>
  Object.defineProperty(target, 'name', { value, configurable: true });

/** What parsing a function found, kept for as long as the function lives. */
interface Parsed {
  readonly source: string;
  /** The free names, in order of first appearance, without `__name`. */
  readonly names: readonly string[];
  readonly assigned: ReadonlySet<string>;
  /** Which of `names` the closure binds, once the inspector has said. */
  locals?: ReadonlySet<string>;
}

type Failure = Extract<Shipping, { ok: false }>;

const parsed = new WeakMap<Function, Parsed | Shipping>();

/**
 * Whether `fn` can be rebuilt from its source elsewhere, and what it
 * captures. If not, the reason is one of: `captures 'a', 'b'` (names bound
 * neither by the function nor globally whose values cannot be read — an
 * arrow's lexical `this`, `arguments` or `new.target`, or any capture when
 * the inspector is unavailable), `assigns to captured 'b'` (the copy
 * elsewhere would change, not the variable), `is a native function` (one
 * that is not a standard built-in: `String`, `Math.abs`, `JSON.stringify`
 * and the like travel by name), `is a
 * bound function`, `is a class`, `is a getter`, `is a setter`, `uses super`,
 * `uses eval`, `uses with`, `uses import.meta`, `uses import()` (of a
 * module other than a built-in one), `uses 'this' in sloppy mode`, `is not
 * strict-mode code`, `cannot be parsed`. Never throws.
 * @example
 * shipping((x) => Math.sqrt(x)).ok;
 * // => true
 */
export function shipping(fn: Function): Shipping {
  if (typeof fn !== 'function') return fail('is not a function');
  let entry = parsed.get(fn);
  if (entry === undefined) {
    entry = parse(fn);
    parsed.set(fn, entry);
  }
  return 'ok' in entry ? entry : resolve(fn, entry);
}

/**
 * In the worker: the function from `source`, with captured names bound to
 * `bindings` (name -> value).
 * @example
 * rebuild('(x) => x * k', { k: 3 })(2);
 * // => 6
 */
export function rebuild(source: string, bindings: Readonly<Record<string, unknown>>): Function {
  const names = Object.keys(bindings);
  const values = names.map((name) => bindings[name]);
  if (source.includes(KEEP_NAMES) && !names.includes(KEEP_NAMES) && !(KEEP_NAMES in globalThis)) {
    names.push(KEEP_NAMES);
    values.push(keepName);
  }
  // The newline ends a line comment the source might end with.
  const fn: unknown = new Function(...names, `"use strict";\nreturn (${source}\n);`)(...values);
  if (typeof fn !== 'function') throw new TypeError('the source is not a function');
  return fn;
}

function fail(reason: string): Failure {
  return Object.freeze({ ok: false, reason });
}

const quoted = (names: readonly string[]): string => names.map((n) => `'${n}'`).join(', ');

/** Today's verdict on a parsed function: which free names are globals, which are captures, and their values. */
function resolve(fn: Function, p: Parsed): Shipping {
  const lookup = p.names.filter((name) => !LEXICAL_NAMES.has(name));
  let values: Map<string, unknown> | undefined;
  if (lookup.length === 0 || p.locals?.size === 0) values = new Map();
  else {
    values = closureValues(fn, p.locals ?? lookup);
    if (values !== undefined) p.locals ??= new Set(values.keys());
  }
  const captures: Capture[] = [];
  const unknown: string[] = [];
  const reassigned: string[] = [];
  for (const name of p.names) {
    if (values?.has(name) ?? p.locals?.has(name)) {
      if (values === undefined || !values.has(name)) unknown.push(name);
      else if (p.assigned.has(name)) reassigned.push(name);
      else captures.push({ name, value: values.get(name) });
    } else if (LEXICAL_NAMES.has(name) || !(name in globalThis)) unknown.push(name);
  }
  if (unknown.length > 0) return fail(`captures ${quoted(unknown)}`);
  if (reassigned.length > 0) return fail(`assigns to captured ${quoted(reassigned)}`);
  return { ok: true, source: p.source, captures };
}

const OPTIONS: acorn.Options = {
  ecmaVersion: 'latest',
  // Parsed so that these can be reported rather than fail the parse.
  allowSuperOutsideMethod: true,
  allowImportExportEverywhere: true,
};

/**
 * What `text` is parsed in: the body of a plain function, so that an
 * arrow's lexical `new.target` parses (acorn has no option for it).
 * The analysis starts at the expression and never sees this function.
 */
const HOST = 'function host(){"use strict";return(';

/** The expression `(${open}${text}\n${close})`, or undefined if it does not parse (as strict code unless said). */
function expression(text: string, open = '', close = '', strict = true): acorn.Expression | undefined {
  const host = strict ? HOST : HOST.replace('"use strict";', '');
  try {
    const program = acorn.parse(`${host}${open}${text}\n${close})}`, OPTIONS);
    const [declaration] = program.body;
    const body =
      program.body.length === 1 && declaration?.type === 'FunctionDeclaration' ? declaration.body.body : [];
    const returned = body.length === (strict ? 2 : 1) ? body[body.length - 1] : undefined;
    return returned?.type === 'ReturnStatement' ? (returned.argument ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

const isFunction = (
  e: acorn.Expression | undefined,
): e is acorn.FunctionExpression | acorn.ArrowFunctionExpression =>
  e?.type === 'FunctionExpression' || e?.type === 'ArrowFunctionExpression';

/** ECMAScript's global functions and the namespaces whose functions travel by name (every realm has them). */
const BUILTIN_GLOBALS = [
  'String',
  'Number',
  'Boolean',
  'BigInt',
  'Symbol',
  'Object',
  'Array',
  'Date',
  'parseInt',
  'parseFloat',
  'isNaN',
  'isFinite',
  'encodeURI',
  'encodeURIComponent',
  'decodeURI',
  'decodeURIComponent',
] as const;
const BUILTIN_NAMESPACES = [
  'Math',
  'JSON',
  'Number',
  'String',
  'Object',
  'Array',
  'Reflect',
  'BigInt',
  'Date',
] as const;

/** The expression naming a standard built-in function (`String`, `Math.abs`), or undefined. */
function builtinName(fn: Function): string | undefined {
  const g = globalThis as unknown as Record<string, unknown>;
  for (const name of BUILTIN_GLOBALS) if (g[name] === fn) return name;
  for (const ns of BUILTIN_NAMESPACES) {
    const holder = g[ns] as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(holder))
      if (/^[A-Za-z_$][\w$]*$/.test(key) && Object.getOwnPropertyDescriptor(holder, key)?.value === fn)
        return `${ns}.${key}`;
  }
  return undefined;
}

/** Parses `fn`'s source once: a verdict that cannot change (a built-in's name, or a failure), or what `resolve` needs. */
function parse(fn: Function): Parsed | Shipping {
  const text = Function.prototype.toString.call(fn);
  if (text.endsWith('[native code] }')) {
    if (fn.name.startsWith('bound ')) return fail('is a bound function');
    // A standard built-in (`String`, `Math.abs`, `JSON.stringify` ...) travels as its name.
    const name = builtinName(fn);
    return name === undefined
      ? fail('is a native function')
      : Object.freeze({ ok: true, source: name, captures: [] });
  }
  const e = expression(text);
  if (e?.type === 'ClassExpression') return fail('is a class');
  if (isFunction(e)) return analysed(fn, text, freeNames(e));
  const method = methodOf(text);
  if (method !== undefined) {
    if (method.kind === 'get') return fail('is a getter');
    if (method.kind === 'set') return fail('is a setter');
    const free = freeNames(method.value);
    const source = functionSource(text, method, free);
    return source === undefined ? fail('cannot be parsed') : analysed(fn, source, free);
  }
  // Not strict code: report `with`, which strict mode forbids, or say what is wrong.
  const sloppy = expression(text, '', '', false);
  const sloppyMethod = expression(text, '{', '}', false);
  const [property] = sloppyMethod?.type === 'ObjectExpression' ? sloppyMethod.properties : [];
  const root = isFunction(sloppy)
    ? sloppy
    : property?.type === 'Property' && property.method
      ? (property.value as acorn.FunctionExpression)
      : undefined;
  return fail(
    root === undefined ? 'cannot be parsed' : (freeNames(root).problem ?? 'is not strict-mode code'),
  );
}

/** The offset of the function's text in the text `methodOf` parses. */
const METHOD_OFFSET = `${HOST}class{`.length;

/** `text` as a method (object literal and class methods' source is `name(params) { ... }`). */
function methodOf(text: string): acorn.MethodDefinition | undefined {
  const e = expression(text, 'class{', '}');
  const member = e?.type === 'ClassExpression' && e.body.body.length === 1 ? e.body.body[0] : undefined;
  return member?.type === 'MethodDefinition' ? member : undefined;
}

/**
 * A method's source as a function expression, `async`/`*` kept. The name is
 * kept when it is an identifier the body does not use free (a method does
 * not bind its own name; a named function expression would).
 */
function functionSource(text: string, method: acorn.MethodDefinition, free: FreeNames): string | undefined {
  const f = method.value;
  const head = `${f.async ? 'async ' : ''}function${f.generator ? '*' : ''}`;
  const rest = text.slice(f.start - METHOD_OFFSET, f.end - METHOD_OFFSET);
  const name =
    !method.computed && method.key.type === 'Identifier' && !free.names.includes(method.key.name)
      ? method.key.name
      : undefined;
  for (const candidate of name === undefined
    ? [`${head} ${rest}`]
    : [`${head} ${name}${rest}`, `${head} ${rest}`])
    if (isFunction(expression(candidate))) return candidate;
  return undefined;
}

/** The verdicts parsing alone can give, else what `resolve` needs. */
function analysed(fn: Function, source: string, free: FreeNames): Parsed | Failure {
  if (free.problem !== undefined) return fail(free.problem);
  // Strict mode changes what a sloppy function's `this` is when called plainly (undefined, not globalThis).
  if (free.usesOwnThis && Object.hasOwn(fn, 'caller')) return fail("uses 'this' in sloppy mode");
  return { source, names: free.names.filter((n) => n !== KEEP_NAMES), assigned: free.assigned };
}
