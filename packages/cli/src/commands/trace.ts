import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

/** A span as the runtime's trace API returns it (`GET /api/traces/{id}`). */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: string;
  service: string;
  startMs: number;
  durationMs: number;
  status: { code: string; message?: string };
}

/**
 * `opsloop trace <id>`: one trace as a text waterfall — each span indented under its parent, with its
 * service, name, duration, a bar placed on the trace's time line, and errors marked (viewer role).
 */
export async function trace(options: {
  file: string;
  stateDir?: string;
  traceId: string;
  output: 'text' | 'json';
}): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  const body = (await callControlApi(state, 'GET', `/api/traces/${encodeURIComponent(options.traceId)}`)) as {
    traceId: string;
    spans: WaterfallSpan[];
  };
  process.stdout.write(
    options.output === 'json' ? `${JSON.stringify(body, null, 2)}\n` : renderWaterfall(body.spans),
  );
  return 0;
}

/** The waterfall of a trace's spans: depth-first from the roots, children by start time. */
export function renderWaterfall(spans: readonly WaterfallSpan[], barWidth = 40): string {
  if (spans.length === 0) return 'no spans\n';
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, WaterfallSpan[]>();
  const roots: WaterfallSpan[] = [];
  for (const span of spans) {
    // A span whose parent never arrived (sampled out, or still in flight) is shown as a root.
    if (span.parentSpanId === undefined || !ids.has(span.parentSpanId)) roots.push(span);
    else children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  }
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.startMs + s.durationMs));
  const total = Math.max(end - start, 1e-3);
  const rows: { label: string; duration: string; bar: string }[] = [];
  const visit = (span: WaterfallSpan, depth: number) => {
    const error = span.status.code === 'error' ? ' ✗' : '';
    const from = Math.floor(((span.startMs - start) / total) * barWidth);
    const width = Math.max(1, Math.round((span.durationMs / total) * barWidth));
    rows.push({
      label: `${'  '.repeat(depth)}${span.service}: ${span.name}${error}`,
      duration: `${span.durationMs.toFixed(1)} ms`,
      bar: `${' '.repeat(Math.min(from, barWidth - 1))}${'█'.repeat(Math.min(width, barWidth - from))}`,
    });
    for (const child of (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs))
      visit(child, depth + 1);
  };
  for (const root of roots.sort((a, b) => a.startMs - b.startMs)) visit(root, 0);
  const labelWidth = Math.max(...rows.map((r) => r.label.length));
  const durationWidth = Math.max(...rows.map((r) => r.duration.length));
  const services = new Set(spans.map((s) => s.service)).size;
  const header = `${spans.length} spans, ${services} services, ${total.toFixed(1)} ms\n`;
  return (
    header +
    rows
      .map(
        (r) =>
          `${r.label.padEnd(labelWidth)}  ${r.duration.padStart(durationWidth)}  |${r.bar.padEnd(barWidth)}|`,
      )
      .join('\n') +
    '\n'
  );
}
