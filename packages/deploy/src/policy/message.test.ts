import { describe, expect, it } from 'vitest';
import { formatMessage } from './message.js';

describe('formatMessage', () => {
  it('fills %s and %v in order', () => {
    expect(formatMessage('container "%s" keeps %v replicas', ['cart', 3])).toBe(
      'container "cart" keeps 3 replicas',
    );
  });

  it('refuses too few arguments', () => {
    expect(() => formatMessage('%s and %s', ['a'])).toThrow(/needs more than 1/);
  });
});
