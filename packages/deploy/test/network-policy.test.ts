import { describe, expect, it } from 'vitest';
import { renderKubernetes, validateManifests, type K8sObject } from '../src/index.js';
import { at, find, OPTIONS, shopSpec, specOf, svc, type Loose } from './fixture.js';

/** The service names a list of NetworkPolicy peers selects by pod label. */
const podNames = (peers: { podSelector?: { matchLabels?: Record<string, string> } }[]) =>
  peers
    .map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/name'])
    .filter((n) => n !== undefined)
    .sort();

const rules = (policy: K8sObject, direction: 'ingress' | 'egress'): Loose[] =>
  at(policy, `spec.${direction}`);
const peersOf = (rule: Loose) => rule.from ?? rule.to;

/** Every service the policy lets in (pod peers of its ingress rules). */
const allowedCallers = (policy: K8sObject) => rules(policy, 'ingress').flatMap((r) => podNames(r.from));
const allowedTargets = (policy: K8sObject) => rules(policy, 'egress').flatMap((r) => podNames(r.to));

const spec = specOf({
  a: svc('a', { dependsOn: ['b'] }),
  b: svc('b'),
  c: svc('c', { dependsOn: ['b', 'd'] }),
  d: svc('d'),
  web: svc('web', { dependsOn: ['a', 'c'], expose: { port: 8080 } }),
});

describe('NetworkPolicies', () => {
  it('deny everything by default and allow DNS out', () => {
    const objects = renderKubernetes(spec, OPTIONS);
    expect(at(find(objects, 'NetworkPolicy', 'default-deny'), 'spec')).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
    });
    const dns = find(objects, 'NetworkPolicy', 'allow-dns');
    expect(rules(dns, 'egress')[0].ports).toContainEqual({ protocol: 'UDP', port: 53 });
  });

  it('let in exactly the services that declare a dependency, and out exactly to the declared ones', () => {
    const objects = renderKubernetes(spec, OPTIONS);
    expect(allowedCallers(find(objects, 'NetworkPolicy', 'b'))).toEqual(['a', 'c']);
    expect(allowedCallers(find(objects, 'NetworkPolicy', 'd'))).toEqual(['c']);
    expect(allowedCallers(find(objects, 'NetworkPolicy', 'a'))).toEqual(['web']);
    expect(allowedCallers(find(objects, 'NetworkPolicy', 'web'))).toEqual([]);
    expect(allowedTargets(find(objects, 'NetworkPolicy', 'c'))).toEqual(['b', 'd']);
    expect(allowedTargets(find(objects, 'NetworkPolicy', 'b'))).toEqual([]);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('let the ingress controller reach only the exposed service', () => {
    const objects = renderKubernetes(spec, {
      ...OPTIONS,
      ingressPeers: [{ namespaceSelector: { matchLabels: { ingress: 'yes' } } }],
    });
    const fromIngress = (name: string) =>
      rules(find(objects, 'NetworkPolicy', name), 'ingress').some((r) =>
        r.from.some((p: Loose) => p.namespaceSelector?.matchLabels?.ingress === 'yes'),
      );
    expect(fromIngress('web')).toBe(true);
    for (const name of ['a', 'b', 'c', 'd']) expect(fromIngress(name)).toBe(false);
  });

  it('never render a rule without peers (which would allow everyone)', async () => {
    for (const objects of [renderKubernetes(spec, OPTIONS), renderKubernetes(await shopSpec(), OPTIONS)])
      for (const policy of objects.filter((o) => o.kind === 'NetworkPolicy'))
        for (const direction of ['ingress', 'egress'] as const)
          for (const rule of rules(policy, direction) ?? []) expect(peersOf(rule).length).toBeGreaterThan(0);
  });

  it('match the shop dependsOn graph exactly', async () => {
    const shop = await shopSpec();
    const objects = renderKubernetes(shop, OPTIONS);
    for (const name of Object.keys(shop.services)) {
      const callers = Object.entries(shop.services)
        .filter(([, s]) => s.dependsOn.includes(name))
        .map(([caller]) => caller)
        .sort();
      const policy = find(objects, 'NetworkPolicy', name);
      expect(allowedCallers(policy)).toEqual(callers);
      expect(allowedTargets(policy)).toEqual([...shop.services[name]!.dependsOn].sort());
    }
  });

  it('open NATS and PostgreSQL egress only to services that use them', () => {
    const withData = specOf({ store: svc('store', { env: { DATA_DIR: 'data' } }), edge: svc('edge') });
    const objects = renderKubernetes(withData, {
      ...OPTIONS,
      nats: { url: 'nats://nats:4222', peers: [{ ipBlock: { cidr: '10.1.0.0/24' } }] },
      postgres: { peers: [{ ipBlock: { cidr: '10.2.0.0/24' } }], port: 6432 },
    });
    const ports = (name: string) =>
      rules(find(objects, 'NetworkPolicy', name), 'egress').flatMap((r) => r.ports.map((p: Loose) => p.port));
    expect(ports('store').sort()).toEqual([4222, 6432]);
    expect(ports('edge')).toEqual([]);
  });

  it('let every service export traces to the collector when one is configured', () => {
    const objects = renderKubernetes(spec, {
      ...OPTIONS,
      otlp: { endpoint: 'http://otel.observability:4318/', peers: [{ ipBlock: { cidr: '10.3.0.0/24' } }] },
    });
    for (const name of Object.keys(spec.services)) {
      const egress = rules(find(objects, 'NetworkPolicy', name), 'egress');
      expect(egress).toContainEqual({
        to: [{ ipBlock: { cidr: '10.3.0.0/24' } }],
        ports: [{ protocol: 'TCP', port: 4318 }],
      });
      const env = at(find(objects, 'Deployment', name), 'spec.template.spec.containers')[0].env;
      expect(env).toContainEqual({
        name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
        value: 'http://otel.observability:4318',
      });
    }
    expect(validateManifests(objects)).toEqual([]);
  });
});
