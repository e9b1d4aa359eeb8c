import { describe, expect, it } from 'vitest';
import { at, find, OPTIONS, ofKind, specOf, svc, type Loose } from '../test/fixture.js';
import { renderKubernetes } from './render.js';
import { validateManifests } from './validate.js';

const BERLIN_DAYS = {
  type: 'cron',
  metadata: {
    timezone: 'Europe/Berlin',
    start: '0 8 * * 1,2,3,4,5',
    end: '0 19 * * 1,2,3,4,5',
    desiredReplicas: '3',
  },
};

const environments = (schedule: Record<string, unknown>) => ({
  environments: { dev: { namespace: 'demo-dev', replicas: { web: 3 }, schedule } },
});

describe('scheduled scaling in the Kubernetes render (KEDA cron)', () => {
  const spec = specOf(
    {
      web: svc('web', { replicas: 2 }),
      api: svc('api', {
        replicas: 2,
        autoscaling: {
          minReplicas: 2,
          maxReplicas: 5,
          metrics: [
            { type: 'cpu', targetUtilizationPercent: 70 },
            { type: 'rps', targetPerReplica: 20 },
          ],
        },
      }),
      admin: svc('admin'),
    },
    environments({ uptime: 'Mon-Fri 08:00-19:00 Europe/Berlin', exclude: ['admin'] }),
  );
  const objects = renderKubernetes(spec, { ...OPTIONS, env: 'dev' });

  it('holds a service at its environment replicas in the windows and at downtimeReplicas outside', () => {
    const scaled = find(objects, 'ScaledObject', 'web');
    expect(at(scaled, 'spec')).toEqual({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicaCount: 0,
      maxReplicaCount: 3,
      triggers: [BERLIN_DAYS],
    });
    // KEDA owns the count: the Deployment has none of its own.
    expect(at(find(objects, 'Deployment', 'web'), 'spec')).not.toHaveProperty('replicas');
    expect(validateManifests(objects)).toEqual([]);
  });

  it('turns an autoscaled service’s HPA into triggers of the same ScaledObject', () => {
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toEqual([]);
    const triggers = at(find(objects, 'ScaledObject', 'api'), 'spec.triggers');
    expect(triggers.map((t: Loose) => t.type)).toEqual(['cpu', 'prometheus', 'cron']);
    expect(triggers[0]).toEqual({ type: 'cpu', metricType: 'Utilization', metadata: { value: '70' } });
    expect(triggers[1].metadata.threshold).toBe('20');
    expect(triggers[2].metadata.desiredReplicas).toBe('2');
    expect(at(find(objects, 'ScaledObject', 'api'), 'spec.maxReplicaCount')).toBe(5);
  });

  it('leaves excluded services, other environments and `always` as they were', () => {
    expect(ofKind(objects, 'ScaledObject').map((o) => o.metadata.name)).toEqual(['api', 'web']);
    expect(at(find(objects, 'Deployment', 'admin'), 'spec.replicas')).toBe(1);
    expect(ofKind(renderKubernetes(spec, OPTIONS), 'ScaledObject')).toEqual([]);
    const always = specOf({ web: svc('web') }, environments({ uptime: 'always' }));
    expect(ofKind(renderKubernetes(always, { ...OPTIONS, env: 'dev' }), 'ScaledObject')).toEqual([]);
  });

  it('keeps `never` valid: a cron that never fires, the workload at downtimeReplicas', () => {
    const never = specOf({ web: svc('web') }, environments({ uptime: 'never', downtimeReplicas: 1 }));
    const out = renderKubernetes(never, { ...OPTIONS, env: 'dev' });
    expect(at(find(out, 'ScaledObject', 'web'), 'spec.minReplicaCount')).toBe(1);
    expect(at(find(out, 'ScaledObject', 'web'), 'spec.triggers')[0].metadata.start).toBe('0 0 30 2 *');
    expect(validateManifests(out)).toEqual([]);
  });

  it('merges the cron triggers into a bus consumer’s ScaledObject', () => {
    const consumer = specOf(
      { web: svc('web', { env: { DATA_DIR: 'data' }, autoscaling: { minReplicas: 1, maxReplicas: 4 } }) },
      { environments: { dev: { schedule: { uptime: 'Mon-Fri 08:00-19:00 Europe/Berlin' } } } },
    );
    const out = renderKubernetes(consumer, {
      ...OPTIONS,
      env: 'dev',
      nats: { url: 'nats://nats:4222', monitoringEndpoint: 'nats.nats.svc:8222', peers: [] },
      eventConsumers: { web: [{ stream: 'orders', group: 'web' }] },
      streamPartitions: 1,
    });
    expect(ofKind(out, 'ScaledObject')).toHaveLength(1);
    const triggers = at(find(out, 'ScaledObject', 'web'), 'spec.triggers');
    expect(triggers.map((t: Loose) => t.type)).toEqual(['nats-jetstream', 'cpu', 'cron']);
    expect(at(find(out, 'ScaledObject', 'web'), 'spec.minReplicaCount')).toBe(0);
    expect(validateManifests(out)).toEqual([]);
  });
});
