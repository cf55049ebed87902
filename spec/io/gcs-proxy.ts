/**
 * A proxy in front of the GCS emulator for the gs:// specs (not a spec file
 * itself): records every request (with its Authorization header), answers
 * the next requests a test picks with a fault (503, 500, or a connection cut
 * mid-body), and pages listings itself (`pageSize`): the emulator ignores
 * `maxResults`/`pageToken` and answers everything on one page.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly authorization: string | undefined;
  readonly fault: Fault['kind'] | null;
}

export type Match = (r: Pick<Seen, 'method' | 'path' | 'query'>) => boolean;

export type Fault = { kind: 'unavailable' } | { kind: 'internal' } | { kind: 'cut'; afterBytes: number };

export class GcsProxy {
  readonly seen: Seen[] = [];
  cuts = 0;
  endpoint = '';
  /** Listing page size the proxy enforces (0: pass the emulator's single page through). */
  pageSize = 0;
  private server: http.Server | undefined;
  private readonly rules: { match: Match; fault: Fault; left: number }[] = [];

  constructor(private readonly upstream: string) {}

  async start(): Promise<this> {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this;
  }

  arm(match: Match, fault: Fault, times = 1): void {
    this.rules.push({ match, fault, left: times });
  }

  disarm(): void {
    this.rules.length = 0;
  }

  count(match: Match, fault?: Fault['kind'] | null): number {
    return this.seen.filter((r) => match(r) && (fault === undefined || r.fault === fault)).length;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const r = { method: req.method ?? '', path: decodeURIComponent(url.pathname), query: url.searchParams };
    const rule = this.rules.find((x) => x.left > 0 && x.match(r));
    if (rule) rule.left--;
    const fault = rule?.fault ?? null;
    this.seen.push({ ...r, authorization: req.headers.authorization, fault: fault?.kind ?? null });
    if (fault?.kind === 'unavailable' || fault?.kind === 'internal') {
      req.resume();
      req.on('end', () => {
        const status = fault.kind === 'unavailable' ? 503 : 500;
        const body = JSON.stringify({ error: { code: status, message: `injected ${fault.kind}` } });
        res.writeHead(status, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
      });
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const paging = this.pageSize > 0 && r.method === 'GET' && /\/b\/[^/]+\/o$/.test(r.path);
      // Host stays the proxy's: the emulator builds resumable session URLs from it.
      const headers = { ...req.headers };
      const up = http.request(
        `${this.upstream}${req.url}`,
        { method: req.method, headers, agent: false },
        (ures) => {
          if (paging && ures.statusCode === 200) {
            const parts: Buffer[] = [];
            ures.on('data', (c: Buffer) => parts.push(c));
            ures.on('end', () => this.page(Buffer.concat(parts), url.searchParams, res));
            return;
          }
          const h = { ...ures.headers };
          // The emulator speaks HTTP/1.0 and closes each connection: the client must not wait for more.
          res.writeHead(ures.statusCode ?? 502, h);
          if (fault?.kind !== 'cut') {
            ures.pipe(res);
            return;
          }
          let sent = 0;
          const socket = res.socket;
          ures.on('data', (chunk: Buffer) => {
            if (sent >= fault.afterBytes) return;
            const part = chunk.subarray(0, fault.afterBytes - sent);
            sent += part.length;
            if (sent < fault.afterBytes) {
              res.write(part);
              return;
            }
            ures.destroy();
            this.cuts++;
            res.write(part, () => setTimeout(() => socket?.destroy(), 20));
          });
          ures.on('end', () => {
            if (sent < fault.afterBytes) res.end();
          });
        },
      );
      up.on('error', () => res.destroy());
      up.end(Buffer.concat(chunks));
    });
  }

  /** Serves one page of a full listing: items and prefixes merged in name order, `pageSize` a page. */
  private page(body: Buffer, query: URLSearchParams, res: http.ServerResponse): void {
    const all = JSON.parse(body.toString()) as { items?: { name: string }[]; prefixes?: string[] };
    const entries: { name: string; item?: { name: string } }[] = [
      ...(all.items ?? []).map((item) => ({ name: item.name, item })),
      ...(all.prefixes ?? []).map((name) => ({ name })),
    ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const from = Number(query.get('pageToken') ?? '0');
    const size = Math.min(this.pageSize, Number(query.get('maxResults') ?? this.pageSize));
    const slice = entries.slice(from, from + size);
    const out: Record<string, unknown> = {
      kind: 'storage#objects',
      items: slice.filter((e) => e.item).map((e) => e.item),
      prefixes: slice.filter((e) => !e.item).map((e) => e.name),
    };
    if (from + size < entries.length) out.nextPageToken = String(from + size);
    const text = JSON.stringify(out);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}

// Request predicates (JSON API paths).
export const getMedia =
  (name: string): Match =>
  (r) =>
    r.method === 'GET' && r.query.get('alt') === 'media' && r.path.endsWith(`/o/${name}`);
export const listing: Match = (r) => r.method === 'GET' && /\/b\/[^/]+\/o$/.test(r.path);
export const listPage2: Match = (r) => listing(r) && r.query.has('pageToken');
export const uploadStart: Match = (r) => r.method === 'POST' && r.query.get('uploadType') === 'resumable';
export const uploadPiece: Match = (r) => r.method === 'PUT' && r.query.has('upload_id');
export const multipart: Match = (r) => r.method === 'POST' && r.query.get('uploadType') === 'multipart';
