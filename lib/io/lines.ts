/**
 * The streaming line splitter: UTF-8 bytes in, lines out.
 *
 * Lines end at `\n`, `\r\n` or a lone `\r` (Hadoop's LineReader rule, which
 * Spark follows), and at nothing else. The terminator is not part of the line;
 * a last line without terminator is still a line; an empty input has no lines.
 * A `\r` at the end of one chunk followed by `\n` at the start of the next is
 * one terminator. Decoding is a streaming `StringDecoder`, so a multi-byte
 * character split across chunks is decoded whole and invalid bytes become
 * U+FFFD, exactly as if the whole input had been decoded at once. A UTF-8 byte
 * order mark at the start of the input is dropped (as Hadoop's LineRecordReader
 * does).
 *
 * The hot loop is `indexOf` over the decoded chunk: no per-line `await`, no
 * per-line decoder call.
 */

const LF = 10;
const CR = 13;

import { StringDecoder } from 'node:string_decoder';

/** U+FEFF, the byte-order mark. */
const BOM = 0xfeff;

export class LineSplitter {
  /** Node's StringDecoder: measured 3-4x faster than a streaming TextDecoder on 200 MB; keeps multi-byte characters whole across chunks and turns invalid bytes into U+FFFD. */
  private decoder = new StringDecoder('utf8');
  /** Nothing decoded yet: a byte-order mark here is dropped (as TextDecoder and Hadoop do). */
  private atStart = true;
  /** Text of the line in progress (everything after the last terminator). */
  private partial = '';
  /** The last character consumed was a `\r`: a `\n` right after it belongs to the same terminator. */
  private afterCR = false;
  /** Drop the first line produced (the partial first line of a split that does not start at 0). */
  private discardFirst: boolean;

  constructor(options: { discardFirstLine?: boolean } = {}) {
    this.discardFirst = options.discardFirstLine ?? false;
  }

  /** True while the first (discarded) line has not ended yet. */
  get discarding(): boolean {
    return this.discardFirst;
  }

  /** Decodes `chunk` and appends every line it completes to `out`. */
  push(chunk: Uint8Array, out: string[]): void {
    if (chunk.length === 0) return;
    let text = this.decoder.write(chunk);
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === BOM) text = text.slice(1);
    }
    if (text.length > 0) this.pushText(text, out);
  }

  /** Ends the input: flushes the decoder and appends the last line if it has no terminator. */
  end(out: string[]): void {
    let text = this.decoder.end();
    if (this.atStart && text.charCodeAt(0) === BOM) text = text.slice(1);
    if (text.length > 0) this.pushText(text, out);
    if (this.partial.length > 0) {
      if (this.discardFirst) this.discardFirst = false;
      else out.push(this.partial);
    }
    this.partial = '';
    this.afterCR = false;
    this.atStart = true;
    this.decoder = new StringDecoder('utf8');
  }

  private pushText(text: string, out: string[]): void {
    const before = out.length;
    let pos = 0;
    if (this.afterCR) {
      this.afterCR = false;
      if (text.charCodeAt(0) === LF) pos = 1;
    }
    let cr = text.indexOf('\r', pos);
    if (cr === -1) {
      // Fast path: only `\n` terminators in this chunk.
      let lf = text.indexOf('\n', pos);
      if (lf !== -1) {
        out.push(this.partial + text.slice(pos, lf));
        this.partial = '';
        pos = lf + 1;
        while ((lf = text.indexOf('\n', pos)) !== -1) {
          out.push(text.slice(pos, lf));
          pos = lf + 1;
        }
      }
    } else {
      let lf = text.indexOf('\n', pos);
      for (;;) {
        let end: number;
        let next: number;
        if (lf === -1 && cr === -1) break;
        if (cr === -1 || (lf !== -1 && lf < cr)) {
          end = lf;
          next = lf + 1;
          lf = text.indexOf('\n', next);
        } else {
          end = cr;
          next = cr + 1;
          if (next === text.length) {
            this.afterCR = true;
          } else if (text.charCodeAt(next) === LF) {
            next++;
            lf = text.indexOf('\n', next);
          }
          cr = text.indexOf('\r', next);
        }
        if (this.partial.length > 0) {
          out.push(this.partial + text.slice(pos, end));
          this.partial = '';
        } else {
          out.push(text.slice(pos, end));
        }
        pos = next;
      }
    }
    this.partial = pos === 0 ? this.partial + text : this.partial + text.slice(pos);
    if (this.discardFirst && out.length > before) {
      this.discardFirst = false;
      out.splice(before, 1);
    }
  }
}

/** Index of the first `\n` or `\r` byte in `chunk` at or after `from`, or -1. */
export function indexOfTerminator(chunk: Uint8Array, from = 0): number {
  for (let i = from; i < chunk.length; i++) {
    const b = chunk[i];
    if (b === LF || b === CR) return i;
  }
  return -1;
}

/** True if `b` is a line-terminator byte (`\n` or `\r`). */
export function isTerminatorByte(b: number | undefined): boolean {
  return b === LF || b === CR;
}

/** Splits a whole string by the same rule as {@link LineSplitter} (the reference the streaming splitter must match). */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}
