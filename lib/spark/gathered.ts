/**
 * The executor's side of a `gather` node (gather.ts): a task's input is a
 * head line naming each slot's plan node and partition, then the slots'
 * lines in slot order, each `slot\tline`. `open(node, partition)` gives one
 * slot's lines. Slots are read as they stream in; a slot asked for before
 * the stream reaches it holds the lines of the slots in between in memory
 * (zip reads its two sides in step: one side's partition is held), and a
 * slot the head marks as read again (a cartesian's right side, an RDD zipped
 * with itself) keeps its lines for the next read.
 */
import { InternalError } from '../errors.js';
import type { GatherHead } from './gather.js';

interface Slot {
  readonly keep: boolean;
  /** Lines not yet handed on (all of them when kept). */
  readonly chunks: string[][];
  done: boolean;
  opened: number;
}

export class Gathered {
  readonly #source: AsyncIterator<string[]>;
  #slots: Slot[] | undefined;
  #bySource = new Map<string, number>();
  /** Slots before this one have ended (the stream is in slot order). */
  #current = 0;
  #pulling: Promise<void> | undefined;
  /** The head's first batch's lines after the head. */
  #started: Promise<void> | undefined;

  constructor(batches: AsyncIterable<string[]>) {
    this.#source = batches[Symbol.asyncIterator]();
  }

  /** Reads the head line (once). */
  #start(): Promise<void> {
    this.#started ??= (async () => {
      let first: string[] | undefined;
      for (;;) {
        const r = await this.#source.next();
        if (r.done) throw new InternalError('a gathered task input has no head line');
        if (r.value.length > 0) {
          first = r.value;
          break;
        }
      }
      const head = JSON.parse(first[0] as string) as GatherHead;
      this.#slots = head.slots.map(([, , keep]) => ({
        keep: keep === 1,
        chunks: [],
        done: false,
        opened: 0,
      }));
      head.slots.forEach(([node, partition], s) => {
        this.#bySource.set(`${node}:${partition}`, s);
      });
      this.#spread(first.slice(1));
    })();
    return this.#started;
  }

  /** Hands a batch's lines to their slots. */
  #spread(lines: readonly string[]): void {
    const slots = this.#slots as Slot[];
    let chunk: string[] | undefined;
    let chunkSlot = -1;
    for (const l of lines) {
      const tab = l.indexOf('\t');
      const s = tab <= 0 ? Number.NaN : Number(l.slice(0, tab));
      if (!Number.isInteger(s) || s < this.#current || s >= slots.length)
        throw new InternalError(`a gathered line has no slot tag in order (${l.slice(0, 20)})`);
      if (s !== chunkSlot) {
        for (; this.#current < s; this.#current++) (slots[this.#current] as Slot).done = true;
        chunk = [];
        (slots[s] as Slot).chunks.push(chunk);
        chunkSlot = s;
      }
      (chunk as string[]).push(l.slice(tab + 1));
    }
  }

  /** Reads one more batch from the stream (one read at a time, however many slots wait). */
  #pull(): Promise<void> {
    this.#pulling ??= (async () => {
      try {
        const r = await this.#source.next();
        if (r.done) {
          for (const s of this.#slots as Slot[]) s.done = true;
          this.#current = (this.#slots as Slot[]).length;
        } else this.#spread(r.value);
      } finally {
        this.#pulling = undefined;
      }
    })();
    return this.#pulling;
  }

  /** Plan node `node`'s partition `partition`: its slot's lines. */
  async *open(node: number, partition: number): AsyncGenerator<string[]> {
    await this.#start();
    const s = this.#bySource.get(`${node}:${partition}`);
    const slot = s === undefined ? undefined : (this.#slots as Slot[])[s];
    if (slot === undefined)
      throw new InternalError(`the gathered input has no partition ${partition} of node ${node}`);
    if (slot.opened > 0 && !slot.keep)
      throw new InternalError(`partition ${partition} of node ${node} was read twice`);
    slot.opened++;
    let i = 0;
    for (;;) {
      if (slot.keep ? i < slot.chunks.length : slot.chunks.length > 0) {
        const c = (slot.keep ? slot.chunks[i++] : slot.chunks.shift()) as string[];
        if (c.length > 0) yield c;
        continue;
      }
      if (slot.done) return;
      await this.#pull();
    }
  }
}
