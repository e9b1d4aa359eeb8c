import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/load-spec.js';
import { canaryDetectors } from './canary-detectors.js';

const spec = (detection: string) =>
  parseSpec(
    `apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: t }\nservices:\n  web:\n    command: [node, web.js]\nruntime:\n  aiops:\n    detection: ${detection}\n`,
    'opsloop.yaml',
  );

describe('canaryDetectors', () => {
  it('is live detection’s detector, threshold and warm-up (the ensemble by default)', () => {
    const defaults = canaryDetectors(spec('{}').runtime.aiops.detection);
    expect(defaults.detector?.name).toBe('opsloop');
    expect(defaults.warmupPoints).toBe(240);
    const chosen = canaryDetectors(
      spec('{ detector: holt-winters, threshold: 0.9, warmupPoints: 30 }').runtime.aiops.detection,
    );
    expect(chosen).toMatchObject({ threshold: 0.9, warmupPoints: 30 });
    expect(chosen.detector?.name).toBe('holt-winters');
  });
});
