import { SpecError, validateSpec } from '@opsloop/runtime';
import { describe, expect, it } from 'vitest';
import { RenderError, renderKubernetes, validateManifests, type K8sObject } from '../src/index.js';
import { at, find, OPTIONS, specOf, svc } from './fixture.js';

const services = {
  api: svc('api', { replicas: 2, expose: { port: 8080 }, dependsOn: ['store'] }),
  store: svc('store', { resources: { memory: '512Mi', cpu: '250m' } }),
};

const withEnvironments = (environments: Record<string, unknown>) => specOf(services, { environments });

/** The one-line problems validating a spec with these environments gives. */
function specProblems(environments: Record<string, unknown>, more: Record<string, unknown> = {}): string[] {
  try {
    validateSpec({
      apiVersion: 'opsloop.dev/v1alpha1',
      kind: 'System',
      metadata: { name: 'demo' },
      services: { ...services, ...more },
      environments,
    });
  } catch (error) {
    expect(error).toBeInstanceOf(SpecError);
    return [...(error as SpecError).problems];
  }
  throw new Error('expected a SpecError');
}

function renderProblem(spec: ReturnType<typeof specOf>, env: string): string {
  try {
    renderKubernetes(spec, { ...OPTIONS, env });
  } catch (error) {
    expect(error).toBeInstanceOf(RenderError);
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
  throw new Error('expected a RenderError');
}

const container = (objects: K8sObject[], name: string) =>
  at(find(objects, 'Deployment', name), 'spec.template.spec.containers.0');

describe('environments in the spec', () => {
  it('accepts a full environment and keeps it as written (quantities parsed)', () => {
    const spec = withEnvironments({
      prod: {
        namespace: 'demo-prod',
        region: 'eu-west-1',
        host: 'demo.example.com',
        imageTag: '2.0.1',
        replicas: { api: 4 },
        resources: { store: { memory: '1Gi' } },
        labels: { team: 'shop', 'example.com/cost-centre': 'c42' },
      },
    });
    expect(spec.environments?.prod?.replicas).toEqual({ api: 4 });
    expect(spec.environments?.prod?.resources?.store?.memory).toBe(2 ** 30);
  });

  it('refuses unknown services, bad names, hosts, tags and labels, each with its path', () => {
    // Cross-references are checked once every field is valid (the spec's other refinements do the same).
    const unknown = specProblems({ prod: { replicas: { nope: 2 }, resources: { ghost: { cpu: '1' } } } });
    expect(unknown).toEqual([
      'environments.prod.replicas.nope: unknown service "nope"',
      'environments.prod.resources.ghost: unknown service "ghost"',
    ]);
    const problems = specProblems({
      'Bad Env': {},
      stage: { host: 'https://x.example.com', imageTag: 'latest', labels: { 'bad key!': 'x' } },
      dev: { replicas: { api: -1 }, resources: { api: { memory: '1Ki' } }, namespce: 'x' },
    });
    const joined = problems.join('\n');
    expect(joined).toMatch(/environments\.Bad Env: .*environment name: a DNS label/);
    expect(joined).toMatch(/environments\.stage\.host: expected a lowercase host name/);
    expect(joined).toMatch(/environments\.stage\.imageTag: latest is refused/);
    expect(joined).toMatch(/environments\.stage\.labels/);
    expect(joined).toMatch(/environments\.dev\.replicas\.api: expected integer/);
    expect(joined).toMatch(/environments\.dev\.resources\.api\.memory: expected at least 32Mi/);
    expect(joined).toContain('environments.dev: unknown field(s): namespce');
  });

  it('refuses replicas for an autoscaled service (its autoscaler owns the count)', () => {
    const problems = specProblems(
      { prod: { replicas: { web: 3 } } },
      { web: svc('web', { autoscaling: { minReplicas: 1, maxReplicas: 4 } }) },
    );
    expect(problems.join('\n')).toContain('environments.prod.replicas.web: web is autoscaled');
  });
});

describe('renderKubernetes(spec, { env })', () => {
  const spec = withEnvironments({
    dev: { namespace: 'demo-dev', replicas: { api: 1 }, imageTag: '2.0.0-dev', labels: { tier: 'dev' } },
    prod: {
      region: 'eu-west-1',
      host: 'demo.example.com',
      replicas: { api: 5 },
      resources: { store: { cpu: '1' } },
    },
  });

  it('applies namespace, replicas, image tag and labels to every object and pod', () => {
    const objects = renderKubernetes(spec, { ...OPTIONS, env: 'dev' });
    expect(validateManifests(objects)).toEqual([]);
    expect(new Set(objects.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(
      new Set(['demo-dev']),
    );
    expect(at(find(objects, 'Deployment', 'api'), 'spec.replicas')).toBe(1);
    expect(container(objects, 'api').image).toBe('ghcr.io/opsloop/api:2.0.0-dev');
    for (const object of objects)
      expect(object.metadata.labels).toMatchObject({ 'opsloop.dev/environment': 'dev', tier: 'dev' });
    expect(at(find(objects, 'Deployment', 'api'), 'spec.template.metadata.labels.tier')).toBe('dev');
    expect(at(find(objects, 'Deployment', 'api'), 'spec.selector.matchLabels')).toEqual({
      'app.kubernetes.io/name': 'api',
    });
    // One replica: no disruption budget (the base, with two, has one).
    expect(objects.some((o) => o.kind === 'PodDisruptionBudget' && o.metadata.name === 'api')).toBe(false);
  });

  it('applies resources field by field, the region label and an Ingress at the host', () => {
    const objects = renderKubernetes(spec, { ...OPTIONS, env: 'prod' });
    expect(validateManifests(objects)).toEqual([]);
    expect(container(objects, 'store').resources).toEqual({
      requests: { cpu: '1000m', memory: '512Mi' },
      limits: { memory: '512Mi' },
    });
    expect(container(objects, 'api').image).toBe('ghcr.io/opsloop/api:1.2.3');
    expect(find(objects, 'Deployment', 'api').metadata.labels?.['opsloop.dev/region']).toBe('eu-west-1');
    const ingress = find(objects, 'Ingress', 'api');
    expect(at(ingress, 'spec.rules.0')).toEqual({
      host: 'demo.example.com',
      http: {
        paths: [
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
        ],
      },
    });
    expect(at(ingress, 'spec.tls')).toEqual([{ hosts: ['demo.example.com'], secretName: 'api-tls' }]);
    expect(at(ingress, 'spec.ingressClassName')).toBe('nginx');
  });

  it('renders no environment without env, and the base differs from each environment', () => {
    const base = renderKubernetes(spec, OPTIONS);
    expect(base.some((o) => o.kind === 'Ingress')).toBe(false);
    expect(base.every((o) => o.metadata.labels?.['opsloop.dev/environment'] === undefined)).toBe(true);
    expect(at(find(base, 'Deployment', 'api'), 'spec.replicas')).toBe(2);
  });

  it('refuses an unknown environment, a host without one exposed service and a reserved label', () => {
    expect(renderProblem(spec, 'qa')).toBe('env: "qa" is not an environment of the spec (dev, prod)');
    expect(renderProblem(specOf(services), 'qa')).toMatch(/it has no environments:/);
    const noEntry = specOf({ a: svc('a') }, { environments: { prod: { host: 'a.example.com' } } });
    expect(renderProblem(noEntry, 'prod')).toMatch(
      /^environments\.prod\.host: needs exactly one service with expose: \(found none\)/,
    );
    const reserved = specOf(services, { environments: { x: { labels: { 'app.kubernetes.io/name': 'x' } } } });
    expect(renderProblem(reserved, 'x')).toMatch(
      /^environments\.x\.labels: "app\.kubernetes\.io\/name" is set by the renderer/,
    );
  });
});
