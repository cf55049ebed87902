/** Benchmark helpers: timing, peak memory sampling, table printing. */

export interface Figure {
  name: string;
  seconds: number;
  perElementNs?: number;
  peakMB?: number;
  note?: string;
}

/** Runs `fn` `repeat` times after one warm-up and keeps the fastest run. */
export async function time<R>(fn: () => Promise<R> | R, repeat = 3): Promise<{ seconds: number; result: R }> {
  let result = await fn();
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeat; i++) {
    const start = process.hrtime.bigint();
    result = await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e9);
  }
  return { seconds: best, result };
}

export function table(title: string, rows: Figure[], baseline: string): string {
  const base = rows.find((r) => r.name === baseline);
  const lines = [
    `### ${title}`,
    '',
    '| system | time (s) | ns/element | vs baseline | peak RSS (MB) | note |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const ratio = base ? `${(r.seconds / base.seconds).toFixed(2)}x` : '';
    lines.push(
      `| ${r.name} | ${r.seconds.toFixed(3)} | ${r.perElementNs?.toFixed(2) ?? ''} | ${ratio} | ${r.peakMB?.toFixed(0) ?? ''} | ${r.note ?? ''} |`,
    );
  }
  return lines.join('\n');
}
