import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addAttributes, mayHaveAttribute, newAttributeBloom } from './attribute-bloom.js';
import { newAttributes } from './span.js';

describe('attribute Bloom filter', () => {
  it('never forgets a pair it was given (no false negatives)', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.double({ noNaN: true }));
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string(), value, { maxKeys: 8 }), { maxLength: 20 }), (maps) => {
        const bloom = newAttributeBloom();
        for (const map of maps) addAttributes(bloom, Object.assign(newAttributes(), map));
        for (const map of maps) {
          for (const [key, v] of Object.entries(map)) {
            expect(mayHaveAttribute(bloom, key, typeof v === 'string' ? v : JSON.stringify(v))).toBe(true);
          }
        }
      }),
    );
  });

  it('rejects most absent pairs of a typical trace (30 pairs)', () => {
    const bloom = newAttributeBloom();
    const attributes = newAttributes();
    for (let i = 0; i < 30; i++) attributes[`key.${i}`] = `value-${i}`;
    addAttributes(bloom, attributes);
    let falsePositives = 0;
    for (let i = 0; i < 10_000; i++)
      if (mayHaveAttribute(bloom, `key.${i % 30}`, `other-${i}`)) falsePositives++;
    expect(falsePositives / 10_000).toBeLessThan(0.06);
  });
});
