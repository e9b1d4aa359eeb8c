import { describe, expect, it } from 'vitest';
import type { IncidentJson } from '@opsloop/contracts';
import type { AnomalyEvent } from '../api/aiops-types.js';
import type { DependencyGraphAnswer } from '../api/overview-types.js';
import type { SystemStatus } from '../api/types.js';
import { dependencyEdge, serviceStatus } from '../testing/fixtures.js';
import { serviceMapOf } from './service-map-model.js';

// As `GET /v1/status` answers.
const STATUS: SystemStatus = {
  system: 'shop',
  startedAt: '2026-12-07T06:00:00.000Z',
  services: [
    serviceStatus('orders', 2, 1),
    serviceStatus('gateway', 1, 1, 'http://127.0.0.1:8080'),
    serviceStatus('cart', 1, 1),
  ],
};

const GRAPH: DependencyGraphAnswer = {
  start: 1_796_623_800_000,
  end: 1_796_624_100_000,
  nodes: [{ service: 'postgres', spans: 10, errors: 0 }],
  edges: [dependencyEdge('gateway', 'orders', 900, 90), dependencyEdge('orders', 'postgres', 1800, null)],
};

describe('serviceMapOf', () => {
  it('merges runtime and trace services, adds HTTP and gRPC, and says why a service needs attention', () => {
    const map = serviceMapOf({
      status: STATUS,
      graph: GRAPH,
      values: {
        traffic: new Map([
          ['orders', 3],
          ['cart', 10],
        ]),
        rpc_traffic: new Map([['orders', 1]]),
        errors: new Map([
          ['orders', 0.1],
          ['cart', 0.01],
        ]),
        rpc_errors: new Map([['orders', 0.2]]),
        latency_p99: new Map([['cart', 0.08]]),
      },
      anomalies: {
        anomalies: [
          { service: 'cart', signal: 'latency_p99', state: 'firing' },
          { service: 'gateway', signal: 'traffic', state: 'resolved' },
        ] as AnomalyEvent[],
      },
      incidents: {
        incidents: [
          { id: 'inc-2', status: 'resolved', services: ['gateway'] },
          { id: 'inc-1', status: 'open', services: ['orders'] },
        ] as unknown as IncidentJson[],
      },
    });
    expect(map.services.map((s) => [s.name, s.external])).toEqual([
      ['cart', false],
      ['gateway', false],
      ['orders', false],
      ['postgres', true],
    ]);
    const orders = map.services.find((s) => s.name === 'orders')!;
    // (0.1 × 3 + 0.2 × 1) / 4 = 0.125
    expect([orders.rate, orders.errorRatio, orders.ready, orders.desired]).toEqual([4, 0.125, 1, 2]);
    expect(orders.alerts).toEqual(['in incident inc-1', 'errors 12.5 %', '1 replica(s) not ready']);
    expect(map.services.find((s) => s.name === 'cart')!.alerts).toEqual(['anomaly in latency_p99']);
    expect(map.services.find((s) => s.name === 'gateway')!.alerts).toEqual([]);
    expect(map.calls).toEqual([
      { from: 'gateway', to: 'orders', rate: 3, errorRatio: 0.1 },
      { from: 'orders', to: 'postgres', rate: 6, errorRatio: undefined },
    ]);
    expect(map.roots).toEqual(['gateway']);
  });

  it('shows services without figures when nothing is measured yet', () => {
    const map = serviceMapOf({
      status: STATUS,
      graph: undefined,
      values: undefined,
      anomalies: undefined,
      incidents: undefined,
    });
    expect(map.services.map((s) => [s.name, s.rate, s.errorRatio, s.p99])).toEqual([
      ['cart', undefined, undefined, undefined],
      ['gateway', undefined, undefined, undefined],
      ['orders', undefined, undefined, undefined],
    ]);
    expect(map.calls).toEqual([]);
  });
});
