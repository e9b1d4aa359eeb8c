import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Code, ConnectError } from '@connectrpc/connect';
import { parseRpcInput, protoFieldPath } from './validate.js';

describe('parseRpcInput', () => {
  const schema = z.object({
    reservationId: z.uuid('must be a UUID'),
    lines: z.array(z.object({ productId: z.string().min(1, 'must not be empty') })),
  });

  it('returns the parsed value', () => {
    const id = '0190b5b0-0000-7000-8000-000000000001';
    expect(parseRpcInput(schema, { reservationId: id, lines: [] })).toEqual({ reservationId: id, lines: [] });
  });

  it('throws INVALID_ARGUMENT naming every field the .proto way', () => {
    let error: unknown;
    try {
      parseRpcInput(schema, { reservationId: 'x', lines: [{ productId: 'a' }, { productId: '' }] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage).toBe(
      'invalid request: reservation_id: must be a UUID; lines[1].product_id: must not be empty',
    );
  });

  it('names paths as the .proto does', () => {
    expect(protoFieldPath(['amount', 'amountMinor'])).toBe('amount.amount_minor');
    expect(protoFieldPath([])).toBe('(request)');
  });
});
