import { describe, expect, it } from 'vitest';
import { logqlFor } from './logs.js';

describe('opsloop logs search', () => {
  it('builds LogQL from the options, quoting what the user typed', () => {
    expect(logqlFor({ service: 'orders' })).toBe('{service="orders"}');
    expect(logqlFor({ service: 'orders', level: 'error', grep: 'said "no"' })).toBe(
      '{service="orders", level="error"} |= "said \\"no\\""',
    );
    expect(logqlFor({ service: 'gateway', traceId: '4bf92f3577b34da6a3ce929d0e0e4736' })).toBe(
      '{service="gateway"} |= "4bf92f3577b34da6a3ce929d0e0e4736"',
    );
  });
});
