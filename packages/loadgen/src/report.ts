import type { LoadReport } from './run-load.js';

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '-' : value < 100 ? value.toFixed(1) : value.toFixed(0);

const pairs = (record: Readonly<Record<string, number | undefined>>): string =>
  Object.entries(record)
    .filter(([, n]) => n !== undefined && n > 0)
    .map(([name, n]) => `${name}:${n}`)
    .join(' ') || '-';

/** Lays out rows as columns: the first left-aligned, the others right-aligned except the last. */
function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => {
          if (column === row.length - 1) return cell;
          return column === 0 || column === 3 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The human-readable form of a report: a summary, then one line per endpoint. */
export function formatReport(report: LoadReport): string {
  const model =
    report.model === 'open'
      ? `open model, ${report.rate} journeys/s (${report.arrivals})`
      : `closed model, ${report.concurrency} users`;
  const { journeys, totals } = report;
  const byName = pairs(Object.fromEntries(Object.entries(journeys.byName).map(([n, c]) => [n, c?.started])));
  const lines = [
    `${report.target} · ${model} · ${(report.durationMs / 1000).toFixed(1)} s · seed ${report.seed} · stopped by ${report.stoppedBy}`,
    `journeys: ${journeys.started} started (${byName}), ${journeys.completed} completed, ${journeys.failed} failed, ` +
      `${journeys.interrupted} interrupted${journeys.dropped > 0 ? `, ${journeys.dropped} dropped` : ''}`,
    '',
  ];
  const rows = [
    ['endpoint', 'count', 'ok', 'errors', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'outcomes'],
    ...report.endpoints.map((endpoint) => [
      endpoint.endpoint,
      String(endpoint.count),
      String(endpoint.ok),
      pairs(endpoint.errors),
      ms(endpoint.latencyMs?.p50),
      ms(endpoint.latencyMs?.p90),
      ms(endpoint.latencyMs?.p99),
      ms(endpoint.latencyMs?.max),
      pairs(endpoint.outcomes),
    ]),
    [
      'total',
      String(totals.requests),
      String(totals.ok),
      String(totals.errors),
      ms(totals.latencyMs?.p50),
      ms(totals.latencyMs?.p90),
      ms(totals.latencyMs?.p99),
      ms(totals.latencyMs?.max),
      `${totals.requestsPerSecond.toFixed(1)} req/s`,
    ],
  ];
  lines.push(table(rows));
  const samples = report.endpoints.flatMap((endpoint) =>
    endpoint.errorSamples.map((sample) => `  ${endpoint.endpoint}  ${sample}`),
  );
  if (samples.length > 0) lines.push('', 'error samples:', ...samples);
  return `${lines.join('\n')}\n`;
}
