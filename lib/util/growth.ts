/**
 * What V8 allocates at once when a growing structure outgrows its storage,
 * for memory budget checks (lib/exec/memory.ts) made once per batch: a big
 * hash table or array that grows between two checks briefly holds its old
 * and its new storage, and a check that did not count that could let the
 * heap pass V8's own limit in one step.
 */

/** Elements added between two checks, at most (a batch). */
const STEP = 4096;

/**
 * Bytes of the table a Map or Set of `size` entries allocates when it next
 * grows, if it may within the next STEP additions (else 0): V8's ordered
 * hash tables double their power-of-two capacity when full, at 3.5 slots of
 * 8 bytes per entry of capacity (key, value, chain and half a bucket).
 */
export function tableGrowth(size: number): number {
  const capacity = 2 ** Math.ceil(Math.log2(size + 1));
  return size + STEP >= capacity ? 2 * capacity * 28 : 0;
}

/** Bytes an array of `length` elements may allocate when it next grows: a backing store half as long again, 8 bytes a slot. */
export function arrayGrowth(length: number): number {
  return 12 * length;
}
