/**
 * Alertmanager API v2 JSON (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml):
 * request schemas, the response shapes of silences and alerts, and Alertmanager's filtering and ordering.
 */
import { z } from 'zod';
import { matchesValue, type LabelMatcher, type MatchType } from '../model/labels.js';
import type { NotifierAlert } from './alert-notifier-types.js';
import { parseMatchers } from './label-matchers.js';
import type { Silence, SilenceInput } from './silences.js';

const iso = (ms: number) => new Date(ms).toISOString();

const dateTime = z
  .string()
  .refine((text) => /^\d{4}-\d\d-\d\dT/.test(text) && !Number.isNaN(Date.parse(text)), {
    message: 'expected an RFC 3339 date-time',
  })
  .transform((text) => Date.parse(text));

const matcherSchema = z.object({
  name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'expected a label name'),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true),
});

const matchType = (isEqual: boolean, isRegex: boolean): MatchType =>
  isEqual ? (isRegex ? '=~' : '=') : isRegex ? '!~' : '!=';

/** Alertmanager's `postableSilence`; an `id` names the silence to update. */
export const postableSilenceSchema = z.object({
  id: z.string().min(1).optional(),
  matchers: z.array(matcherSchema).min(1),
  startsAt: dateTime,
  endsAt: dateTime,
  createdBy: z.string(),
  comment: z.string(),
});

/** A checked `postableSilence` as the store takes it. */
export function toSilenceInput(body: z.infer<typeof postableSilenceSchema>): SilenceInput {
  return {
    matchers: body.matchers.map((m): LabelMatcher => ({
      name: m.name,
      type: matchType(m.isEqual, m.isRegex),
      value: m.value,
    })),
    startsAtMs: body.startsAt,
    endsAtMs: body.endsAt,
    createdBy: body.createdBy,
    comment: body.comment,
  };
}

/** Alertmanager's `gettableSilence`. */
export function silenceJson(s: Silence) {
  return {
    id: s.id,
    status: { state: s.state },
    updatedAt: iso(s.updatedAtMs),
    matchers: s.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      isRegex: m.type === '=~' || m.type === '!~',
      isEqual: m.type === '=' || m.type === '=~',
    })),
    startsAt: iso(s.startsAtMs),
    endsAt: iso(s.endsAtMs),
    createdBy: s.createdBy,
    comment: s.comment,
  };
}

/** Alertmanager's `gettableAlert`. */
export function alertJson(a: NotifierAlert) {
  return {
    labels: a.labels,
    annotations: a.annotations,
    startsAt: iso(a.startsAtMs),
    endsAt: iso(a.endsAtMs),
    updatedAt: iso(a.updatedAtMs),
    generatorURL: a.generatorURL,
    fingerprint: a.fingerprint,
    receivers: a.receivers.map((name) => ({ name })),
    status: {
      state: a.status.state,
      silencedBy: a.status.silencedBy,
      inhibitedBy: a.status.inhibitedBy,
      mutedBy: [],
    },
  };
}

/** The `filter` query parameter (repeatable): matchers, each `name="value"` (or `{…}` with several). */
export function parseFilter(filter: string | readonly string[] | undefined): LabelMatcher[] {
  const items = filter === undefined ? [] : typeof filter === 'string' ? [filter] : filter;
  return items.flatMap((item) => parseMatchers(item));
}

/**
 * Alertmanager's `CheckSilenceMatchesFilterLabels`: the filter is applied to the silence's matchers read
 * as labels (name → value/pattern); an empty-valued filter matcher passes when the name is absent.
 */
export function silenceMatchesFilter(s: Silence, filter: readonly LabelMatcher[]): boolean {
  const labels = new Map(s.matchers.map((m) => [m.name, m.value]));
  return filter.every((m) => {
    const value = labels.get(m.name);
    const negative = m.type === '!=' || m.type === '!~';
    if (m.value === '' && (negative ? value !== undefined : value === undefined)) return true;
    return matchesValue(m, value ?? '');
  });
}

const STATE_ORDER = { active: 0, pending: 1, expired: 2 } as const;

/** Alertmanager's `SortSilences`: active by end, then pending by start, then expired latest end first. */
export function sortSilences(silences: readonly Silence[]): Silence[] {
  return [...silences].sort((a, b) => {
    if (a.state !== b.state) return STATE_ORDER[a.state] - STATE_ORDER[b.state];
    if (a.state === 'active') return a.endsAtMs - b.endsAtMs;
    if (a.state === 'pending') return a.startsAtMs - b.startsAtMs;
    return b.endsAtMs - a.endsAtMs;
  });
}
