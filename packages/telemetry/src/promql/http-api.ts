/**
 * Prometheus's HTTP query API as a Fastify plugin, so Grafana and other Prometheus clients can query the
 * embedded store: `/api/v1/query`, `/api/v1/query_range`, `/api/v1/series`, `/api/v1/labels`,
 * `/api/v1/label/:name/values`, `/api/v1/query_exemplars`, `/api/v1/status/buildinfo` and `/api/v1/metadata`,
 * GET or POST (form
 * body). Success bodies are exactly Prometheus's; errors are problem+json carrying Prometheus's own
 * `errorType` and `error` members as well. Register with
 * `app.register(prometheusApiPlugin({ engine, querier }), { prefix: '/prometheus' })`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemError } from '@opsloop/kit';
import type { ExemplarQuerier } from '../exemplars/exemplar-store.js';
import { NO_EXEMPLARS, exemplarsApiData } from '../exemplars/exemplars-api.js';
import type { LabelMatcher, Labels } from '../model/labels.js';
import type { SeriesQuerier } from '../model/series-store.js';
import type { PromqlEngine } from './engine.js';
import { PromqlError, PromqlExecutionError, type PromqlErrorType } from './errors.js';
import { formatApiValue, isValidLabelName } from './go-compat.js';
import {
  MAX_TIME_MS,
  MIN_TIME_MS,
  collectParams,
  first,
  parseDurationParam,
  parseTimeParam,
  type ApiParams,
} from './http-params.js';
import { encodeQuerySuccess } from './json-encode.js';
import { compareLabels, keyOf } from './label-sets.js';
import { parseSeriesSelector } from './parse.js';
import type { QueryResult } from './result.js';

/** Options of {@link prometheusApiPlugin}. */
export interface PrometheusApiOptions {
  readonly engine: PromqlEngine;
  /** Answers the series and label endpoints. */
  readonly querier: SeriesQuerier;
  /** Clock for queries without `time`/`end` (ms); default `Date.now`. */
  readonly now?: () => number;
  /** Answers `query_exemplars`; without it the answer is always `[]`. */
  readonly exemplars?: ExemplarQuerier;
}

/** The version reported by buildinfo: Grafana enables features by it. */
export const PROMETHEUS_COMPATIBLE_VERSION = '2.42.0';

const MAX_POINTS = 11_000;

const PROBLEMS: Readonly<Record<PromqlErrorType, { status: number; title: string }>> = {
  bad_data: { status: 400, title: 'Bad query request' },
  execution: { status: 422, title: 'Query execution failed' },
  timeout: { status: 503, title: 'Query timed out' },
  canceled: { status: 503, title: 'Query canceled' },
  internal: { status: 500, title: 'Internal query error' },
};

/** A JSON body of Prometheus's `{status, data}` shape. */
function success(data: unknown): { status: 'success'; data: unknown } {
  return { status: 'success', data };
}

/** Prometheus's JSON encoding of a query result: seconds as numbers, values as strings. */
export function formatQueryResult(result: QueryResult): unknown {
  const point = (t: number, v: number): [number, string] => [t / 1000, formatApiValue(v)];
  switch (result.resultType) {
    case 'vector':
      return {
        resultType: 'vector',
        result: result.result.map((s) => ({ metric: s.metric, value: point(s.timestampMs, s.value) })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: result.result.map((s) => ({
          metric: s.metric,
          values: s.timestampsMs.map((t, i) => point(t, s.values[i]!)),
        })),
      };
    case 'scalar':
      return { resultType: 'scalar', result: point(result.result.timestampMs, result.result.value) };
    case 'string':
      return { resultType: 'string', result: [result.result.timestampMs / 1000, result.result.value] };
  }
}

/**
 * The body of an API error. Prometheus's clients (Grafana, client_golang) need `"status": "error"` with
 * `errorType` and `error`, and fail on RFC 9457's numeric `status`; so the Prometheus form is the default
 * (with the problem's `type`, `title` and `detail` as extra members), and a client that accepts
 * `application/problem+json` gets a strict RFC 9457 document (with `errorType` and `error` as extensions).
 */
export function problemBody(error: PromqlError, strictProblem = true): Record<string, unknown> {
  const problem = PROBLEMS[error.errorType];
  return {
    type: `https://opsloop.dev/problems/promql-${error.errorType.replace('_', '-')}`,
    title: problem.title,
    status: strictProblem ? problem.status : 'error',
    detail: error.message,
    errorType: error.errorType,
    error: error.message,
  };
}

/** A whole success body already encoded as JSON text (query results: see json-encode.ts). */
class EncodedBody {
  constructor(readonly text: string) {}
}

/** The Prometheus API plugin; see the module comment. */
export function prometheusApiPlugin(options: PrometheusApiOptions): FastifyPluginAsync {
  const { engine, querier } = options;
  const now = options.now ?? Date.now;

  return (app) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_request, body, done) => done(null, body),
    );

    app.setErrorHandler((error, request, reply) => {
      // The host's own refusals (authentication, roles) keep the host's answer.
      if (error instanceof ProblemError) throw error;
      const known =
        error instanceof PromqlError
          ? error
          : new PromqlExecutionError(
              (error as { statusCode?: number }).statusCode === 415
                ? 'unsupported content type'
                : 'internal error',
              (error as { statusCode?: number }).statusCode === 415 ? 'bad_data' : 'internal',
            );
      if (known.errorType === 'internal') request.log.error({ err: error }, 'Prometheus API request failed');
      const strict = (request.headers.accept ?? '').includes(PROBLEM_CONTENT_TYPE);
      return reply
        .code(PROBLEMS[known.errorType].status)
        .type(strict ? PROBLEM_CONTENT_TYPE : 'application/json')
        .send(problemBody(known, strict));
    });

    const params = (request: FastifyRequest): ApiParams => collectParams(request.url, request.body);
    const route = (
      path: string,
      handler: (p: ApiParams, request: FastifyRequest) => Promise<unknown>,
    ): void => {
      const run = async (request: FastifyRequest, reply: FastifyReply) => {
        const data = await handler(params(request), request);
        if (data instanceof EncodedBody) return reply.type('application/json; charset=utf-8').send(data.text);
        return reply.send(success(data));
      };
      app.get(path, run);
      app.post(path, run);
    };

    route('/api/v1/query', async (p) => {
      const time = parseTimeParam(p, 'time', now());
      const timeoutMs = parseDurationParam(p, 'timeout');
      const result = await queryOrBadParam(() =>
        engine.instantQuery(first(p, 'query') ?? '', time, timeoutMs === undefined ? {} : { timeoutMs }),
      );
      return new EncodedBody(encodeQuerySuccess(result));
    });

    route('/api/v1/query_range', async (p) => {
      const start = parseTimeParam(p, 'start', NaN);
      const end = parseTimeParam(p, 'end', NaN);
      if (Number.isNaN(start))
        throw badData('invalid parameter "start": cannot parse "" to a valid timestamp');
      if (Number.isNaN(end)) throw badData('invalid parameter "end": cannot parse "" to a valid timestamp');
      if (end < start) throw badData('end timestamp must not be before start time');
      const step = parseDurationParam(p, 'step');
      if (step === undefined) throw badData('invalid parameter "step": cannot parse "" to a valid duration');
      if (step <= 0) {
        throw badData(
          'zero or negative query resolution step widths are not accepted. Try a positive integer',
        );
      }
      if (Math.floor((end - start) / step) > MAX_POINTS) {
        throw badData(
          'exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)',
        );
      }
      const timeoutMs = parseDurationParam(p, 'timeout');
      const query = first(p, 'query') ?? '';
      const result = await queryOrBadParam(() =>
        engine.rangeQuery(query, start, end, step, timeoutMs === undefined ? {} : { timeoutMs }),
      );
      return new EncodedBody(encodeQuerySuccess(result));
    });

    route('/api/v1/series', async (p) => {
      const selectors = matcherSets(p, true);
      const [start, end] = timeBounds(p);
      const seen = new Map<string, Labels>();
      for (const matchers of selectors) {
        for (const s of await querier.select(matchers, start, end)) seen.set(keyOf(s.labels), s.labels);
      }
      return [...seen.values()].sort(compareLabels);
    });

    route('/api/v1/labels', async (p) => {
      const selectors = matcherSets(p, false);
      const [start, end] = timeBounds(p);
      const names = new Set<string>();
      for (const matchers of selectors.length > 0 ? selectors : [[]]) {
        for (const name of await querier.labelNames(matchers, start, end)) names.add(name);
      }
      return [...names].sort();
    });

    route('/api/v1/label/:name/values', async (p, request) => {
      const name = (request.params as { name: string }).name;
      if (!isValidLabelName(name)) throw badData(`invalid label name: ${JSON.stringify(name)}`);
      const selectors = matcherSets(p, false);
      const [start, end] = timeBounds(p);
      const values = new Set<string>();
      for (const matchers of selectors.length > 0 ? selectors : [[]]) {
        for (const value of await querier.labelValues(name, matchers, start, end)) values.add(value);
      }
      return [...values].sort();
    });

    route('/api/v1/query_exemplars', (p) =>
      Promise.resolve(exemplarsApiData(p, options.exemplars ?? NO_EXEMPLARS)),
    );

    route('/api/v1/status/buildinfo', () =>
      Promise.resolve({
        version: PROMETHEUS_COMPATIBLE_VERSION,
        revision: 'opsloop',
        branch: 'opsloop',
        buildUser: 'opsloop',
        buildDate: '',
        goVersion: 'none (opsloop embedded PromQL engine)',
      }),
    );

    route('/api/v1/metadata', () => Promise.resolve({}));
    return Promise.resolve();
  };
}

function badData(message: string): PromqlExecutionError {
  return new PromqlExecutionError(message, 'bad_data');
}

/** Runs a query; parse and type errors become Prometheus's `invalid parameter "query": …`. */
async function queryOrBadParam(run: () => Promise<QueryResult>): Promise<QueryResult> {
  try {
    return await run();
  } catch (error) {
    if (
      error instanceof PromqlError &&
      error.errorType === 'bad_data' &&
      !error.message.startsWith('invalid parameter')
    ) {
      throw badData(`invalid parameter "query": ${error.message}`);
    }
    throw error;
  }
}

function matcherSets(p: ApiParams, required: boolean): LabelMatcher[][] {
  const texts = p.get('match[]') ?? [];
  if (required && texts.length === 0) throw badData('no match[] parameter provided');
  return texts.map((text) => {
    try {
      return parseSeriesSelector(text);
    } catch (error) {
      throw badData(`invalid parameter "match[]": ${(error as Error).message}`);
    }
  });
}

function timeBounds(p: ApiParams): [number, number] {
  return [parseTimeParam(p, 'start', MIN_TIME_MS), parseTimeParam(p, 'end', MAX_TIME_MS)];
}
