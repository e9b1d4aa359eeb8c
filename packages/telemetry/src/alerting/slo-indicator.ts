import { HTTP_SERVER_DURATION, RPC_SERVER_DURATION } from './golden-signals.js';
import { selector } from './promql-text.js';
import { SLO_WINDOW_PLACEHOLDER, type SloIndicator } from './slo-schema.js';

/**
 * gRPC codes that count against availability: the server failed or could not serve (the codes our rpc
 * package logs at error/warn). Verdicts on the request (NOT_FOUND, INVALID_ARGUMENT, …) are the caller's.
 */
export const GRPC_SERVER_FAULT_CODES = [
  'UNKNOWN',
  'DEADLINE_EXCEEDED',
  'RESOURCE_EXHAUSTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
] as const;

type Matcher = readonly [string, '=' | '!=' | '=~' | '!~', string];

const rate = (metric: string, matchers: readonly Matcher[], window: string) =>
  `sum(rate(${metric}{${selector(matchers)}}[${window}]))`;

/**
 * Matcher of one histogram bucket bound. Prometheus 3 normalises `le` of classic histograms to floats at
 * scrape (`le="1"` is stored as `le="1.0"`), Prometheus 2 and our scraper keep the exposed text; integer
 * bounds therefore match both spellings. Fractional bounds print the same either way.
 */
export function bucketBoundMatcher(bound: number): Matcher {
  return Number.isInteger(bound) ? ['le', '=~', `${bound}(\\.0)?`] : ['le', '=', String(bound)];
}

/**
 * The PromQL of an SLO's error ratio (bad events / all events, 0..1) over `window` (`5m`, `1h`, …) for a
 * service; NaN when there was no traffic, which compares false so no alert fires on an idle service.
 */
export function sloErrorRatioExpr(service: string, indicator: SloIndicator, window: string): string {
  const base: Matcher[] = [['service', '=', service]];
  switch (indicator.kind) {
    case 'availability': {
      const http: Matcher[] =
        indicator.route === undefined ? base : [...base, ['route', '=', indicator.route]];
      const grpc: Matcher[] =
        indicator.rpcMethod === undefined ? base : [...base, ['method', '=', indicator.rpcMethod]];
      const httpErrors = rate(`${HTTP_SERVER_DURATION}_count`, [...http, ['status', '=~', '5..']], window);
      const httpTotal = rate(`${HTTP_SERVER_DURATION}_count`, http, window);
      const rpcErrors = rate(
        `${RPC_SERVER_DURATION}_count`,
        [...grpc, ['code', '=~', GRPC_SERVER_FAULT_CODES.join('|')]],
        window,
      );
      const rpcTotal = rate(`${RPC_SERVER_DURATION}_count`, grpc, window);
      // `or vector(0)`: no failed request at all is a series-less result, not "no data".
      if (indicator.protocol === 'http') return `(${httpErrors} or vector(0))\n/\n${httpTotal}`;
      if (indicator.protocol === 'grpc') return `(${rpcErrors} or vector(0))\n/\n${rpcTotal}`;
      return (
        `((${httpErrors} or vector(0)) + (${rpcErrors} or vector(0)))\n/\n` +
        `((${httpTotal} or vector(0)) + (${rpcTotal} or vector(0)))`
      );
    }
    case 'latency': {
      const m: Matcher[] = indicator.route === undefined ? base : [...base, ['route', '=', indicator.route]];
      const good = rate(
        `${HTTP_SERVER_DURATION}_bucket`,
        [...m, bucketBoundMatcher(indicator.thresholdSeconds)],
        window,
      );
      return `1 - (\n  ${good}\n  /\n  ${rate(`${HTTP_SERVER_DURATION}_count`, m, window)}\n)`;
    }
    case 'ratio': {
      const good = indicator.good.replaceAll(SLO_WINDOW_PLACEHOLDER, window);
      const total = indicator.total.replaceAll(SLO_WINDOW_PLACEHOLDER, window);
      return `1 - (\n  (${good})\n  /\n  (${total})\n)`;
    }
  }
}
