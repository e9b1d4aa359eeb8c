import { describe, expect, it } from 'vitest';
import { ChaosInputError } from './chaos-errors.js';
import { FAULTS, faultByName, listFaults } from './fault-catalogue.js';
import { parseFaultParams } from './fault-params.js';

const REQUIRED: Record<string, Record<string, string>> = {
  'dependency-unreachable': { dependency: 'payments' },
  'bad-flag': { flag: 'new-checkout', variant: 'broken' },
  'bad-config': { key: 'DB_POOL_SIZE', value: '0' },
};

const requestsOf = (name: string, raw: Record<string, string> = {}) => {
  const fault = faultByName(name);
  if (fault.mechanism.type !== 'replica-endpoint') throw new Error(`${name} is not an endpoint fault`);
  return fault.mechanism.requests(parseFaultParams(fault, raw));
};

describe('fault catalogue', () => {
  it('has the fifteen faults the CLI names, each once', () => {
    expect(FAULTS.map((f) => f.name)).toEqual([
      'crash',
      'hang',
      'latency',
      'errors',
      'cpu',
      'memory-leak',
      'db-slow',
      'db-failure',
      'dependency-unreachable',
      'bus-stall',
      'payment-provider-slow',
      'bad-release',
      'bad-flag',
      'bad-config',
      'traffic-flood',
    ]);
  });

  it.each(FAULTS.map((f) => [f.name, f] as const))(
    '%s has a one-line summary and documented params',
    (_, fault) => {
      expect(fault.summary).toMatch(/^[A-Z].{10,120}\.$/);
      expect(fault.summary).not.toContain('\n');
      expect(fault.defaultDurationMs).toBeGreaterThanOrEqual(0);
      const info = listFaults([fault])[0]!;
      for (const param of info.params) {
        expect(param.description, `${fault.name}.${param.name}`).toMatch(/^[A-Za-z].+\.$/);
        if (!param.required) expect(param.default, `${fault.name}.${param.name}`).toBeDefined();
        if ((param.type === 'integer' || param.type === 'number') && param.values === undefined)
          expect(param.range).toMatch(/^[\d.]+\.\.[\d.]+$/);
      }
    },
  );

  it.each(FAULTS.map((f) => [f.name, f] as const))('%s parses with its defaults', (name, fault) => {
    const params = parseFaultParams(fault, REQUIRED[name] ?? {});
    const info = listFaults([fault])[0]!;
    for (const param of info.params) {
      expect(params[param.name]).toEqual(param.default ?? REQUIRED[name]![param.name]);
    }
  });

  it('requires the params that have no sensible default', () => {
    for (const name of Object.keys(REQUIRED)) {
      expect(() => parseFaultParams(faultByName(name), {})).toThrow(/is required/);
    }
  });

  it('lists defaults, ranges, values and scope for opsloop chaos list', () => {
    const latency = listFaults().find((f) => f.name === 'latency')!;
    expect(latency).toMatchObject({
      scope: 'replica',
      mechanism: 'replica-endpoint',
      defaultDurationMs: 120_000,
    });
    expect(latency.params.find((p) => p.name === 'ms')).toMatchObject({
      type: 'integer',
      default: 800,
      range: '1..60000',
      required: false,
    });
    expect(latency.params.find((p) => p.name === 'distribution')?.values).toEqual([
      'fixed',
      'uniform',
      'exponential',
      'pareto',
    ]);
    const release = listFaults().find((f) => f.name === 'bad-release')!;
    expect(release).toMatchObject({ mechanism: 'runtime', operation: 'releaseVersion' });
    expect(listFaults().find((f) => f.name === 'crash')).toMatchObject({
      instant: true,
      defaultDurationMs: 0,
    });
  });

  it('labels the root cause an ideal diagnosis gives', () => {
    const cause = Object.fromEntries(listFaults().map((f) => [f.name, f.expectedCause.kind]));
    expect(cause).toEqual({
      crash: 'failure',
      hang: 'saturation',
      latency: 'failure',
      errors: 'failure',
      cpu: 'saturation',
      'memory-leak': 'saturation',
      'db-slow': 'dependency',
      'db-failure': 'dependency',
      'dependency-unreachable': 'dependency',
      'bus-stall': 'failure',
      'payment-provider-slow': 'dependency',
      'bad-release': 'change',
      'bad-flag': 'change',
      'bad-config': 'change',
      'traffic-flood': 'traffic',
    });
    expect(listFaults().every((f) => f.expectedCause.service === 'target')).toBe(true);
  });

  it('makes environmental faults sticky (service scope) and in-process ones replica scope', () => {
    const scope = Object.fromEntries(FAULTS.map((f) => [f.name, f.scope]));
    expect(scope).toMatchObject({
      hang: 'replica',
      latency: 'replica',
      errors: 'replica',
      cpu: 'replica',
      'memory-leak': 'replica',
      'bus-stall': 'replica',
      crash: 'replica',
      'db-slow': 'service',
      'db-failure': 'service',
      'dependency-unreachable': 'service',
      'payment-provider-slow': 'service',
    });
  });

  it('turns endpoint faults into the kit requests (kind, point, params)', () => {
    expect(requestsOf('latency')).toEqual([
      { kind: 'latency', point: 'http', params: { ms: 800, jitterMs: 0, distribution: 'fixed', ratio: 1 } },
      { kind: 'latency', point: 'rpc', params: { ms: 800, jitterMs: 0, distribution: 'fixed', ratio: 1 } },
    ]);
    expect(requestsOf('errors', { protocol: 'rpc', grpcCode: 'UNAVAILABLE' })).toEqual([
      { kind: 'errors', point: 'rpc', params: { ratio: 0.5, status: 500, grpcCode: 'UNAVAILABLE' } },
    ]);
    expect(requestsOf('hang')).toEqual([{ kind: 'hang', params: { ms: 5000 } }]);
    expect(requestsOf('cpu')).toEqual([{ kind: 'cpu', params: { percent: 90 } }]);
    expect(requestsOf('memory-leak')).toEqual([{ kind: 'memory', params: { mbPerSecond: 20, maxMb: 800 } }]);
    expect(requestsOf('db-slow')).toEqual([
      { kind: 'latency', point: 'db', params: { ms: 500, jitterMs: 0, distribution: 'fixed', ratio: 1 } },
    ]);
    expect(requestsOf('db-failure')).toEqual([{ kind: 'errors', point: 'db', params: { ratio: 0.5 } }]);
    expect(requestsOf('dependency-unreachable', { dependency: 'inventory' })).toEqual([
      { kind: 'errors', point: 'dependency:inventory', params: { ratio: 1 } },
    ]);
    expect(requestsOf('bus-stall')).toEqual([{ kind: 'stall', point: 'bus-consumer', params: {} }]);
    expect(requestsOf('payment-provider-slow')[0]).toMatchObject({
      point: 'payment-provider',
      params: { ms: 3000 },
    });
    expect(requestsOf('payment-provider-slow', { provider: 'backup' })[0]?.point).toBe(
      'payment-provider:backup',
    );
  });

  it('names the known faults for an unknown one', () => {
    expect(() => faultByName('meteor')).toThrow(ChaosInputError);
    expect(() => faultByName('meteor')).toThrow(/unknown fault "meteor" \(known: crash, hang, latency/);
  });
});
