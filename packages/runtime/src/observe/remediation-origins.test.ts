import { describe, expect, it } from 'vitest';
import type { ActionOutcome, RemediationPlatform } from '@opsloop/aiops';
import { createRemediationOrigins } from './remediation-origins.js';

function platform(): RemediationPlatform {
  const done = (detail: string): Promise<ActionOutcome> =>
    Promise.resolve({ ok: true, detail, undo: () => Promise.resolve() });
  return {
    rollback: () => done('rolled back'),
    restartReplica: () => done('restarted'),
    restartService: () => done('restarted'),
    replaceReplica: () => done('replaced'),
    scale: () => done('scaled'),
    setFlag: () => done('flag set'),
    setRateLimit: () => done('limited'),
    openCircuit: () => done('opened'),
    closeCircuit: () => done('closed'),
    failover: () => done('failed over'),
    serviceState: () => Promise.reject(new Error('not used')),
  };
}

function setup() {
  let now = 0;
  const origins = createRemediationOrigins({
    now: () => now,
    windowMs: 30_000,
    flags: () => ({
      'card-provider': { metadata: { failoverFor: 'payments' }, variants: { a: 'a', b: 'b' } },
    }),
  });
  return { origins, wrapped: origins.wrap(platform()), advance: (ms: number) => (now += ms) };
}

describe('createRemediationOrigins', () => {
  it('marks what an action acts on for the window: the service, a replica by its service, a flag', async () => {
    const { origins, wrapped, advance } = setup();
    await wrapped.restartReplica('cart-2');
    await wrapped.setFlag('checkout-payment-timeout-ms', 'standard');
    expect(origins.actedLately('cart')).toBe(true);
    expect(origins.actedLately('flag:checkout-payment-timeout-ms')).toBe(true);
    expect(origins.actedLately('orders')).toBe(false);
    expect(origins.actedLately(undefined)).toBe(false);
    advance(30_001);
    expect(origins.actedLately('cart')).toBe(false);
  });

  it("counts the flags behind a rate limit and a failover as the action's", async () => {
    const { origins, wrapped } = setup();
    await wrapped.setRateLimit('gateway', 20);
    await wrapped.failover('payments', 'b');
    expect(origins.actedLately('flag:gateway-rate-limit-rps')).toBe(true);
    expect(origins.actedLately('flag:card-provider')).toBe(true);
  });

  it('counts an undo, however late, as remediation acting again', async () => {
    const { origins, wrapped, advance } = setup();
    const shed = await wrapped.setRateLimit('gateway', 20);
    advance(4 * 60_000);
    expect(origins.actedLately('flag:gateway-rate-limit-rps')).toBe(false);
    await shed.undo!();
    expect(origins.actedLately('flag:gateway-rate-limit-rps')).toBe(true);
    expect(origins.actedLately('gateway')).toBe(true);
  });
});
