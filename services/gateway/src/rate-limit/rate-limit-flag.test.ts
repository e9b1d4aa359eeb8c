import { ProviderEvents, type EventHandler } from '@openfeature/server-sdk';
import { createManualClock, type Logger } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { limitsForFlag, RATE_LIMIT_FLAG, ratePolicyOf, watchRateLimitFlag } from './rate-limit-flag.js';
import { createRateLimiter } from './token-bucket.js';

const configured = { ratePerSecond: 100, burst: 200 };

const silent = { warn() {}, info() {}, debug() {}, error() {} } as unknown as Logger;

/** A hand-written stand-in of the OpenFeature client: a value, and the handlers the watcher registered. */
function fakeFlags(initial: unknown) {
  let value = initial;
  const handlers = new Map<string, EventHandler[]>();
  return {
    set: (next: unknown) => (value = next),
    emit(event: ProviderEvents, details?: { flagsChanged?: string[] }) {
      for (const handler of handlers.get(event) ?? []) void handler(details as never);
    },
    handlers,
    client: {
      getNumberValue: (_key: string, fallback: number) =>
        Promise.resolve(typeof value === 'number' ? value : fallback),
      addHandler(event: ProviderEvents, handler: EventHandler) {
        handlers.set(event, [...(handlers.get(event) ?? []), handler]);
      },
      removeHandler(event: ProviderEvents, handler: EventHandler) {
        handlers.set(
          event,
          (handlers.get(event) ?? []).filter((h) => h !== handler),
        );
      },
    },
  };
}

describe('rate limit flag', () => {
  it('maps a flag value to limits: 0 or nonsense keeps the configured ones, else the burst scales', () => {
    for (const value of [0, -5, Number.NaN, Number.POSITIVE_INFINITY, 2e9, 'fast', undefined])
      expect(limitsForFlag(value, configured)).toEqual(configured);
    expect(limitsForFlag(20, configured)).toEqual({ ratePerSecond: 20, burst: 40 });
    expect(limitsForFlag(0.1, configured)).toEqual({ ratePerSecond: 0.1, burst: 1 });
    expect(limitsForFlag(500, configured)).toEqual({ ratePerSecond: 500, burst: 1000 });
    expect(ratePolicyOf({ ratePerSecond: 20, burst: 40 })).toBe('40;w=2');
    expect(ratePolicyOf({ ratePerSecond: 0.1, burst: 1 })).toBe('1;w=10');
  });

  it('follows the flag on provider events only, and stops when closed', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ ...configured, maxClients: 10, clock });
    const flags = fakeFlags(10);
    const changes: number[] = [];
    const watch = watchRateLimitFlag({
      flags: flags.client,
      limiter,
      configured,
      log: silent,
      onChange: (limits) => changes.push(limits.ratePerSecond),
    });
    expect(watch.policy()).toBe('200;w=2');
    flags.emit(ProviderEvents.Ready);
    await Promise.resolve();
    await Promise.resolve();
    expect(limiter.limits()).toEqual({ ratePerSecond: 10, burst: 20 });
    expect(watch.policy()).toBe('20;w=2');

    // Another flag changed: not even evaluated.
    flags.set(50);
    flags.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: ['other-flag'] });
    await watch.refresh().then(() => undefined);
    expect(limiter.limits().ratePerSecond).toBe(50); // refresh() itself evaluates
    flags.set(0);
    flags.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [RATE_LIMIT_FLAG] });
    await Promise.resolve();
    await Promise.resolve();
    expect(limiter.limits()).toEqual(configured);
    expect(changes).toEqual([10, 50, 100]);

    watch.close();
    expect(flags.handlers.get(ProviderEvents.ConfigurationChanged)).toEqual([]);
    flags.set(5);
    flags.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [RATE_LIMIT_FLAG] });
    await Promise.resolve();
    expect(limiter.limits()).toEqual(configured);
  });

  it('keeps the limits in force when the evaluation fails', async () => {
    const clock = createManualClock(0);
    const limiter = createRateLimiter({ ...configured, maxClients: 10, clock });
    const watch = watchRateLimitFlag({
      flags: {
        getNumberValue: () => Promise.reject(new Error('provider broke')),
        addHandler() {},
        removeHandler() {},
      },
      limiter,
      configured,
      log: silent,
    });
    expect(await watch.refresh()).toEqual(configured);
  });
});
