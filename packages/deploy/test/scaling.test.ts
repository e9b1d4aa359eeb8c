import { describe, expect, it } from 'vitest';
import { RenderError, renderKubernetes, validateManifests } from '../src/index.js';
import { at, find, OPTIONS, ofKind, specOf, svc, type Loose } from './fixture.js';

describe('replicas, HorizontalPodAutoscalers and KEDA', () => {
  const spec = specOf({
    fixed: svc('fixed', { replicas: 3 }),
    scaled: svc('scaled', {
      replicas: 2,
      resources: { cpu: '500m', memory: '512Mi' },
      autoscaling: {
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          { type: 'cpu', targetUtilizationPercent: 70 },
          { type: 'rps', targetPerReplica: 12.5 },
          { type: 'p95', targetMs: 250 },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 120 } },
      },
    }),
  });

  it('gives a Deployment replicas when nothing scales it, and none when an HPA does', () => {
    const objects = renderKubernetes(spec, OPTIONS);
    expect(at(find(objects, 'Deployment', 'fixed'), 'spec.replicas')).toBe(3);
    expect(at(find(objects, 'Deployment', 'scaled'), 'spec')).not.toHaveProperty('replicas');
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(['scaled']);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('carries the spec bounds, metrics and behavior into the HPA', () => {
    const hpa = find(renderKubernetes(spec, OPTIONS), 'HorizontalPodAutoscaler', 'scaled');
    expect(at(hpa, 'spec.scaleTargetRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'scaled',
    });
    expect(at(hpa, 'spec.minReplicas')).toBe(2);
    expect(at(hpa, 'spec.maxReplicas')).toBe(6);
    const metrics = at(hpa, 'spec.metrics');
    expect(metrics[0].resource.target).toEqual({ type: 'Utilization', averageUtilization: 70 });
    expect(metrics[1].pods.target).toEqual({ type: 'AverageValue', averageValue: '12500m' });
    expect(metrics[2].object.target).toEqual({ type: 'Value', value: '250m' });
    expect(at(hpa, 'spec.behavior.scaleDown.stabilizationWindowSeconds')).toBe(120);
    const container = at(
      find(renderKubernetes(spec, OPTIONS), 'Deployment', 'scaled'),
      'spec.template.spec.containers',
    )[0];
    expect(container.resources).toEqual({
      requests: { cpu: '500m', memory: '512Mi' },
      limits: { memory: '512Mi' },
    });
  });

  const consumers = specOf({
    mailer: svc('mailer', {
      env: { DATA_DIR: 'data' },
      autoscaling: { minReplicas: 1, maxReplicas: 4 },
    }),
  });
  const nats = {
    url: 'nats://nats:4222',
    monitoringEndpoint: 'nats.nats.svc:8222',
    peers: [{ ipBlock: { cidr: '10.1.0.0/24' } }],
  };

  it('scales a bus consumer on JetStream lag with a KEDA ScaledObject instead of an HPA', () => {
    const objects = renderKubernetes(consumers, {
      ...OPTIONS,
      nats,
      eventConsumers: {
        mailer: [
          { stream: 'orders', group: 'mailer' },
          { stream: 'users', group: 'mailer' },
        ],
      },
      streamPartitions: 4,
      consumerLagThreshold: 50,
    });
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    const scaled = find(objects, 'ScaledObject', 'mailer');
    const triggers = at(scaled, 'spec.triggers');
    const lag = triggers.filter((t: Loose) => t.type === 'nats-jetstream');
    expect(lag.map((t: Loose) => `${t.metadata.stream}/${t.metadata.consumer}`)).toEqual([
      'orders/mailer_p0',
      'orders/mailer_p1',
      'orders/mailer_p2',
      'orders/mailer_p3',
      'users/mailer_p0',
      'users/mailer_p1',
      'users/mailer_p2',
      'users/mailer_p3',
    ]);
    expect(lag[0].metadata).toMatchObject({
      natsServerMonitoringEndpoint: 'nats.nats.svc:8222',
      lagThreshold: '50',
    });
    expect(triggers).toContainEqual({ type: 'cpu', metricType: 'Utilization', metadata: { value: '80' } });
    expect(at(scaled, 'spec.maxReplicaCount')).toBe(4);
    expect(at(find(objects, 'Deployment', 'mailer'), 'spec')).not.toHaveProperty('replicas');
    expect(validateManifests(objects)).toEqual([]);
  });

  it('refuses a scaling consumer without a NATS monitoring endpoint', () => {
    const render = () =>
      renderKubernetes(consumers, {
        ...OPTIONS,
        nats: { url: nats.url, peers: nats.peers },
        eventConsumers: { mailer: [{ stream: 'orders', group: 'mailer' }] },
      });
    expect(render).toThrow(RenderError);
    expect(render).toThrow(/services\.mailer: .*nats\.monitoringEndpoint/);
  });
});

describe('PodDisruptionBudgets', () => {
  const spec = specOf({
    single: svc('single'),
    trio: svc('trio', { replicas: 3 }),
    budgeted: svc('budgeted', { replicas: 4, disruptionBudget: { minAvailable: '50%' } }),
    elastic: svc('elastic', { autoscaling: { minReplicas: 2, maxReplicas: 5 } }),
    'starts-at-one': svc('starts-at-one', { replicas: 1, autoscaling: { minReplicas: 1, maxReplicas: 5 } }),
  });
  const objects = renderKubernetes(spec, OPTIONS);

  it('exist only for workloads that keep more than one replica', () => {
    expect(
      ofKind(objects, 'PodDisruptionBudget')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(['budgeted', 'elastic', 'trio']);
  });

  it('use the spec minAvailable, else one pod at a time', () => {
    expect(at(find(objects, 'PodDisruptionBudget', 'budgeted'), 'spec.minAvailable')).toBe('50%');
    expect(at(find(objects, 'PodDisruptionBudget', 'trio'), 'spec')).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'trio' } },
    });
    expect(validateManifests(objects)).toEqual([]);
  });
});
