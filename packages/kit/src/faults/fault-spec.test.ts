import { describe, expect, it } from 'vitest';
import { FaultSpecError, parseFaultSpec } from './parse-fault-spec.js';

/** The issues of an invalid spec, as `path: message` lines. */
function issues(spec: unknown): string[] {
  try {
    parseFaultSpec(spec);
  } catch (error) {
    if (error instanceof FaultSpecError)
      return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('the spec was accepted');
}

describe('fault specs', () => {
  it('accepts each kind and applies the defaults', () => {
    expect(
      parseFaultSpec({ kind: 'latency', point: 'dependency:cart', params: { ms: 100, jitterMs: 10 } }),
    ).toEqual({
      kind: 'latency',
      point: 'dependency:cart',
      params: { ms: 100, jitterMs: 10, distribution: 'fixed', ratio: 1 },
    });
    expect(
      parseFaultSpec({ kind: 'errors', point: 'http', params: { ratio: 0.1, status: 503 } }).params,
    ).toEqual({
      ratio: 0.1,
      status: 503,
    });
    expect(parseFaultSpec({ kind: 'stall', point: 'bus-consumer' }).params).toEqual({});
    expect(parseFaultSpec({ kind: 'hang', params: { ms: 5000 } })).toEqual({
      kind: 'hang',
      point: 'process',
      params: { ms: 5000 },
    });
    expect(parseFaultSpec({ kind: 'cpu', point: 'process', params: { percent: 100 } }).params).toEqual({
      percent: 100,
    });
    expect(parseFaultSpec({ kind: 'memory', params: { mbPerSecond: 5 } }).params).toEqual({
      mbPerSecond: 5,
      maxMb: 512,
    });
    expect(parseFaultSpec({ kind: 'crash' }).params).toEqual({ exitCode: 1 });
    expect(
      parseFaultSpec({ id: 'game-day.1_a', kind: 'crash', params: { exitCode: 137 }, durationMs: 1 }),
    ).toMatchObject({
      id: 'game-day.1_a',
      durationMs: 1,
    });
  });

  it('refuses a bad envelope: kind, id, point, duration, unknown members', () => {
    expect(issues({ kind: 'flood', params: {} })).toEqual([
      'kind: expected kind latency, errors, stall, hang, cpu, memory or crash',
    ]);
    expect(issues('latency')).toHaveLength(1);
    expect(issues({ kind: 'latency', params: { ms: 1 } })).toEqual([
      'point: required: the point to fault (http, rpc, db, dependency:<service>…)',
    ]);
    expect(issues({ kind: 'errors', point: 'bad point', params: { ratio: 1 } })).toEqual([
      'point: expected 1-128 characters of A-Z a-z 0-9 . _ : -',
    ]);
    expect(issues({ kind: 'hang', point: 'db', params: { ms: 1 } })).toEqual([
      'point: expected "process" or nothing: this fault acts on the process',
    ]);
    expect(issues({ id: 'a/b', kind: 'crash' })).toEqual([
      'id: expected 1-64 characters of A-Z a-z 0-9 . _ -',
    ]);
    expect(issues({ id: 'x'.repeat(65), kind: 'crash' })).toHaveLength(1);
    expect(issues({ kind: 'crash', durationMs: 0 })).toEqual([
      'durationMs: expected milliseconds from 1 to 86400000',
    ]);
    expect(issues({ kind: 'crash', durationMs: 86_400_001 })).toHaveLength(1);
    expect(issues({ kind: 'crash', target: 'cart' })).toEqual(['(root): Unrecognized key: "target"']);
  });

  it('refuses bad latency params', () => {
    const latency = (params: unknown) => issues({ kind: 'latency', point: 'http', params });
    expect(latency({})).toEqual(['params.ms: expected milliseconds from 0 to 60000']);
    expect(latency({ ms: 60_001 })).toEqual(['params.ms: expected milliseconds from 0 to 60000']);
    expect(latency({ ms: 1.5 })).toEqual(['params.ms: expected whole milliseconds from 0 to 60000']);
    expect(latency({ ms: 10, jitterMs: -1 })).toEqual([
      'params.jitterMs: expected milliseconds from 0 to 60000',
    ]);
    expect(latency({ ms: 10, distribution: 'normal' })).toEqual([
      'params.distribution: expected one of fixed, uniform, exponential, pareto',
    ]);
    expect(latency({ ms: 10, ratio: 1.5 })).toEqual(['params.ratio: expected a fraction from 0 to 1']);
    expect(latency({ ms: '10' })).toEqual(['params.ms: expected milliseconds from 0 to 60000']);
    expect(latency({ ms: 10, latencyMs: 5 })).toEqual(['params: Unrecognized key: "latencyMs"']);
  });

  it('refuses bad errors params', () => {
    const errors = (params: unknown) => issues({ kind: 'errors', point: 'http', params });
    expect(errors({})).toEqual(['params.ratio: expected a fraction from 0 to 1']);
    expect(errors({ ratio: -0.1 })).toEqual(['params.ratio: expected a fraction from 0 to 1']);
    expect(errors({ ratio: 1, status: 418 })).toEqual([
      'params.status: expected one of 400, 401, 403, 404, 409, 413, 415, 429, 500, 502, 503, 504',
    ]);
    expect(errors({ ratio: 1, status: 200 })).toHaveLength(1);
    expect(errors({ ratio: 1, grpcCode: 'OK' })).toEqual([
      'params.grpcCode: expected a gRPC code name such as UNAVAILABLE',
    ]);
  });

  it('refuses bad process params', () => {
    expect(issues({ kind: 'hang', params: { ms: 0 } })).toEqual([
      'params.ms: expected milliseconds from 1 to 60000',
    ]);
    expect(issues({ kind: 'hang', params: {} })).toHaveLength(1);
    expect(issues({ kind: 'cpu', params: { percent: 0 } })).toEqual([
      'params.percent: expected a percentage from 1 to 100',
    ]);
    expect(issues({ kind: 'cpu', params: { percent: 101 } })).toHaveLength(1);
    expect(issues({ kind: 'cpu', params: { percent: 50.5 } })).toEqual([
      'params.percent: expected a whole percentage from 1 to 100',
    ]);
    expect(issues({ kind: 'memory', params: { mbPerSecond: 0 } })).toEqual([
      'params.mbPerSecond: expected MiB per second from 0.1 to 1024',
    ]);
    expect(issues({ kind: 'memory', params: { mbPerSecond: 1, maxMb: 0 } })).toEqual([
      'params.maxMb: expected MiB from 1 to 65536',
    ]);
    expect(issues({ kind: 'crash', params: { exitCode: 256 } })).toEqual([
      'params.exitCode: expected an exit code from 0 to 255',
    ]);
    expect(issues({ kind: 'stall', point: 'bus-consumer', params: { ms: 1 } })).toEqual([
      'params: Unrecognized key: "ms"',
    ]);
  });
});
