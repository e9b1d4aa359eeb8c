import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { specJsonSchema } from './json-schema.js';

describe('docs/opsloop.schema.json', () => {
  it('matches the spec schema (regenerate with `npm run gen:docs`)', () => {
    const checkedIn = JSON.parse(
      readFileSync(new URL('../../../../docs/opsloop.schema.json', import.meta.url), 'utf8'),
    ) as unknown;
    expect(checkedIn).toEqual(specJsonSchema());
  });

  it('describes services with their command, replicas and probes', () => {
    const text = JSON.stringify(specJsonSchema());
    for (const field of [
      'command',
      'replicas',
      'probes',
      'readiness',
      'liveness',
      'failureThreshold',
      'expose',
    ]) {
      expect(text).toContain(`"${field}"`);
    }
  });
});
