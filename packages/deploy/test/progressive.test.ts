import { describe, expect, it } from 'vitest';
import { analysisQueries, renderKubernetes, validateManifests } from '../src/index.js';
import { at, find, OPTIONS, ofKind, specOf, svc, type Loose } from './fixture.js';

const spec = specOf({
  canary: svc('canary', {
    replicas: 4,
    strategy: {
      type: 'Canary',
      canary: {
        steps: [5, 25, 60],
        analysis: { intervalSeconds: 45, minRequests: 300, errorRateTolerance: 0.02 },
      },
    },
  }),
  bluegreen: svc('bluegreen', {
    replicas: 2,
    strategy: { type: 'BlueGreen', blueGreen: { autoPromotionSeconds: 120, scaleDownDelaySeconds: 60 } },
  }),
  plain: svc('plain'),
});

describe('progressive delivery', () => {
  const objects = renderKubernetes(spec, OPTIONS);

  it('renders a canary as an Argo Rollout with the spec steps, each followed by the analysis', () => {
    const rollout = find(objects, 'Rollout', 'canary');
    const steps = at(rollout, 'spec.strategy.canary.steps');
    expect(steps.filter((s: Loose) => 'setWeight' in s).map((s: Loose) => s.setWeight)).toEqual([5, 25, 60]);
    steps.forEach((step: Loose, i: number) => {
      if (i % 2 === 1) expect(step.analysis.templates).toEqual([{ templateName: 'canary-analysis' }]);
    });
    expect(at(rollout, 'spec.replicas')).toBe(4);
    expect(at(rollout, 'spec.workloadRef')).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'canary',
    });
    // The Deployment holds the template only; the Rollout owns the pods.
    expect(at(find(objects, 'Deployment', 'canary'), 'spec.replicas')).toBe(0);
    expect(validateManifests(objects)).toEqual([]);
  });

  it('judges with the runtime checks and the spec thresholds', () => {
    const template = find(objects, 'AnalysisTemplate', 'canary-analysis');
    const metrics = at(template, 'spec.metrics');
    expect(metrics.map((m: Loose) => m.name)).toEqual(['requests', 'success-rate', 'latency-p99']);
    expect(metrics[0].successCondition).toBe('result[0] >= 300');
    expect(metrics[1].successCondition).toBe('result[0] <= 0.02');
    expect(metrics[1].failureCondition).toBe('result[0] > 0.02');
    for (const metric of metrics) {
      expect(metric.initialDelay).toBe('45s');
      expect(metric.provider.prometheus.query).toContain('[45s]');
      expect(metric.provider.prometheus.query).toContain('service="canary"');
    }
    expect(metrics[1].provider.prometheus.query).toContain('status=~"5.."');
    expect(metrics[2].provider.prometheus.query).toContain('histogram_quantile(0.99');
  });

  it('writes PromQL that compares the two revisions by pod-template hash', () => {
    const analysis =
      spec.services.canary!.strategy.type === 'Canary'
        ? spec.services.canary!.strategy.canary.analysis
        : undefined;
    const q = analysisQueries('canary', analysis!, 'hash');
    expect(q.successRate).toContain('hash="{{args.canary-hash}}"');
    expect(q.successRate).toContain('hash="{{args.stable-hash}}"');
    expect(q.latency).toContain('* 1.2'); // latencyTolerance 0.2 (default)
    expect(q.latency).toContain('+ 0.01'); // latencyToleranceMs 10 (default)
    expect(q.successRate).toContain('>= 300');
  });

  it('renders blue-green with a preview Service and the promotion settings', () => {
    const rollout = find(objects, 'Rollout', 'bluegreen');
    expect(at(rollout, 'spec.strategy.blueGreen')).toMatchObject({
      activeService: 'bluegreen',
      previewService: 'bluegreen-preview',
      autoPromotionEnabled: true,
      autoPromotionSeconds: 120,
      scaleDownDelaySeconds: 60,
      prePromotionAnalysis: { templates: [{ templateName: 'bluegreen-analysis' }] },
    });
    expect(at(find(objects, 'Service', 'bluegreen-preview'), 'spec.selector')).toEqual({
      'app.kubernetes.io/name': 'bluegreen',
    });
  });

  it('leaves a rolling update as a plain Deployment', () => {
    expect(
      ofKind(objects, 'Rollout')
        .map((r) => r.metadata.name)
        .sort(),
    ).toEqual(['bluegreen', 'canary']);
    expect(at(find(objects, 'Deployment', 'plain'), 'spec.replicas')).toBe(1);
  });

  it('points the autoscaler of a progressive service at its Rollout', () => {
    const scaled = specOf({
      canary: svc('canary', {
        strategy: { type: 'Canary' },
        autoscaling: { minReplicas: 2, maxReplicas: 4 },
      }),
    });
    const rendered = renderKubernetes(scaled, OPTIONS);
    expect(at(find(rendered, 'HorizontalPodAutoscaler', 'canary'), 'spec.scaleTargetRef')).toEqual({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Rollout',
      name: 'canary',
    });
    expect(at(find(rendered, 'Rollout', 'canary'), 'spec')).not.toHaveProperty('replicas');
    expect(validateManifests(rendered)).toEqual([]);
  });
});
