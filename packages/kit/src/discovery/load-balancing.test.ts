import type { Endpoint } from '@opsloop/contracts';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config.js';
import { LoadBalancingConfigError, type LoadBalancer } from './load-balancer.js';
import {
  createBalancer,
  loadBalancingEnvSchema,
  loadBalancingFromEnv,
  parseLoadBalancing,
  type LoadBalancing,
} from './load-balancing.js';

const endpoint = (instance: string, weight?: number): Endpoint => ({
  instance,
  url: `http://127.0.0.1:1/${instance}`,
  version: '1',
  ...(weight === undefined ? {} : { weight }),
});
const two = [endpoint('bad'), endpoint('good')];

/** Sends `count` requests through `balancer`, failing every one that lands on `bad`; returns where they went. */
function run(balancer: LoadBalancer, count: number, list: Endpoint[] = two): string[] {
  return Array.from({ length: count }, () => {
    const lease = balancer.acquire(list)!;
    lease.release(lease.endpoint.instance === 'bad' ? 'failure' : 'success');
    return lease.endpoint.instance;
  });
}

function fieldOf(options: unknown): string {
  try {
    parseLoadBalancing(options);
  } catch (error) {
    expect(error).toBeInstanceOf(LoadBalancingConfigError);
    return (error as LoadBalancingConfigError).field;
  }
  throw new Error('accepted');
}

describe('parseLoadBalancing', () => {
  it('defaults to least-request with Envoy-like outlier ejection', () => {
    expect(parseLoadBalancing({})).toEqual({
      policy: 'least-request',
      outlierDetection: {
        consecutiveFailures: 5,
        baseEjectionMs: 30_000,
        maxEjectionMs: 300_000,
        maxEjectionPercent: 50,
        decayIntervalMs: 10_000,
      },
    });
    expect(parseLoadBalancing(undefined).policy).toBe('least-request');
    expect(parseLoadBalancing({ outlierDetection: false }).outlierDetection).toBe(false);
  });

  it.each([
    [{ policy: 'random' }, 'policy'],
    [{ outlierDetection: { maxEjectionPercent: 150 } }, 'outlierDetection.maxEjectionPercent'],
    [{ outlierDetection: { consecutiveFailures: 0 } }, 'outlierDetection.consecutiveFailures'],
    [{ outlierDetection: { baseEjectionMs: 1.5 } }, 'outlierDetection.baseEjectionMs'],
    [{ outlierDetection: true }, 'outlierDetection'],
    [{ policy: 'round-robin', extra: 1 }, 'loadBalancing'],
  ])('rejects %j naming the field', (options, field) => {
    expect(fieldOf(options)).toBe(field);
  });

  it('explains the problem in the message', () => {
    expect(() => parseLoadBalancing({ outlierDetection: { maxEjectionPercent: 150 } })).toThrow(
      'outlierDetection.maxEjectionPercent: expected a percentage ≤ 100',
    );
    expect(() => parseLoadBalancing({ policy: 'random' })).toThrow(
      'policy: expected round-robin or least-request',
    );
  });
});

describe('createBalancer', () => {
  it('by default ejects a replica after 5 failures in a row for 30 s', () => {
    const clock = createManualClock();
    const balancer = createBalancer({}, { clock });
    const first = run(balancer, 9);
    expect(first.filter((instance) => instance === 'bad')).toHaveLength(5);
    expect(run(balancer, 50).every((instance) => instance === 'good')).toBe(true);
    clock.advance(30_000);
    expect(run(balancer, 2)).toContain('bad');
  });

  it('reports ejections and returns through its hooks', () => {
    const clock = createManualClock();
    const events: string[] = [];
    const balancer = createBalancer(
      { outlierDetection: { consecutiveFailures: 2, baseEjectionMs: 1_000 } },
      {
        clock,
        onEject: (event) => events.push(`eject ${event.instance} ${event.durationMs}`),
        onReturn: (instance) => events.push(`return ${instance}`),
      },
    );
    run(balancer, 4);
    clock.advance(1_000);
    run(balancer, 1);
    expect(events).toEqual(['eject bad 1000', 'return bad']);
  });

  it('never ejects with outlierDetection: false', () => {
    const balancer = createBalancer({ outlierDetection: false }, { clock: createManualClock() });
    expect(run(balancer, 40).filter((instance) => instance === 'bad')).toHaveLength(20);
  });

  it('round-robin honours weights', () => {
    const balancer = createBalancer({ policy: 'round-robin', outlierDetection: false });
    const list = [endpoint('good', 30), endpoint('other', 10)];
    const counts = run(balancer, 400, list).reduce<Record<string, number>>((acc, instance) => {
      acc[instance] = (acc[instance] ?? 0) + 1;
      return acc;
    }, {});
    expect(counts).toEqual({ good: 300, other: 100 });
  });

  it('passes the random source to least-request', () => {
    const three = [endpoint('a'), endpoint('b'), endpoint('c')];
    const balancer = createBalancer({ outlierDetection: false }, { random: () => 0.9 });
    expect(balancer.acquire(three)?.endpoint.instance).toBe('c');
  });

  it('throws a LoadBalancingConfigError for bad options', () => {
    expect(() => createBalancer({ policy: 'fastest' } as unknown as LoadBalancing)).toThrow(
      LoadBalancingConfigError,
    );
  });
});

describe('loadBalancingEnvSchema', () => {
  it('reads LB_* variables with defaults', () => {
    expect(loadBalancingFromEnv(loadConfig(loadBalancingEnvSchema, {}))).toEqual({
      policy: 'least-request',
      outlierDetection: { consecutiveFailures: 5, baseEjectionMs: 30_000, maxEjectionPercent: 50 },
    });
    const custom = loadConfig(loadBalancingEnvSchema, {
      LB_POLICY: 'round-robin',
      LB_OUTLIER_CONSECUTIVE_FAILURES: '3',
      LB_OUTLIER_BASE_EJECTION_MS: '1000',
      LB_OUTLIER_MAX_EJECTION_PERCENT: '100',
    });
    expect(loadBalancingFromEnv(custom)).toEqual({
      policy: 'round-robin',
      outlierDetection: { consecutiveFailures: 3, baseEjectionMs: 1_000, maxEjectionPercent: 100 },
    });
    expect(loadBalancingFromEnv(loadConfig(loadBalancingEnvSchema, { LB_OUTLIER_DETECTION: 'off' }))).toEqual(
      { policy: 'least-request', outlierDetection: false },
    );
    // What it gives is valid input of createBalancer.
    expect(() => createBalancer(loadBalancingFromEnv(custom))).not.toThrow();
  });

  it('names each bad variable', () => {
    let error: unknown;
    try {
      loadConfig(loadBalancingEnvSchema, {
        LB_POLICY: 'random',
        LB_OUTLIER_DETECTION: 'maybe',
        LB_OUTLIER_MAX_EJECTION_PERCENT: '120',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      'LB_POLICY: expected round-robin or least-request (got "random")',
      'LB_OUTLIER_DETECTION: expected on or off (got "maybe")',
      'LB_OUTLIER_MAX_EJECTION_PERCENT: expected a percentage ≤ 100 (got "120")',
    ]);
  });
});
