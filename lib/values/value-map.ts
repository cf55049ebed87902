/**
 * `Map` and `Set` subclasses whose keys compare by value (see `equals`): what
 * `collectAsMap`, `countByKey` and `countByValue` return.
 *
 * They are real `Map`s and `Set`s: iteration, `size`, `forEach`, spreading
 * and `instanceof` work as usual and yield the original keys, in insertion
 * order (the first-inserted of several equal keys is the one kept). Primitive
 * keys go straight to the underlying `Map`; an object key is looked up through
 * an index from its `keyOf` encoding to the original key object. Do not mutate
 * an object key while it is in the map.
 */

import { keyOf } from './key.js';

/** The `keyOf` encoding of an object key that compares by value; undefined for keys a `Map` already compares right. */
function indexKeyOf(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const k = keyOf(x);
  return typeof k === 'string' ? k : undefined;
}

/**
 * A `Map` whose `get`, `has`, `set` and `delete` compare keys by value.
 * @example
 * new ValueMap([[[1, 'a'], 2]]).get([1, 'a']);
 * // => 2
 */
export class ValueMap<K, V> extends Map<K, V> {
  /** keyOf(key) → the original key, for the keys compared through an encoding. */
  readonly #index = new Map<string, K>();

  constructor(entries?: Iterable<readonly [K, V]> | null) {
    // Map's constructor would call this.set before #index exists: insert afterwards.
    super();
    if (entries != null) for (const [k, v] of entries) this.set(k, v);
  }

  override get(key: K): V | undefined {
    const c = indexKeyOf(key);
    if (c === undefined) return super.get(key);
    const original = this.#index.get(c);
    return original === undefined ? undefined : super.get(original);
  }

  override has(key: K): boolean {
    const c = indexKeyOf(key);
    return c === undefined ? super.has(key) : this.#index.has(c);
  }

  override set(key: K, value: V): this {
    const c = indexKeyOf(key);
    if (c === undefined) return super.set(key, value);
    const original = this.#index.get(c);
    if (original !== undefined) return super.set(original, value);
    this.#index.set(c, key);
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    const c = indexKeyOf(key);
    if (c === undefined) return super.delete(key);
    const original = this.#index.get(c);
    if (original === undefined) return false;
    this.#index.delete(c);
    return super.delete(original);
  }

  override clear(): void {
    this.#index.clear();
    super.clear();
  }
}

/**
 * A `Set` whose `add`, `has` and `delete` compare elements by value.
 * @example
 * new ValueSet([[1, 'a'], [1, 'a']]).size;
 * // => 1
 */
export class ValueSet<T> extends Set<T> {
  /** keyOf(element) → the original element, for the elements compared through an encoding. */
  readonly #index = new Map<string, T>();

  constructor(values?: Iterable<T> | null) {
    // Set's constructor would call this.add before #index exists: insert afterwards.
    super();
    if (values != null) for (const v of values) this.add(v);
  }

  override has(value: T): boolean {
    const c = indexKeyOf(value);
    return c === undefined ? super.has(value) : this.#index.has(c);
  }

  override add(value: T): this {
    const c = indexKeyOf(value);
    if (c === undefined) return super.add(value);
    if (!this.#index.has(c)) {
      this.#index.set(c, value);
      super.add(value);
    }
    return this;
  }

  override delete(value: T): boolean {
    const c = indexKeyOf(value);
    if (c === undefined) return super.delete(value);
    const original = this.#index.get(c);
    if (original === undefined) return false;
    this.#index.delete(c);
    return super.delete(original);
  }

  override clear(): void {
    this.#index.clear();
    super.clear();
  }
}
