import { rpc } from '@opsloop/contracts';
import { Code, ConnectError } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { EchoService } from '../test/gen/opsloop/rpctest/v1/echo_pb.js';
import { backoffDelay, isRetryableError, isRetryableMethod, pushback, retryPolicy } from './retry-policy.js';

describe('retry policy', () => {
  it('applies the defaults: 3 attempts, 25 ms base, 400 ms cap', () => {
    expect(retryPolicy()).toEqual({ maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 400 });
    expect(retryPolicy({ maxAttempts: 0, baseDelayMs: -1 })).toEqual({
      maxAttempts: 1,
      baseDelayMs: 0,
      maxDelayMs: 400,
    });
  });

  it('reads idempotency_level from the descriptor', () => {
    expect(isRetryableMethod(EchoService.method.read)).toBe(true);
    expect(isRetryableMethod(EchoService.method.put)).toBe(true);
    expect(isRetryableMethod(EchoService.method.charge)).toBe(false);
  });

  it('finds every method of the shop contracts retryable (each declares its idempotency_level)', () => {
    const services = [
      rpc.InventoryService,
      rpc.PaymentsService,
      rpc.OrdersService,
      rpc.CartService,
      rpc.UsersService,
    ];
    for (const service of services)
      for (const method of service.methods) expect(isRetryableMethod(method), method.name).toBe(true);
  });

  it('retries UNAVAILABLE only', () => {
    expect(isRetryableError(new ConnectError('x', Code.Unavailable))).toBe(true);
    for (const code of [Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted, Code.Internal])
      expect(isRetryableError(new ConnectError('x', code))).toBe(false);
  });

  it('draws full-jitter exponential back-off below the capped ceiling', () => {
    const policy = retryPolicy({ baseDelayMs: 10, maxDelayMs: 50 });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0.9999))).toEqual([9, 19, 39, 49, 49]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('reads grpc-retry-pushback-ms', () => {
    const withTrailer = (value: string) =>
      new ConnectError('x', Code.Unavailable, { 'grpc-retry-pushback-ms': value });
    expect(pushback(new ConnectError('x', Code.Unavailable))).toBeUndefined();
    expect(pushback(withTrailer('250'))).toBe(250);
    expect(pushback(withTrailer('-1'))).toBe('stop');
    expect(pushback(withTrailer('soon'))).toBe('stop');
  });
});
