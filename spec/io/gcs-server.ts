/**
 * The GCS emulator for the gs:// specs (not a spec file itself): a real
 * `gcp-storage-emulator` (from the venv `.ci/run` makes, `.cache/venv`, or
 * `SPARKLING_GCS_PYTHON`) on 127.0.0.1 at a free port, in memory, stopped
 * when the test process exits. When it is not installed, the specs are
 * skipped with the reason, except under `SPARKLING_REQUIRE_GCS=1` (CI), where
 * that is a failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

/** The Python with gcp-storage-emulator, or null. */
export function emulatorPython(): string | null {
  const candidates = [process.env.SPARKLING_GCS_PYTHON, path.join(root, '.cache/venv/bin/python')];
  for (const c of candidates) if (c && existsSync(c)) return c;
  return null;
}

export interface Emulator {
  readonly endpoint: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts the emulator; rejects if it does not come up within 60 s (a loaded machine starts Python slowly). */
export async function startEmulator(python: string): Promise<Emulator> {
  const child = spawn(python, [path.join(here, 'gcs-emulator.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
  const kill = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', kill);
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    if (stderr.length < 4000) stderr += s;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`gcp-storage-emulator did not start: ${stderr}`)),
      60_000,
    );
    child.stdout?.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /^(\d+)\n/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gcp-storage-emulator exited (${code}): ${stderr}`));
    });
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${port}`,
    child,
    async stop() {
      process.removeListener('exit', kill);
      child.stdin?.end();
      const t = setTimeout(kill, 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Direct calls to the emulator (fixtures and checks), not through sparkling. */
export class Gcs {
  constructor(readonly endpoint: string) {}

  async createBucket(name: string): Promise<void> {
    const res = await fetch(`${this.endpoint}/storage/v1/b?project=test`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    await res.text();
    if (!res.ok && res.status !== 409) throw new Error(`create bucket ${name}: HTTP ${res.status}`);
  }

  /** Uploads an object (multipart: the emulator drops an empty media upload). */
  async put(bucket: string, name: string, body: string | Uint8Array): Promise<void> {
    const boundary = 'fixture-boundary';
    const data = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-type: application/json\r\n\r\n${JSON.stringify({ name })}\r\n--${boundary}\r\ncontent-type: application/octet-stream\r\n\r\n`,
      ),
      Buffer.from(body),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await fetch(`${this.endpoint}/upload/storage/v1/b/${bucket}/o?uploadType=multipart`, {
      method: 'POST',
      headers: { 'content-type': `multipart/related; boundary=${boundary}` },
      body: data,
    });
    await res.text();
    if (!res.ok) throw new Error(`put ${bucket}/${name}: HTTP ${res.status}`);
  }

  /** Names of the objects under `prefix`, sorted. */
  async names(bucket: string, prefix: string): Promise<string[]> {
    const res = await fetch(`${this.endpoint}/storage/v1/b/${bucket}/o?prefix=${encodeURIComponent(prefix)}`);
    const json = (await res.json()) as { items?: { name: string }[] };
    return (json.items ?? []).map((i) => i.name).sort();
  }
}
