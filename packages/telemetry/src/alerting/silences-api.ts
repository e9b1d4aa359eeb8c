/**
 * Alertmanager's API v2 for silences and alerts, so `amtool`, Grafana's Alertmanager data source and
 * `opsloop` read and change silences as they would on an Alertmanager. Reads: `GET /api/v2/silences`,
 * `GET /api/v2/silence/:id`, `GET /api/v2/alerts`. Writes: `POST /api/v2/silences`,
 * `DELETE /api/v2/silence/:id`. Errors are problem+json.
 */
import type { FastifyPluginAsync } from 'fastify';
import { ProblemError, parseInput, sendProblem, toProblemError } from '@opsloop/kit';
import { z } from 'zod';
import type { NotifierAlert } from './alert-notifier-types.js';
import {
  alertJson,
  parseFilter,
  postableSilenceSchema,
  silenceJson,
  silenceMatchesFilter,
  sortSilences,
  toSilenceInput,
} from './alertmanager-api-json.js';
import { MatcherSyntaxError } from './label-matchers.js';
import { matchesAll, anchoredRegex } from '../model/labels.js';
import { SilenceError, SilenceExpiredError, SilenceNotFoundError, type SilenceStore } from './silences.js';

/** Options of {@link silencesApiPlugin}. */
export interface SilencesApiOptions {
  readonly silences: SilenceStore;
  /** The notifier's alerts (`notifier.alerts`); without it `GET /api/v2/alerts` is not mounted. */
  readonly alerts?: () => NotifierAlert[];
}

const filterSchema = z.union([z.string(), z.array(z.string())]).optional();
const flag = z
  .enum(['true', 'false'])
  .default('true')
  .transform((v) => v === 'true');
const silencesQuerySchema = z.object({ filter: filterSchema });
const alertsQuerySchema = z.object({
  filter: filterSchema,
  active: flag,
  silenced: flag,
  inhibited: flag,
  unprocessed: flag,
  receiver: z.string().optional(),
});
const idParamsSchema = z.object({ id: z.string().min(1).max(128) });

/** A bad `filter` (or receiver regex) is the client's: a validation problem naming the parameter. */
function queryProblem(path: string, error: unknown): ProblemError {
  const message = error instanceof Error ? error.message : String(error);
  return new ProblemError('validationFailed', {
    detail: `query ${path}: ${message}`,
    errors: [{ in: 'query', path, message }],
  });
}

const parseFilterParam = (filter: string | string[] | undefined) => {
  try {
    return parseFilter(filter);
  } catch (error) {
    if (error instanceof MatcherSyntaxError) throw queryProblem('filter', error);
    throw error;
  }
};

/** Maps the store's refusals to problems: unknown ids 404, refused silences 400, expiring twice 409. */
function storeProblem(error: unknown): unknown {
  if (error instanceof SilenceNotFoundError)
    return new ProblemError('resourceNotFound', { detail: error.message });
  if (error instanceof SilenceExpiredError) return new ProblemError('conflict', { detail: error.message });
  if (error instanceof SilenceError) {
    return new ProblemError('validationFailed', { detail: `invalid silence: ${error.message}` });
  }
  return error;
}

/** The Alertmanager v2 silences (and alerts) API over `options.silences`, as a Fastify plugin. */
export function silencesApiPlugin(options: SilencesApiOptions): FastifyPluginAsync {
  const { silences } = options;
  return (app) => {
    app.setErrorHandler((error, request, reply) => {
      const problem = toProblemError(storeProblem(error), 1024 * 1024);
      if (problem.status >= 500) request.log.error({ err: error }, 'silences API request failed');
      return sendProblem(reply, request, problem);
    });

    app.get('/api/v2/silences', (request) => {
      const { filter } = parseInput(silencesQuerySchema, request.query, 'query');
      const matchers = parseFilterParam(filter);
      return sortSilences(silences.list().filter((s) => silenceMatchesFilter(s, matchers))).map(silenceJson);
    });

    app.get('/api/v2/silence/:id', (request) => {
      const { id } = parseInput(idParamsSchema, request.params, 'path');
      const silence = silences.get(id);
      if (silence === undefined) throw new ProblemError('resourceNotFound', { detail: `no silence ${id}` });
      return silenceJson(silence);
    });

    app.post('/api/v2/silences', (request) => {
      const body = parseInput(postableSilenceSchema, request.body, 'body');
      const input = toSilenceInput(body);
      const silence = body.id === undefined ? silences.create(input) : silences.update(body.id, input);
      return { silenceID: silence.id };
    });

    app.delete('/api/v2/silence/:id', async (request, reply) => {
      const { id } = parseInput(idParamsSchema, request.params, 'path');
      silences.expire(id);
      return reply.code(200).send();
    });

    const alerts = options.alerts;
    if (alerts !== undefined) {
      app.get('/api/v2/alerts', (request) => {
        const query = parseInput(alertsQuerySchema, request.query, 'query');
        const matchers = parseFilterParam(query.filter);
        let receiver: RegExp | undefined;
        try {
          receiver = query.receiver === undefined ? undefined : anchoredRegex(query.receiver);
        } catch (error) {
          throw queryProblem('receiver', error);
        }
        return alerts()
          .filter((a) => matchesAll(matchers, a.labels))
          .filter((a) => receiver === undefined || a.receivers.some((r) => receiver.test(r)))
          .filter((a) => {
            const silenced = a.status.silencedBy.length > 0;
            const inhibited = a.status.inhibitedBy.length > 0;
            if (!query.silenced && silenced) return false;
            if (!query.inhibited && inhibited) return false;
            return query.active || silenced || inhibited;
          })
          .sort((a, b) => (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0))
          .map(alertJson);
      });
    }
    return Promise.resolve();
  };
}
