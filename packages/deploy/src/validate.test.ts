import { describe, expect, it } from 'vitest';
import type { K8sObject } from './k8s-object.js';
import { validateManifests } from './validate.js';

const deployment = (container: Record<string, unknown>): K8sObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container] } },
  },
});

describe('validateManifests', () => {
  it('accepts valid built-in objects', () => {
    expect(validateManifests([deployment({ name: 'web', image: 'web:1' })])).toEqual([]);
  });

  it('names kind, object, path and problem for a built-in kind', () => {
    const problems = validateManifests([deployment({ name: 7, image: 'web:1' })]);
    expect(problems).toEqual(['Deployment/web: spec.template.spec.containers.0.name: must be string']);
  });

  it('checks the CRDs against their documented required fields', () => {
    const problems = validateManifests([
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Rollout',
        metadata: { name: 'web' },
        spec: {
          selector: { matchLabels: { app: 'web' } },
          strategy: { canary: { steps: [{ setWeight: 150 }] } },
        },
      },
      {
        apiVersion: 'external-secrets.io/v1beta1',
        kind: 'ExternalSecret',
        metadata: { name: 'db' },
        spec: { secretStoreRef: { name: 's' } },
      },
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        metadata: { name: 'q' },
        spec: { scaleTargetRef: { name: 'q' }, triggers: [] },
      },
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AnalysisTemplate',
        metadata: { name: 'a' },
        spec: { metrics: [{ name: 'm', provider: { prometheus: { address: 'not a url', query: 'up' } } }] },
      },
    ]);
    expect(problems).toEqual([
      'Rollout/web: spec.strategy.canary.steps.0.setWeight: expected a weight from 0 to 100',
      'Rollout/web: spec: expected exactly one of workloadRef, template in spec',
      'ExternalSecret/db: spec: expected data or dataFrom',
      'ScaledObject/q: spec.triggers: expected at least one trigger',
      'AnalysisTemplate/a: spec.metrics.0.provider.prometheus.address: expected a URL',
    ]);
  });

  it('reports a kind it has no schema for, rather than passing it unchecked', () => {
    expect(
      validateManifests([{ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }]),
    ).toEqual(['Widget/w: (root): no schema for example.com/v1 Widget']);
  });
});
