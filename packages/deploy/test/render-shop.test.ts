import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  RenderError,
  renderKubernetes,
  SHOP_BACKENDS,
  SHOP_EVENT_CONSUMERS,
  toYaml,
  validateManifests,
  type K8sObject,
} from '../src/index.js';
import { at, find, OPTIONS, ofKind, shopSpec } from './fixture.js';

const FULL = {
  ...OPTIONS,
  env: 'staging',
  nats: {
    url: 'nats://nats.nats.svc:4222',
    monitoringEndpoint: 'nats.nats.svc:8222',
    peers: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'nats' } } }],
  },
  postgres: { peers: [{ ipBlock: { cidr: '10.20.0.0/16' } }] },
  eventConsumers: SHOP_EVENT_CONSUMERS,
  backends: SHOP_BACKENDS,
};

/** The pod template of a Deployment. */
const podOf = (deployment: K8sObject) => at(deployment, 'spec.template.spec');

describe('the shop (opsloop.yaml) rendered', () => {
  it('validates every object against the Kubernetes schemas and the CRD schemas', async () => {
    const spec = await shopSpec();
    for (const options of [OPTIONS, FULL]) {
      const objects = renderKubernetes(spec, options);
      expect(validateManifests(objects)).toEqual([]);
      expect(objects.length).toBeGreaterThan(Object.keys(spec.services).length * 4);
    }
  });

  it('has a ServiceAccount, Deployment, Service and NetworkPolicy per service, in the namespace', async () => {
    const spec = await shopSpec();
    const objects = renderKubernetes(spec, OPTIONS);
    for (const name of Object.keys(spec.services)) {
      expect(find(objects, 'ServiceAccount', name).automountServiceAccountToken).toBe(false);
      const deployment = find(objects, 'Deployment', name);
      expect(at(deployment, 'spec.replicas')).toBe(spec.services[name]!.replicas);
      const container = podOf(deployment).containers[0];
      expect(container.image).toBe(`ghcr.io/opsloop/${name}:1.2.3`);
      expect([container.command[0], ...container.args]).toEqual(spec.services[name]!.command);
      expect(at(find(objects, 'Service', name), 'spec.ports')).toEqual([
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
      ]);
      find(objects, 'NetworkPolicy', name);
    }
    expect(new Set(objects.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(new Set(['shop']));
  });

  it('is deterministic: the same spec renders byte-identical YAML, which parses back to the objects', async () => {
    const first = toYaml(renderKubernetes(await shopSpec(), FULL));
    const second = toYaml(renderKubernetes(await shopSpec(), FULL));
    expect(second).toBe(first);
    const documents = first.split(/^---\n/m).map((text) => parse(text) as K8sObject);
    expect(documents).toEqual(JSON.parse(JSON.stringify(renderKubernetes(await shopSpec(), FULL))));
  });

  it('hardens every pod and container', async () => {
    const objects = renderKubernetes(await shopSpec(), FULL);
    const deployments = ofKind(objects, 'Deployment');
    expect(deployments.length).toBe(9);
    for (const deployment of deployments) {
      const pod = podOf(deployment);
      expect(pod.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 10001,
        fsGroup: 10001,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.volumes).toContainEqual(
        expect.objectContaining({ name: 'tmp', emptyDir: expect.anything() }),
      );
      for (const container of pod.containers) {
        expect(container.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          privileged: false,
          capabilities: { drop: ['ALL'] },
        });
        expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
        expect(container.resources.limits.memory).toMatch(/^\d+(Mi|Gi)$/);
        expect(container.resources.requests.cpu).toMatch(/^\d+m$/);
      }
    }
  });

  it('maps probes, drain and memory from the spec', async () => {
    const spec = await shopSpec();
    const objects = renderKubernetes(spec, OPTIONS);
    const inventory = spec.services.inventory!;
    const container = podOf(find(objects, 'Deployment', 'inventory')).containers[0];
    expect(container.startupProbe).toMatchObject({
      httpGet: { path: inventory.probes.startup!.path, port: 'http' },
      failureThreshold: inventory.probes.startup!.failureThreshold,
    });
    expect(container.readinessProbe.periodSeconds).toBe(inventory.probes.readiness!.periodSeconds);
    expect(container.resources.limits.memory).toBe('1Gi');
    expect(container.lifecycle.preStop.sleep.seconds).toBe(inventory.drainSeconds);
    expect(podOf(find(objects, 'Deployment', 'inventory')).terminationGracePeriodSeconds).toBeGreaterThan(
      inventory.drainSeconds + inventory.terminationGracePeriodSeconds,
    );
    // The catalog has no startup probe in the spec: none is invented.
    expect(podOf(find(objects, 'Deployment', 'catalog')).containers[0].startupProbe).toBeUndefined();
  });

  it('points each service at its dependencies on cluster DNS (the kit static resolver)', async () => {
    const spec = await shopSpec();
    const objects = renderKubernetes(spec, OPTIONS);
    for (const [name, service] of Object.entries(spec.services)) {
      const env: { name: string; value?: string }[] = podOf(find(objects, 'Deployment', name)).containers[0]
        .env;
      const endpoints = env.find((e) => e.name === 'OPSLOOP_ENDPOINTS')?.value;
      if (service.dependsOn.length === 0) {
        expect(endpoints).toBeUndefined();
        continue;
      }
      const listed = endpoints!.split(';').map((entry) => entry.split('='));
      expect(listed.map(([dep]) => dep).sort()).toEqual([...service.dependsOn].sort());
      for (const [dep, url] of listed) expect(url).toBe(`http://${dep}.shop.svc.cluster.local:80`);
      expect(env).toContainEqual({ name: 'HOST', value: '0.0.0.0' });
    }
  });

  it('puts the spec env in a ConfigMap read with envFrom, named after its content', async () => {
    const spec = await shopSpec();
    const objects = renderKubernetes(spec, OPTIONS);
    const container = podOf(find(objects, 'Deployment', 'gateway')).containers[0];
    const mapName: string = container.envFrom[0].configMapRef.name;
    expect(mapName).toMatch(/^gateway-env-[0-9a-f]{10}$/);
    expect(find(objects, 'ConfigMap', mapName).data).toEqual(spec.services.gateway!.env);
    const changed = structuredClone(spec);
    changed.services.gateway!.env.LOG_LEVEL = 'debug';
    expect(ofKind(renderKubernetes(changed, OPTIONS), 'ConfigMap').map((c) => c.metadata.name)).not.toContain(
      mapName,
    );
  });

  it('sizes the quota from the workloads', async () => {
    const spec = await shopSpec();
    const quota = find(renderKubernetes(spec, OPTIONS), 'ResourceQuota', 'opsloop');
    // 8 services of 1Gi and the gateway (512Mi) and catalog (256Mi × 2), each with its rolling-update surge.
    const hard = at(quota, 'spec.hard');
    const mi = Number(/^(\d+)Mi$/.exec(hard['limits.memory'])![1]);
    const peak = (7 * 1024 + 512) * 2 + 256 * 3;
    expect(mi).toBeGreaterThanOrEqual(peak);
    expect(mi).toBeLessThanOrEqual(peak * 2);
  });

  it('refuses the latest image tag with one clear line', async () => {
    const spec = await shopSpec();
    const render = () => renderKubernetes(spec, { ...OPTIONS, imageTag: 'latest' });
    expect(render).toThrow(RenderError);
    expect(render).toThrow(/^imageTag: "latest" is refused: pin a version or commit/);
  });

  it('opens NATS only to the shop services that use the bus, PostgreSQL to every one that keeps data', async () => {
    const objects = renderKubernetes(await shopSpec(), FULL);
    const egressPorts = (name: string): number[] =>
      at(find(objects, 'NetworkPolicy', name), 'spec.egress').flatMap((rule: { ports: { port: number }[] }) =>
        rule.ports.map((p) => p.port),
      );
    for (const name of ['checkout', 'notifications', 'users']) expect(egressPorts(name)).toContain(4222);
    for (const name of ['cart', 'inventory', 'orders', 'payments', 'gateway', 'catalog'])
      expect(egressPorts(name)).not.toContain(4222);
    for (const name of ['cart', 'checkout', 'inventory', 'notifications', 'orders', 'payments', 'users'])
      expect(egressPorts(name)).toContain(5432);
    expect(egressPorts('gateway')).not.toContain(5432);
  });
});
