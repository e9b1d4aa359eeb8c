import { randomHex } from './random-hex.js';

/** The W3C trace context the gateway sends upstream for one request. */
export interface TraceContext {
  /** 32 hex digits, the caller's when it sent a valid `traceparent`, else new. */
  traceId: string;
  /** 16 hex digits: the gateway's own span, the parent of the upstream's. */
  spanId: string;
  /** `traceparent` to send upstream (version 00). */
  traceparent: string;
  /** The caller's `tracestate`, forwarded only with its own valid `traceparent`. */
  tracestate: string | undefined;
}

const HEX = /^[0-9a-f]+$/;
const ZERO_TRACE = '0'.repeat(32);
const ZERO_SPAN = '0'.repeat(16);

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;
}

/**
 * Parses a `traceparent` (W3C Trace Context §3.2) into its trace id and flags; undefined when invalid.
 * Versions above 00 are read as 00 (their first four fields), as the spec asks, but `ff` is invalid.
 */
export function parseTraceparent(value: string): { traceId: string; flags: string } | undefined {
  if (value.length < 55) return undefined;
  const version = value.slice(0, 2);
  if (!HEX.test(version) || version === 'ff') return undefined;
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined;
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined;
  const traceId = value.slice(3, 35);
  const parentId = value.slice(36, 52);
  const flags = value.slice(53, 55);
  if (!HEX.test(traceId) || !HEX.test(parentId) || !HEX.test(flags)) return undefined;
  if (traceId === ZERO_TRACE || parentId === ZERO_SPAN) return undefined;
  return { traceId, flags };
}

/**
 * Accepts the caller's trace (same trace id and sampled flag, a new span id for the gateway's hop) or
 * starts a new one, sampled. Full tracing (spans exported) comes with the telemetry work; this already keeps
 * one trace id across the hops.
 */
export function traceContextFor(
  traceparent: string | string[] | undefined,
  tracestate: string | string[] | undefined,
): TraceContext {
  const incoming = single(traceparent);
  const parsed = incoming === undefined ? undefined : parseTraceparent(incoming);
  const spanId = randomHex(8);
  if (parsed === undefined) {
    const traceId = randomHex(16);
    return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01`, tracestate: undefined };
  }
  // Only the sampled bit (and the random-trace-id bit of level 2) is defined: keep the low byte as sent.
  return {
    traceId: parsed.traceId,
    spanId,
    traceparent: `00-${parsed.traceId}-${spanId}-${parsed.flags}`,
    tracestate: Array.isArray(tracestate) ? tracestate.join(',') : tracestate,
  };
}
