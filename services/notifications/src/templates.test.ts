import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isMailEventType, MAIL_EVENT_TYPES, renderMail } from './templates.js';

const orderId = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';

describe('renderMail', () => {
  it('has one template per mailed event type', () => {
    expect(MAIL_EVENT_TYPES.every(isMailEventType)).toBe(true);
    expect(isMailEventType('order.shipped.v1')).toBe(false);
  });

  it('lists the lines and the total of a placed order, formatted from minor units', () => {
    const productId = randomUUID();
    const mail = renderMail({
      type: 'order.placed.v1',
      data: {
        orderId,
        userId: 'u1',
        lines: [{ productId, quantity: 3, unitPrice: { amountMinor: 1999, currency: 'EUR' } }],
        total: { amountMinor: 5997, currency: 'EUR' },
        paymentId: 'pay-1',
      },
    });
    expect(mail.template).toBe('order-placed');
    expect(mail.subject).toBe('Your order 0190a1b2 is confirmed');
    expect(mail.body).toContain(`Order:   ${orderId}`);
    expect(mail.body).toContain(`3 x ${productId} at 19.99 EUR = 59.97 EUR`);
    expect(mail.body).toContain('Total:   59.97 EUR');
    expect(mail.body).toContain('Payment: pay-1');
  });

  it('explains a cancellation and a failed payment with their reasons', () => {
    const cancelled = renderMail({
      type: 'order.cancelled.v1',
      data: { orderId, userId: 'u1', reason: 'out-of-stock' },
    });
    expect(cancelled.template).toBe('order-cancelled');
    expect(cancelled.subject).toBe('Your order 0190a1b2 was cancelled');
    expect(cancelled.body).toContain('because an item of your order is out of stock');
    expect(cancelled.body).toContain('Reason code: out-of-stock');

    const failed = renderMail({
      type: 'payment.failed.v1',
      data: {
        orderId,
        userId: 'u1',
        amount: { amountMinor: 120000, currency: 'JPY' },
        reason: 'card declined',
      },
    });
    expect(failed.template).toBe('payment-failed');
    expect(failed.subject).toBe('Payment for your order 0190a1b2 failed');
    expect(failed.body).toContain('The payment of 120,000 JPY');
    expect(failed.body).toContain('Reason: card declined');
  });

  it('welcomes a registered user', () => {
    const mail = renderMail({ type: 'user.registered.v1', data: { userId: 'u1', email: 'ada@example.com' } });
    expect(mail).toMatchObject({ template: 'welcome', subject: 'Welcome to the opsloop shop' });
    expect(mail.body).toContain('ada@example.com');
  });
});
