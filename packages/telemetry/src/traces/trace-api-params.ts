/**
 * The query parameters of the trace query API, as zod schemas: durations in Go syntax like Jaeger's and
 * Tempo's (`250ms`, `1.5s`, `1m30s`; a bare number is milliseconds), times as ms since the epoch or
 * RFC 3339, tags as a JSON object like Jaeger's `tags` parameter.
 */
import { z } from 'zod';
import type { DependencyQuery, TraceQuery } from './trace-source.js';

const UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;

/** Parses a duration (`1m30s`, `250ms`, `1.5s`, or a bare number of ms); undefined when invalid. */
export function parseDurationMs(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  let total = 0;
  let consumed = 0;
  DURATION_PART.lastIndex = 0;
  for (let match = DURATION_PART.exec(text); match !== null; match = DURATION_PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === text.length && text.length > 0 ? total : undefined;
}

const durationSchema = z.string().transform((text, ctx) => {
  const ms = parseDurationMs(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 250ms, 1.5s or 1m30s' });
    return z.NEVER;
  }
  return ms;
});

const timeSchema = z.string().transform((text, ctx) => {
  const ms = /^\d{1,16}$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms) || !/^\d/.test(text)) {
    ctx.addIssue({ code: 'custom', message: 'expected ms since the epoch or an RFC 3339 time' });
    return z.NEVER;
  }
  return ms;
});

const tagsSchema = z.string().transform((text, ctx) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const record = z
    .record(z.string().min(1), z.union([z.string(), z.number(), z.boolean()]).transform(String))
    .safeParse(parsed);
  if (!record.success) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected a JSON object of tag values, e.g. {"http.route":"/x"}',
    });
    return z.NEVER;
  }
  return record.data;
});

const name = z.string().min(1).max(512);

/** Default search range: the last hour. */
export const DEFAULT_LOOKBACK_MS = 3_600_000;

/** `GET /api/traces` parameters. */
export const traceSearchParamsSchema = z
  .strictObject({
    service: name.optional(),
    operation: name.optional(),
    minDuration: durationSchema.optional(),
    maxDuration: durationSchema.optional(),
    status: z.enum(['error', 'ok']).optional(),
    tags: tagsSchema.optional(),
    start: timeSchema.optional(),
    end: timeSchema.optional(),
    limit: z
      .string()
      .regex(/^\d+$/, 'expected an integer')
      .transform(Number)
      .pipe(z.number().int().min(1).max(1000))
      .optional(),
  })
  .refine((p) => p.start === undefined || p.end === undefined || p.start <= p.end, {
    message: 'start must not be after end',
    path: ['start'],
  })
  .refine(
    (p) => p.minDuration === undefined || p.maxDuration === undefined || p.minDuration <= p.maxDuration,
    {
      message: 'minDuration must not exceed maxDuration',
      path: ['minDuration'],
    },
  );

/** `GET /api/dependencies` parameters. */
export const dependencyParamsSchema = z
  .strictObject({ start: timeSchema.optional(), end: timeSchema.optional() })
  .refine((p) => p.start === undefined || p.end === undefined || p.start <= p.end, {
    message: 'start must not be after end',
    path: ['start'],
  });

/** A trace id path parameter: 1-32 hex digits (64-bit ids are left-padded, as Jaeger shows them). */
export const traceIdParamsSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-fA-F]{1,32}$/, 'expected a trace id of up to 32 hex digits')
    .transform((id) => id.toLowerCase().padStart(32, '0')),
});

function range(p: { start?: number | undefined; end?: number | undefined }, nowMs: number) {
  const end = p.end ?? (p.start === undefined ? nowMs : Math.max(nowMs, p.start));
  return { start: p.start ?? end - DEFAULT_LOOKBACK_MS, end };
}

/** The {@link TraceQuery} of parsed search parameters (defaults: the last hour, 20 traces). */
export function toTraceQuery(p: z.infer<typeof traceSearchParamsSchema>, nowMs: number): TraceQuery {
  return {
    ...range(p, nowMs),
    limit: p.limit ?? 20,
    ...(p.service === undefined ? {} : { service: p.service }),
    ...(p.operation === undefined ? {} : { operation: p.operation }),
    ...(p.minDuration === undefined ? {} : { minDurationMs: p.minDuration }),
    ...(p.maxDuration === undefined ? {} : { maxDurationMs: p.maxDuration }),
    ...(p.status === undefined ? {} : { status: p.status }),
    ...(p.tags === undefined ? {} : { attributes: p.tags }),
  };
}

/** The {@link DependencyQuery} of parsed parameters (default: the last hour). */
export function toDependencyQuery(p: z.infer<typeof dependencyParamsSchema>, nowMs: number): DependencyQuery {
  return range(p, nowMs);
}
