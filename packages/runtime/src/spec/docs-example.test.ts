import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseSpec } from './load-spec.js';

describe('docs/runtime.md', () => {
  it('shows an example opsloop.yaml that is valid (the doc cannot drift from the schema)', () => {
    const doc = readFileSync(new URL('../../../../docs/runtime.md', import.meta.url), 'utf8');
    const example = /## `opsloop\.yaml`\n\n```yaml\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(example, 'the example block under "## `opsloop.yaml`"').toBeDefined();
    const spec = parseSpec(example!, 'docs/runtime.md');
    expect(Object.keys(spec.services)).toEqual(['catalog', 'gateway', 'orders', 'checkout']);
    expect(spec.services.catalog?.autoscaling?.mode).toBe('predictive');
    expect(spec.services.orders?.strategy.type).toBe('Canary');
    expect(spec.services.checkout?.strategy.type).toBe('BlueGreen');
    expect(spec.releaseGroups['order-contract']?.services).toEqual(['orders', 'checkout']);
  });
});
