import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/load-spec.js';
import { ApplyError, describeChange, diffSpecs } from './spec-diff.js';

const spec = (services: string, name = 'shop', runtime = '') =>
  parseSpec(
    `apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: ${name} }\n${runtime}services:\n${services}`,
  );

const BASE = `
  catalog:
    command: [node, catalog.js]
    replicas: 2
    env: { LOG_LEVEL: info }
  orders:
    command: [node, orders.js]
`;

describe('diffSpecs', () => {
  it('finds nothing to do for the same spec', () => {
    expect(diffSpecs(spec(BASE), spec(BASE))).toEqual([]);
  });

  it('a replica count alone scales without a rollout', () => {
    const changes = diffSpecs(spec(BASE), spec(BASE.replace('replicas: 2', 'replicas: 4')));
    expect(changes).toEqual([
      { service: 'catalog', action: 'update', fields: ['replicas'], replicas: { from: 2, to: 4 } },
    ]);
    expect(describeChange(changes[0]!)).toBe('catalog: replicas 2 → 4');
  });

  it('a template change (env, command, probes) is a rolling update from one revision to another', () => {
    const changes = diffSpecs(spec(BASE), spec(BASE.replace('LOG_LEVEL: info', 'LOG_LEVEL: debug')));
    expect(changes).toHaveLength(1);
    const [change] = changes;
    expect(change).toMatchObject({ service: 'catalog', action: 'update', fields: ['env.LOG_LEVEL'] });
    if (change?.action !== 'update') throw new Error('expected an update');
    expect(change.rollout?.from).toMatch(/^[0-9a-f]{10}$/);
    expect(change.rollout?.from).not.toBe(change.rollout?.to);
    expect(describeChange(change)).toMatch(
      /^catalog: changed env\.LOG_LEVEL; rolling update [0-9a-f]+ → [0-9a-f]+$/,
    );
  });

  it('exposure, dependencies and strategy change without replacing replicas', () => {
    const next = BASE.replace(
      '    replicas: 2\n',
      '    replicas: 2\n    expose: { port: 8080 }\n    strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 2 } }\n',
    );
    const [change] = diffSpecs(spec(BASE), spec(next));
    expect(change).toMatchObject({ action: 'update', fields: ['expose', 'strategy.rollingUpdate'] });
    expect(change).not.toHaveProperty('rollout');
  });

  it('lists created and deleted services, sorted by name', () => {
    const next = `
  catalog:
    command: [node, catalog.js]
    replicas: 2
    env: { LOG_LEVEL: info }
  search:
    command: [node, search.js]
    replicas: 3
`;
    expect(diffSpecs(spec(BASE), spec(next))).toEqual([
      { service: 'orders', action: 'delete' },
      { service: 'search', action: 'create', replicas: 3 },
    ]);
  });

  it('shows a scale made since the last apply going back to the spec', () => {
    expect(diffSpecs(spec(BASE), spec(BASE), (s) => (s === 'catalog' ? 5 : undefined))).toEqual([
      { service: 'catalog', action: 'update', fields: ['replicas'], replicas: { from: 5, to: 2 } },
    ]);
  });

  it('refuses another system name or new runtime settings', () => {
    expect(() => diffSpecs(spec(BASE), spec(BASE, 'other'))).toThrow(ApplyError);
    expect(() => diffSpecs(spec(BASE), spec(BASE, 'shop', 'runtime: { controlPort: 9999 }\n'))).toThrow(
      /runtime section changed/,
    );
  });
});

describe('spec validation of rollouts', () => {
  it('refuses a rollout that could never make progress, naming the field', () => {
    expect(() =>
      spec(`
  catalog:
    command: [node, catalog.js]
    replicas: 1
    strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } }
    disruptionBudget: { minAvailable: 1 }
`),
    ).toThrow(/services\.catalog\.strategy: a rolling update could never start/);
    expect(() =>
      spec(`
  catalog:
    command: [node, catalog.js]
    strategy: { type: Recreate }
`),
    ).toThrow(/services\.catalog\.strategy.*RollingUpdate, BlueGreen or Canary/);
    expect(() =>
      spec(`
  catalog:
    command: [node, catalog.js]
    strategy: { type: Canary, canary: { steps: [50, 10] } }
`),
    ).toThrow(/services\.catalog\.strategy\.canary\.steps: expected increasing percentages/);
  });
});
