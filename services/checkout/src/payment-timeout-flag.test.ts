import { createLogger } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { PAYMENT_TIMEOUT_FLAG, paymentTimeoutFromFlag } from './payment-timeout-flag.js';

const log = createLogger({ service: 't', version: '0', instance: 't', level: 'silent' });

function deadlineWith(value: unknown) {
  const asked: unknown[] = [];
  const deadline = paymentTimeoutFromFlag({
    configuredMs: 5000,
    log,
    flags: {
      getNumberValue: (key: string, fallback: number, context?: unknown) => {
        asked.push({ key, fallback, context });
        if (value instanceof Error) return Promise.reject(value);
        return Promise.resolve((value ?? fallback) as number);
      },
    },
  });
  return { deadline, asked };
}

describe('payment timeout flag', () => {
  it('evaluates the flag per saga with the configured deadline as the fallback', async () => {
    const { deadline, asked } = deadlineWith(5);
    expect(await deadline({ id: 'saga-1' })).toBe(5);
    expect(asked).toEqual([
      { key: PAYMENT_TIMEOUT_FLAG, fallback: 5000, context: { targetingKey: 'saga-1' } },
    ]);
    expect(await deadlineWith(undefined).deadline({ id: 's' })).toBe(5000);
  });

  it('ignores a value that is not a deadline, and a failed evaluation', async () => {
    for (const bad of [0, -1, 2.5, 60_001, Number.NaN, new Error('provider broke')])
      expect(await deadlineWith(bad).deadline({ id: 's' })).toBe(5000);
    expect(await deadlineWith(60_000).deadline({ id: 's' })).toBe(60_000);
  });
});
