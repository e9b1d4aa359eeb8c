import { describe, expect, it } from 'vitest';
import { analysisSchema } from './strategy-schema.js';

describe('analysisSchema: method and sampleSeconds', () => {
  it('judges with both the tests and the detectors, sampling every 5 s, by default', () => {
    expect(analysisSchema.parse({})).toMatchObject({ method: 'both', sampleSeconds: 5 });
    expect(analysisSchema.parse({ method: 'statistical', sampleSeconds: 2 })).toMatchObject({
      method: 'statistical',
      sampleSeconds: 2,
    });
  });

  it.each([
    [{ method: 'magic' }, 'expected statistical, detectors or both'],
    [{ sampleSeconds: 0 }, 'expected seconds from 1 to 600'],
  ])('refuses %j', (input, message) => {
    const result = analysisSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toBe(message);
  });
});
