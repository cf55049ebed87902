/**
 * Values as JSON, for a transport that carries text (a Spark executor's
 * pipe): what structured clone keeps — `undefined`, bigints, `NaN`,
 * `±Infinity`, `-0`, `Map`, `Set`, `Date`, `RegExp`, typed arrays and
 * `ArrayBuffer` inside arrays and plain objects — comes back as it was.
 * Such a value becomes a one-key object whose key starts with `$` (`{"$map":
 * [[k, v], ...]}`); a plain object with a key starting with `$` is wrapped
 * (`{"$obj": {...}}`), so no object is mistaken for a tag. Plain JSON
 * values are themselves. Cycles are not supported.
 */

import { TYPED_ARRAYS } from './typed-arrays.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Sets `key` as an own property, `__proto__` included. */
function put(o: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(o, key, { value, enumerable: true, writable: true, configurable: true });
  else o[key] = value;
}

const base64 = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
/** Bytes in a buffer of their own (Buffer.from may share a pool, misaligned for wider typed arrays). */
const bytesOf = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'base64'));

/** `value` as a JSON value (for `JSON.stringify`); throws a TypeError for what structured clone would not keep. */
export function toJSONValue(value: unknown): Json {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (Number.isNaN(value)) return { $num: 'NaN' };
      if (value === Number.POSITIVE_INFINITY) return { $num: 'Infinity' };
      if (value === Number.NEGATIVE_INFINITY) return { $num: '-Infinity' };
      if (Object.is(value, -0)) return { $num: '-0' };
      return value;
    case 'bigint':
      return { $bigint: value.toString() };
    case 'undefined':
      return { $undefined: 1 };
    case 'object':
      break;
    default:
      throw new TypeError(`a ${typeof value} cannot be written as JSON`);
  }
  if (value === null) return null;
  if (Array.isArray(value)) return value.map(toJSONValue);
  if (value instanceof Map) return { $map: [...value].map(([k, v]) => [toJSONValue(k), toJSONValue(v)]) };
  if (value instanceof Set) return { $set: [...value].map(toJSONValue) };
  if (value instanceof Date) return { $date: toJSONValue(value.getTime()) };
  if (value instanceof RegExp) return { $regexp: [value.source, value.flags] };
  if (value instanceof ArrayBuffer) return { $bytes: base64(new Uint8Array(value)) };
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const name = value.constructor.name;
    if (!(name in TYPED_ARRAYS)) throw new TypeError(`a ${name} cannot be written as JSON`);
    return { $typed: [name, base64(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))] };
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null)
    throw new TypeError(`a ${(value as object).constructor?.name ?? 'object'} cannot be written as JSON`);
  const out: { [key: string]: Json } = {};
  let tagged = false;
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) tagged = true;
    put(out, k, toJSONValue(v));
  }
  return tagged ? { $obj: out } : out;
}

/** The value `toJSONValue` wrote (after `JSON.parse`). */
export function fromJSONValue(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  if (Array.isArray(json)) return json.map(fromJSONValue);
  const o = json as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && (keys[0] as string).startsWith('$')) {
    const v = o[keys[0] as string];
    switch (keys[0]) {
      case '$num':
        return Number(v);
      case '$bigint':
        return BigInt(v as string);
      case '$undefined':
        return undefined;
      case '$map':
        return new Map((v as unknown[][]).map(([k, x]) => [fromJSONValue(k), fromJSONValue(x)]));
      case '$set':
        return new Set((v as unknown[]).map(fromJSONValue));
      case '$date':
        return new Date(fromJSONValue(v) as number);
      case '$regexp': {
        const [source, flags] = v as [string, string];
        return new RegExp(source, flags);
      }
      case '$bytes':
        return bytesOf(v as string).buffer;
      case '$typed': {
        const [name, text] = v as [keyof typeof TYPED_ARRAYS, string];
        const bytes = bytesOf(text);
        const Typed = TYPED_ARRAYS[name] as unknown as new (
          buffer: ArrayBuffer,
          offset: number,
          length: number,
        ) => unknown;
        const size = (TYPED_ARRAYS[name] as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
        return new Typed(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / size);
      }
      case '$obj': {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as object)) put(out, k, fromJSONValue(x));
        return out;
      }
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) put(out, k, fromJSONValue(x));
  return out;
}

/**
 * `value` as JSON text, keeping what structured clone keeps.
 * @example
 * fromJSON(toJSON([1n, undefined, new Map([['a', new Set([NaN])]])]));
 * // => [1n, undefined, new Map([['a', new Set([NaN])]])]
 */
export function toJSON(value: unknown): string {
  return JSON.stringify(toJSONValue(value));
}

/** The value `toJSON` wrote. */
export function fromJSON(text: string): unknown {
  return fromJSONValue(JSON.parse(text));
}
