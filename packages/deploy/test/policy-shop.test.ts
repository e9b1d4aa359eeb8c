import { describe, expect, it } from 'vitest';
import {
  checkPolicies,
  environmentNames,
  formatViolation,
  renderKubernetes,
  SHOP_BACKENDS,
  SHOP_EVENT_CONSUMERS,
  type K8sObject,
} from '../src/index.js';
import { OPTIONS, ofKind, shopSpec } from './fixture.js';

const BACKENDS = {
  nats: {
    url: 'nats://nats.nats.svc:4222',
    monitoringEndpoint: 'nats.nats.svc:8222',
    peers: [{ podSelector: {} }],
  },
  postgres: { peers: [{ ipBlock: { cidr: '10.20.0.0/16' } }] },
  eventConsumers: SHOP_EVENT_CONSUMERS,
  backends: SHOP_BACKENDS,
};

describe('the shop rendered passes every policy rule', () => {
  it('with no environment and in every environment, with and without the backends', async () => {
    const spec = await shopSpec();
    const envs = environmentNames(spec);
    expect(envs.length).toBeGreaterThan(3);
    let workloads = 0;
    for (const env of [undefined, ...envs])
      for (const extra of [{}, BACKENDS]) {
        const objects: K8sObject[] = renderKubernetes(spec, {
          ...OPTIONS,
          ...extra,
          ...(env === undefined ? {} : { env }),
        });
        workloads += ofKind(objects, 'Deployment').length;
        expect(checkPolicies(objects).map(formatViolation), env ?? '(none)').toEqual([]);
      }
    expect(workloads).toBeGreaterThan(0);
  });

  it('would fail if the renderer dropped a budget or a probe (the check sees the render)', async () => {
    const objects = renderKubernetes(await shopSpec(), { ...OPTIONS, env: 'prod-eu-west-1' });
    const withoutBudgets = objects.filter((o) => o.kind !== 'PodDisruptionBudget');
    expect(withoutBudgets.length).toBeLessThan(objects.length);
    const rules = new Set(checkPolicies(withoutBudgets).map((v) => v.rule));
    expect([...rules]).toEqual(['pod-disruption-budget']);
    expect(checkPolicies(objects, { allowedRegistries: ['quay.io/elsewhere'] }).length).toBeGreaterThan(0);
  });
});
