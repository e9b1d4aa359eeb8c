import type { AnalysisTemplateObject } from './crd-schemas.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import type { AnalysisSpec } from './spec-types.js';

/*
 * The runtime's canary analysis (runtime/src/analysis/judge-canary.ts) compares the new revision with the
 * stable one on the request histograms every replica exposes, over `intervalSeconds`: too few requests is
 * inconclusive; the success rate may drop by `errorRateTolerance`; p99 may grow by `latencyTolerance` or
 * `latencyToleranceMs`, whichever is larger. Here the same three checks are PromQL on the same series
 * (the golden signals' metric names and 5xx rule, @opsloop/telemetry golden-signals.ts), each revision picked
 * by its pod-template hash. PromQL cannot run the runtime's significance tests (Fisher, Mann–Whitney), so
 * `alpha` has no counterpart: a check fails as soon as its tolerance is exceeded.
 */

const HTTP = 'http_server_request_duration_seconds';
const RPC = 'rpc_server_duration_seconds';
/** gRPC codes that count as the server's failure (the runtime's traffic-sample.ts). */
const RPC_SERVER_ERRORS = 'UNKNOWN|DEADLINE_EXCEEDED|UNIMPLEMENTED|INTERNAL|UNAVAILABLE|DATA_LOSS';

/** The Argo argument holding each revision's pod-template hash. */
export const CANARY_HASH_ARG = 'canary-hash';
export const STABLE_HASH_ARG = 'stable-hash';

/** PromQL of the three checks, for one service; `{{args.*}}` are filled by Argo Rollouts. */
export function analysisQueries(
  service: string,
  analysis: AnalysisSpec,
  revisionLabel: string,
): { requests: string; successRate: string; latency: string } {
  const window = `${analysis.intervalSeconds}s`;
  const sel = (arg: string, extra = '') =>
    `service="${service}",${revisionLabel}="{{args.${arg}}}"${extra === '' ? '' : `,${extra}`}`;
  const sum = (expr: string) => `(sum(${expr}) or vector(0))`;
  const count = (arg: string, how: 'rate' | 'increase', httpExtra = '', rpcExtra = '') =>
    `${sum(`${how}(${HTTP}_count{${sel(arg, httpExtra)}}[${window}])`)} + ${sum(
      `${how}(${RPC}_count{${sel(arg, rpcExtra)}}[${window}])`,
    )}`;
  const errorRatio = (arg: string) =>
    `(${count(arg, 'rate', 'status=~"5.."', `code=~"${RPC_SERVER_ERRORS}"`)}) / clamp_min(${count(arg, 'rate')}, 1e-9)`;
  const p99 = (arg: string) =>
    `histogram_quantile(0.99, sum by (le) (rate({__name__=~"${HTTP}_bucket|${RPC}_bucket",${sel(arg)}}[${window}])))`;
  const requests = count(CANARY_HASH_ARG, 'increase');
  // Below minRequests a verdict is NaN: neither condition holds, so Argo calls the measurement inconclusive.
  const gated = (expr: string) =>
    `((${expr}) and on() ((${requests}) >= ${analysis.minRequests})) or on() vector(NaN)`;
  const stable = p99(STABLE_HASH_ARG);
  const allowed = `((${stable} * ${1 + analysis.latencyTolerance}) > (${stable} + ${analysis.latencyToleranceMs / 1000})) or (${stable} + ${analysis.latencyToleranceMs / 1000})`;
  return {
    requests,
    successRate: gated(`${errorRatio(CANARY_HASH_ARG)} - (${errorRatio(STABLE_HASH_ARG)})`),
    latency: gated(`${p99(CANARY_HASH_ARG)} - (${allowed})`),
  };
}

/**
 * An Argo Rollouts AnalysisTemplate with the runtime's three checks. Each runs once, `intervalSeconds` after
 * the step began (`initialDelay`), over that interval; an inconclusive measurement makes Argo pause the
 * rollout for a person, where the runtime would first retry up to `maxInconclusive` intervals.
 */
export function renderAnalysisTemplate(
  service: string,
  analysis: AnalysisSpec,
  labels: Record<string, string>,
  options: ResolvedOptions,
): K8sObject {
  const queries = analysisQueries(service, analysis, options.revisionLabel);
  const metric = (
    name: string,
    query: string,
    success: string,
    failure: string,
  ): AnalysisTemplateObject['spec']['metrics'][number] => ({
    name,
    initialDelay: `${analysis.intervalSeconds}s`,
    count: 1,
    failureLimit: 0,
    inconclusiveLimit: 0,
    successCondition: success,
    failureCondition: failure,
    provider: { prometheus: { address: options.prometheusUrl, query } },
  });
  return typedObject<AnalysisTemplateObject>({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AnalysisTemplate',
    metadata: { name: `${service}-analysis`, namespace: options.namespace, labels },
    spec: {
      args: [{ name: CANARY_HASH_ARG }, { name: STABLE_HASH_ARG }],
      metrics: [
        // Never fails: too little traffic is "wait", as in the runtime.
        metric('requests', queries.requests, `result[0] >= ${analysis.minRequests}`, 'false'),
        metric(
          'success-rate',
          queries.successRate,
          `result[0] <= ${analysis.errorRateTolerance}`,
          `result[0] > ${analysis.errorRateTolerance}`,
        ),
        metric('latency-p99', queries.latency, 'result[0] <= 0', 'result[0] > 0'),
      ],
    },
  });
}
