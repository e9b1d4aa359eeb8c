// Answers of the control and trace APIs that several tests share, in the shapes the APIs really return.
import type { DependencyEdge } from '../api/overview-types.js';
import type { LiveSeriesStatus } from '../api/service-types.js';
import type { ReplicaStatus, ServiceStatus } from '../api/types.js';

/** Replica `n` of a service (as in `GET /v1/status`), running since 06:00 at revision r1. */
export function replicaStatus(service: string, n: number, ready: boolean): ReplicaStatus {
  return {
    name: `${service}-${n}`,
    service,
    phase: 'running',
    ready,
    pid: 4000 + n,
    port: 7000 + n,
    url: `http://127.0.0.1:${7000 + n}`,
    restarts: 0,
    lastExit: null,
    startedAt: '2026-12-07T06:00:00.000Z',
    nextRestartAt: null,
    revision: 'r1',
  };
}

/** A service of `GET /v1/status` with `desired` replicas, the first `ready` of them ready, all at revision r1. */
export function serviceStatus(
  name: string,
  desired: number,
  ready: number,
  exposed: string | null = null,
): ServiceStatus {
  return {
    name,
    desiredReplicas: desired,
    readyReplicas: ready,
    exposed,
    replicas: Array.from({ length: desired }, (_, i) => replicaStatus(name, i + 1, i < ready)),
    revision: 'r1',
    updatedReplicas: desired,
  };
}

/** A call edge of `GET /api/dependencies` over five minutes (`errors` null when the traces carry no status). */
export function dependencyEdge(
  parent: string,
  child: string,
  calls: number,
  errors: number | null,
): DependencyEdge {
  return { parent, child, calls, errors, p50Ms: 12, p99Ms: 80, ratePerSecond: calls / 300 };
}

/** cart's traffic as `GET /v1/anomalies/series?service=cart` answers it: scored 15 s before `now`, firing. */
export function liveCartTraffic(now: number): LiveSeriesStatus {
  return {
    service: 'cart',
    signal: 'traffic',
    kind: 'traffic',
    unit: 'requests/s',
    labels: { service: 'cart' },
    points: 240,
    skipped: 0,
    warmingUp: false,
    lastAtMs: now - 15_000,
    lastValue: 42.5,
    lastScore: 0.93,
    expected: 20,
    expectedLow: 15,
    expectedHigh: 25,
    firing: 'cart/traffic@1796000000000',
  };
}
