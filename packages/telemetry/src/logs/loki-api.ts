/**
 * Loki's HTTP API over a {@link LogSource} + {@link LogAppender}, as a Fastify plugin: push (JSON, gzip,
 * protobuf + snappy), instant and range queries, labels, label values, series, `/ready`, and a tail as
 * server-sent events (`GET /loki/api/v1/tail`, `text/event-stream`; Loki's own tail is a WebSocket).
 * Response bodies have Loki's shapes; errors are problem+json carrying Loki's message in `detail` and `error`.
 */
import { PROBLEM_CONTENT_TYPE, sendProblem, toProblemError } from '@opsloop/kit';
import type { FastifyError, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { formatPrometheusFloat } from '../exposition/prometheus-text.js';
import { labelsKey, type LabelMatcher, type Labels } from '../model/labels.js';
import { LogQueryLimitError } from './logql-engine.js';
import { LogqlParseError } from './logql-parse-error.js';
import { parseLogql, parseStreamSelector } from './logql-parser.js';
import {
  BadParameterError,
  directionParam,
  limitParam,
  params,
  queryParam,
  rangeParams,
  stepParam,
  timeParam,
  type QueryParams,
} from './loki-params.js';
import { decodePush, PushError } from './loki-push.js';
import type { LogAppender, LogMetricSample, LogMetricSeries, LogSource, LogStream } from './log-source.js';
import { InvalidTimestampError, msToNs } from './log-time.js';

/** Problem `type` of a refused push. */
export const LOKI_BAD_PUSH_TYPE = 'https://opsloop.dev/problems/loki-bad-push';
/** Problem `type` of a refused query (bad LogQL, bad parameter, limit exceeded). */
export const LOKI_BAD_QUERY_TYPE = 'https://opsloop.dev/problems/loki-bad-query';

/** Options of {@link lokiApiPlugin}. */
export interface LokiApiOptions {
  /** Where pushes go and queries read. */
  readonly store: LogSource & LogAppender;
  /** Clock for default query times (ms); default `Date.now`. */
  readonly now?: () => number;
  /** Largest push body (compressed, as received); default 16 MiB. */
  readonly maxPushBytes?: number;
  /** Interval of SSE keep-alive comments on tails; default 15 s. */
  readonly tailKeepAliveMs?: number;
}

/** Default look-back of labels, label values and series (Loki's). */
const METADATA_SPAN_MS = 6 * 3_600_000;

const INSTANT_LOG_QUERY =
  'log queries are not supported as an instant query type, please change your query to a range query type';

function lokiProblem(error: unknown): { type: string; title: string; message: string } | undefined {
  if (error instanceof PushError)
    return { type: LOKI_BAD_PUSH_TYPE, title: 'Loki push refused', message: error.message };
  if (
    error instanceof LogqlParseError ||
    error instanceof BadParameterError ||
    error instanceof LogQueryLimitError ||
    error instanceof InvalidTimestampError
  ) {
    return { type: LOKI_BAD_QUERY_TYPE, title: 'Loki query refused', message: error.message };
  }
  return undefined;
}

function seconds(ms: number): number {
  return ms / 1000;
}

/** The `data` of a streams result. */
export function streamsData(streams: readonly LogStream[]): object {
  return {
    resultType: 'streams',
    result: streams.map((s) => ({
      stream: s.labels,
      values: s.entries.map((e) => [String(e.timestampNs), e.line]),
    })),
    stats: {},
  };
}

/** The `data` of a matrix result (timestamps in float seconds, values as strings, as Prometheus). */
export function matrixData(series: readonly LogMetricSeries[]): object {
  return {
    resultType: 'matrix',
    result: series.map((s) => ({
      metric: s.labels,
      values: s.points.map((p) => [seconds(p.timestampMs), formatPrometheusFloat(p.value)]),
    })),
    stats: {},
  };
}

/** The `data` of a vector result. */
export function vectorData(samples: readonly LogMetricSample[]): object {
  return {
    resultType: 'vector',
    result: samples.map((s) => ({
      metric: s.labels,
      value: [seconds(s.timestampMs), formatPrometheusFloat(s.value)],
    })),
    stats: {},
  };
}

function success(data: unknown): { status: 'success'; data: unknown } {
  return { status: 'success', data };
}

function selectorsOf(query: QueryParams): LabelMatcher[][] {
  const selectors = [...params(query, 'match[]'), ...params(query, 'match')];
  if (selectors.length === 0) throw new BadParameterError('at least one match[] selector is required');
  return selectors.map(parseStreamSelector);
}

/**
 * The Loki API as a Fastify plugin: `app.register(lokiApiPlugin({ store }))`. It is encapsulated: its
 * body parsers (raw buffers for every content type) and error handler apply to its routes only.
 */
export function lokiApiPlugin(options: LokiApiOptions): FastifyPluginCallback {
  const { store } = options;
  const now = options.now ?? Date.now;
  const maxPushBytes = options.maxPushBytes ?? 16 * 1024 * 1024;
  const keepAliveMs = options.tailKeepAliveMs ?? 15_000;

  return (app, _options, done) => {
    // Open tails would keep the server from closing: end them first.
    const tails = new Set<AbortController>();
    app.addHook('preClose', (hookDone) => {
      for (const tail of tails) tail.abort();
      hookDone();
    });
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxPushBytes }, (_req, body, done) =>
      done(null, body),
    );
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const loki = lokiProblem(error);
      if (loki === undefined) return sendProblem(reply, request, toProblemError(error, maxPushBytes));
      return reply
        .code(400)
        .type(PROBLEM_CONTENT_TYPE)
        .send(
          JSON.stringify({
            type: loki.type,
            title: loki.title,
            status: 400,
            detail: loki.message,
            error: loki.message,
          }),
        );
    });

    app.post('/loki/api/v1/push', { bodyLimit: maxPushBytes }, async (request, reply) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const encoding = request.headers['content-encoding'];
      const entries = decodePush(body, request.headers['content-type'], encoding);
      for (const entry of entries) store.append(entry);
      await store.flush(); // acknowledged means durable
      return reply.code(204).send();
    });

    app.get('/loki/api/v1/query', async (request) => {
      const query = request.query as QueryParams;
      const logql = queryParam(query);
      const time = timeParam(query, 'time', msToNs(now()));
      if (parseLogql(logql).kind === 'log') throw new BadParameterError(INSTANT_LOG_QUERY);
      return success(vectorData(await store.queryLogMetric(logql, { time })));
    });

    app.get('/loki/api/v1/query_range', async (request) => {
      const query = request.query as QueryParams;
      const logql = queryParam(query);
      const { start, end } = rangeParams(query, now());
      const limit = limitParam(query);
      const direction = directionParam(query);
      if (parseLogql(logql).kind === 'log') {
        return success(streamsData(await store.queryLogs(logql, { start, end, limit, direction })));
      }
      const stepMs = stepParam(query, start, end);
      return success(matrixData(await store.queryLogMetric(logql, { start, end, stepMs })));
    });

    app.get('/loki/api/v1/labels', async (request) => {
      const range = rangeParams(request.query as QueryParams, now(), METADATA_SPAN_MS);
      return success(await store.labels(range));
    });

    app.get<{ Params: { name: string } }>('/loki/api/v1/label/:name/values', async (request) => {
      const range = rangeParams(request.query as QueryParams, now(), METADATA_SPAN_MS);
      return success(await store.labelValues(request.params.name, range));
    });

    app.get('/loki/api/v1/series', async (request) => {
      const query = request.query as QueryParams;
      const selectors = selectorsOf(query);
      const range = rangeParams(query, now(), METADATA_SPAN_MS);
      const seen = new Map<string, Labels>();
      for (const matchers of selectors) {
        for (const labels of await store.series(matchers, range)) seen.set(labelsKey(labels), labels);
      }
      return success([...seen.values()]);
    });

    app.get('/loki/api/v1/tail', async (request, reply) => {
      const query = request.query as QueryParams;
      const logql = queryParam(query);
      const since = timeParam(query, 'start', -1n);
      const abort = new AbortController();
      const entries = store.tail(logql, { ...(since >= 0n ? { since } : {}), signal: abort.signal });
      tails.add(abort);
      try {
        await streamEvents(reply, request, entries, abort, keepAliveMs);
      } finally {
        tails.delete(abort);
      }
    });

    app.get('/ready', (_request, reply) => reply.type('text/plain').send('ready'));
    done();
  };
}

async function streamEvents(
  reply: FastifyReply,
  request: FastifyRequest,
  entries: AsyncIterable<{ labels: Labels; timestampNs: bigint; line: string }>,
  abort: AbortController,
  keepAliveMs: number,
): Promise<void> {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    // A tail only ends when it is closed: never reuse its connection (and let the server close promptly).
    connection: 'close',
  });
  raw.write(': tailing\n\n');
  const stop = (): void => abort.abort();
  request.raw.once('close', stop);
  raw.once('close', stop);
  const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), keepAliveMs);
  keepAlive.unref();
  try {
    for await (const entry of entries) {
      const event = {
        streams: [{ stream: entry.labels, values: [[String(entry.timestampNs), entry.line]] }],
        dropped_entries: [],
      };
      raw.write(`data: ${JSON.stringify(event)}\n\n`);
    }
  } finally {
    clearInterval(keepAlive);
    request.raw.off('close', stop);
    if (!raw.writableEnded) raw.end();
  }
}
