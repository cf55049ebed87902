/**
 * Broadcasts on Spark, once per executor: each broadcast a stage's
 * functions capture is written (as JSON text, lib/values/json.ts) to a file
 * of its own the first time a job needs it, and shipped with Spark's
 * `addFile`. Spark fetches a shipped file once per executor (before the
 * executor's next task), never once per task; the encoded stage names the
 * broadcast by id and its file, and the stage executor reads the file from
 * its SparkFiles directory the first time a function needs the value
 * (`readShipped`, once per process). A destroyed broadcast travels as
 * destroyed (its value is not sent): reading it fails as it does locally.
 * `unpersist()` keeps the file: a broadcast's value does not change, and a
 * later job reads the same file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Broadcast } from '../broadcast.js';
import { InternalError } from '../errors.js';
import type { EncodedBroadcast } from '../ship/encode.js';
import { fromJSON, toJSON } from '../values/json.js';

/** The file name a broadcast has in the SparkFiles directory. */
export function broadcastFile(id: number): string {
  return `sparkling-broadcast-${id}.json`;
}

/** The driver's side: ships each broadcast's value once per Spark application. */
export class ShippedBroadcasts {
  #dir: string | undefined;
  readonly #shipped = new Map<number, Promise<string>>();

  /** @param addFile ships a file to every executor (the bridge's `addFile`). */
  constructor(private readonly addFile: (file: string) => Promise<void>) {}

  /**
   * What a stage sends for its broadcasts: destroyed ones as destroyed, the
   * others by id only; and the file of each live one (by id), shipped now
   * if no earlier job shipped it.
   */
  async ship(
    broadcasts: ReadonlyMap<number, Broadcast<unknown>>,
  ): Promise<{ encoded: EncodedBroadcast[]; files: Record<string, string> }> {
    const encoded: EncodedBroadcast[] = [];
    const files: Record<string, string> = {};
    for (const [id, b] of broadcasts) {
      if (b.isDestroyed) {
        encoded.push({ id, destroyed: true });
        continue;
      }
      encoded.push({ id });
      files[id] = await this.#ship(id, b);
    }
    return { encoded, files };
  }

  #ship(id: number, b: Broadcast<unknown>): Promise<string> {
    let shipping = this.#shipped.get(id);
    if (shipping === undefined) {
      const attempt = (async () => {
        const dir = this.#dir ?? this.#makeDir();
        const file = path.join(dir, broadcastFile(id));
        await writeFile(file, toJSON(b.value));
        await this.addFile(file);
        return broadcastFile(id);
      })();
      shipping = attempt;
      this.#shipped.set(id, attempt);
      attempt.catch(() => {
        if (this.#shipped.get(id) === attempt) this.#shipped.delete(id);
      });
    }
    return shipping;
  }

  #makeDir(): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sparkling-broadcasts-'));
    this.#dir = dir;
    // A process that ends without stop() leaves no copies behind either.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  /** Removes the driver's copies (when the Spark application has ended). */
  close(): void {
    if (this.#dir !== undefined) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
    this.#shipped.clear();
  }
}

const read = new Map<number, Broadcast<unknown>>();

/**
 * The executor's side: broadcast `id` read from its shipped file in the
 * SparkFiles directory `dir`, once per process.
 */
export function readShipped(
  dir: string | undefined,
  files: Readonly<Record<string, string>>,
  id: number,
): Broadcast<unknown> | undefined {
  const known = read.get(id);
  if (known !== undefined) return known;
  const file = files[id];
  if (file === undefined) return undefined;
  if (dir === undefined) throw new InternalError('SPARKLING_SPARK_FILES is not set: no shipped broadcasts');
  const b = new Broadcast(fromJSON(readFileSync(path.join(dir, file), 'utf8')));
  read.set(id, b);
  return b;
}
