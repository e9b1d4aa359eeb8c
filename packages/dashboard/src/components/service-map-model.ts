import type { AnomalyList, IncidentList } from '../api/aiops-types.js';
import type { DependencyGraphAnswer } from '../api/overview-types.js';
import type { SystemStatus } from '../api/types.js';
import { formatPercent } from './format.js';
import type { MapCall, MapService } from './service-map.js';

/** Services whose error ratio is above this need attention. */
const ERROR_RATIO_ALERT = 0.05;
/** The fleet signals the map shows (one series per service each). */
export const MAP_SIGNALS = ['traffic', 'errors', 'latency_p99', 'rpc_traffic', 'rpc_errors'] as const;
export type MapSignal = (typeof MAP_SIGNALS)[number];

/** Per signal, per service: the latest value. */
export type FleetValues = Partial<Record<MapSignal, Map<string, number>>>;

/** HTTP and gRPC together: the rates add up, the error ratios weigh by their rates. */
function combined(values: FleetValues, service: string) {
  const http = values.traffic?.get(service);
  const rpc = values.rpc_traffic?.get(service);
  const rate = http === undefined && rpc === undefined ? undefined : (http ?? 0) + (rpc ?? 0);
  const httpErrors = values.errors?.get(service);
  const rpcErrors = values.rpc_errors?.get(service);
  let errorRatio: number | undefined;
  if (rate !== undefined && rate > 0)
    errorRatio = ((httpErrors ?? 0) * (http ?? 0) + (rpcErrors ?? 0) * (rpc ?? 0)) / rate;
  else if (httpErrors !== undefined || rpcErrors !== undefined)
    errorRatio = Math.max(httpErrors ?? 0, rpcErrors ?? 0);
  return { rate, errorRatio, p99: values.latency_p99?.get(service) };
}

export interface MapInputs {
  status: SystemStatus;
  graph: DependencyGraphAnswer | undefined;
  values: FleetValues | undefined;
  anomalies: AnomalyList | undefined;
  incidents: IncidentList | undefined;
}

/**
 * The map's services and calls: the runtime's services plus what the traces show they call; each service
 * flagged when an active anomaly or open incident names it, its errors pass 5 % or replicas are not ready.
 */
export function serviceMapOf(inputs: MapInputs): {
  services: MapService[];
  calls: MapCall[];
  roots: string[];
} {
  const { status, graph, values = {}, anomalies, incidents } = inputs;
  const run = new Set(status.services.map((s) => s.name));
  const names = new Set([
    ...run,
    ...(graph?.nodes.map((n) => n.service) ?? []),
    ...(graph?.edges.flatMap((e) => [e.parent, e.child]) ?? []),
  ]);
  const anomalous = new Map<string, string[]>();
  for (const a of anomalies?.anomalies ?? [])
    if (a.state === 'firing') anomalous.set(a.service, [...(anomalous.get(a.service) ?? []), a.signal]);
  const inIncident = new Map<string, string>();
  for (const i of incidents?.incidents ?? [])
    if (i.status !== 'resolved') for (const s of i.services) if (!inIncident.has(s)) inIncident.set(s, i.id);

  const services = [...names].sort().map((name): MapService => {
    const state = status.services.find((s) => s.name === name);
    const figures = combined(values, name);
    const alerts: string[] = [];
    const signals = anomalous.get(name);
    if (signals !== undefined) alerts.push(`anomaly in ${[...new Set(signals)].join(', ')}`);
    const incident = inIncident.get(name);
    if (incident !== undefined) alerts.push(`in incident ${incident}`);
    if ((figures.errorRatio ?? 0) > ERROR_RATIO_ALERT)
      alerts.push(`errors ${formatPercent(figures.errorRatio)}`);
    if (state !== undefined && state.readyReplicas < state.desiredReplicas)
      alerts.push(`${state.desiredReplicas - state.readyReplicas} replica(s) not ready`);
    return {
      name,
      external: !run.has(name),
      ...figures,
      ready: state?.readyReplicas,
      desired: state?.desiredReplicas,
      alerts,
    };
  });
  const calls = (graph?.edges ?? []).map((e): MapCall => ({
    from: e.parent,
    to: e.child,
    rate: e.ratePerSecond,
    errorRatio: e.errors === null || e.calls === 0 ? undefined : e.errors / e.calls,
  }));
  // Entry points first: what the runtime exposes (the gateway), or a service literally named so.
  const roots = status.services
    .filter((s) => s.exposed !== null || s.name === 'gateway')
    .map((s) => s.name)
    .sort();
  return { services, calls, roots };
}
