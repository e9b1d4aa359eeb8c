/**
 * Test support: a tiny HTTP server on 127.0.0.1 answering Loki API paths from a handler (recorded bodies,
 * error texts, or a hung request), recording every request's path, parameters and headers.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LabeledLogEntry } from '../log-source.js';

/** A request as the fixture saw it. */
export interface FixtureRequest {
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
}

/** An answer: a JSON value or a text body; `'hang'` never answers (for deadlines). */
export type FixtureAnswer = { status?: number; json?: unknown; text?: string } | 'hang';

/** A running fixture. */
export interface LokiFixture {
  readonly url: string;
  readonly requests: FixtureRequest[];
  close(): Promise<void>;
}

/** Starts the fixture; unknown paths (handler returns undefined) answer 404 `404 page not found` as Loki. */
export async function startLokiFixture(
  handler: (request: FixtureRequest) => FixtureAnswer | undefined,
): Promise<LokiFixture> {
  const requests: FixtureRequest[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fixture');
    const request = {
      path: decodeURIComponent(url.pathname),
      params: url.searchParams,
      headers: req.headers,
    };
    requests.push(request);
    const answer = handler(request) ?? { status: 404, text: '404 page not found\n' };
    if (answer === 'hang') return;
    const json = answer.json !== undefined;
    res.writeHead(answer.status ?? 200, {
      'content-type': json ? 'application/json; charset=UTF-8' : 'text/plain; charset=utf-8',
    });
    res.end(json ? JSON.stringify(answer.json) : (answer.text ?? ''));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A forward `query_range` page over `entries` as Loki computes it: [start, end), oldest `limit` entries,
 * grouped into streams. Entries matching is the caller's job (the fixture does not evaluate LogQL).
 */
export function forwardStreamsPage(entries: readonly LabeledLogEntry[], params: URLSearchParams): unknown {
  const start = BigInt(params.get('start') ?? '0');
  const end = BigInt(params.get('end') ?? String(2n ** 62n));
  const limit = Number(params.get('limit') ?? '100');
  const page = entries
    .filter((e) => e.timestampNs >= start && e.timestampNs < end)
    .sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0))
    .slice(0, limit);
  const streams = new Map<string, { stream: Record<string, string>; values: [string, string][] }>();
  for (const e of page) {
    const key = JSON.stringify(e.labels);
    const stream = streams.get(key) ?? { stream: { ...e.labels }, values: [] };
    stream.values.push([String(e.timestampNs), e.line]);
    streams.set(key, stream);
  }
  return { status: 'success', data: { resultType: 'streams', result: [...streams.values()], stats: {} } };
}
