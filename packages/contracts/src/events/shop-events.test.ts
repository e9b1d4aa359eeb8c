import { describe, expect, it } from 'vitest';
import { eventMetadataSchema, eventTypeNameSchema } from './envelope.js';
import { parseShopEventData, shopEventSchemas } from './shop-events.js';

const orderId = '019b76da-a800-7439-b1ca-5b9412bcf12d';

describe('shop event contracts', () => {
  it('names every type <entity>.<event>.v<major>', () => {
    for (const type of Object.keys(shopEventSchemas))
      expect(eventTypeNameSchema.safeParse(type).success, type).toBe(true);
    expect(eventTypeNameSchema.safeParse('OrderPlaced').success).toBe(false);
    expect(eventTypeNameSchema.safeParse('order.placed.v0').success).toBe(false);
  });

  it('accepts a valid order.placed.v1 and rejects money as a float', () => {
    const data = {
      orderId,
      userId: 'u-1',
      lines: [{ productId: orderId, quantity: 2, unitPrice: { amountMinor: 1999, currency: 'EUR' } }],
      total: { amountMinor: 3998, currency: 'EUR' },
      paymentId: 'pay-1',
    };
    expect(parseShopEventData('order.placed.v1', data)).toEqual(data);
    expect(() =>
      parseShopEventData('order.placed.v1', { ...data, total: { amountMinor: 39.98, currency: 'EUR' } }),
    ).toThrow();
    expect(() => parseShopEventData('order.placed.v1', { ...data, lines: [] })).toThrow();
  });

  it('rejects an unknown cancellation reason', () => {
    expect(() =>
      parseShopEventData('order.cancelled.v1', { orderId, userId: 'u', reason: 'bored' }),
    ).toThrow();
  });

  it('requires id, type, key and an ISO time in the metadata', () => {
    expect(
      eventMetadataSchema.safeParse({
        id: 'e1',
        type: 'order.placed.v1',
        key: orderId,
        time: '2026-11-23T10:00:00Z',
      }).success,
    ).toBe(true);
    expect(
      eventMetadataSchema.safeParse({ id: '', type: 'order.placed.v1', key: 'k', time: 'yesterday' }).success,
    ).toBe(false);
  });
});
