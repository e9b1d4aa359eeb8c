import { rpc } from '@opsloop/contracts';
import { Code, ConnectError } from '@opsloop/rpc';
import { describe, expect, it } from 'vitest';
import { stubOrder } from '../../test/support.js';
import { problemFromRpc } from '../rpc-problem.js';
import { ORDER_STATES, orderView, orderViewSchema } from './order-view.js';

describe('order JSON', () => {
  it('spells every proto state by its name, lower-case', () => {
    for (const [value, name] of ORDER_STATES.entries()) {
      expect(rpc.OrderState[value]?.toLowerCase()).toBe(name);
    }
    expect(Object.keys(rpc.OrderState).filter((k) => Number.isNaN(Number(k)))).toHaveLength(
      ORDER_STATES.length,
    );
  });

  it('translates money to { amountMinor, currency } numbers and times to ISO strings', () => {
    const order = {
      ...stubOrder('0190a0b0-0000-7000-8000-000000000001', 'user-1', [12]),
      state: rpc.OrderState.PAID,
      updatedAtMs: BigInt(Date.parse('2030-01-01T00:05:00Z')),
    };
    const view = orderView(order);
    expect(view).toEqual({
      orderId: '0190a0b0-0000-7000-8000-000000000001',
      state: 'paid',
      lines: [
        {
          productId: '00000000-0000-7000-8000-000000000012',
          quantity: 1,
          unitPrice: { amountMinor: 1200, currency: 'EUR' },
        },
      ],
      total: { amountMinor: 1200, currency: 'EUR' },
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:05:00.000Z',
    });
    expect(orderViewSchema.parse(view)).toEqual(view);
  });

  it('shows an unknown state as unspecified and missing money as zero', () => {
    const view = orderView({ ...stubOrder('x', 'u', []), state: 42 as rpc.OrderState, total: undefined });
    expect(view.state).toBe('unspecified');
    expect(view.total).toEqual({ amountMinor: 0, currency: 'XXX' });
  });
});

describe('gRPC errors as problems', () => {
  it.each([
    [Code.InvalidArgument, 400, 'validationFailed'],
    [Code.OutOfRange, 400, 'validationFailed'],
    [Code.NotFound, 404, 'resourceNotFound'],
    [Code.FailedPrecondition, 409, 'conflict'],
    [Code.AlreadyExists, 409, 'conflict'],
    [Code.Aborted, 409, 'conflict'],
    [Code.Unavailable, 503, 'upstreamUnavailable'],
    [Code.ResourceExhausted, 503, 'upstreamUnavailable'],
    [Code.DeadlineExceeded, 504, 'upstreamTimeout'],
    [Code.Internal, 502, 'badGateway'],
    [Code.Unknown, 502, 'badGateway'],
    [Code.Unauthenticated, 502, 'badGateway'],
    [Code.PermissionDenied, 502, 'badGateway'],
    [Code.Unimplemented, 502, 'badGateway'],
  ])('code %s → %s %s', (code, status, problem) => {
    const error = problemFromRpc(new ConnectError('boom', code), 'orders');
    expect(error.status).toBe(status);
    expect(error.code).toBe(problem);
  });

  it('treats a non-Connect error as a failure of the service', () => {
    expect(problemFromRpc(new Error('socket hang up'), 'orders').status).toBe(502);
  });
});
