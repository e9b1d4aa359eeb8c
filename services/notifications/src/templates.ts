import type { ShopEventData, ShopEventType } from '@opsloop/contracts';
import { formatMoney } from './money.js';
import type { MailTemplate } from './tables.js';

/** The event types that become an email. */
export const MAIL_EVENT_TYPES = [
  'user.registered.v1',
  'order.placed.v1',
  'order.cancelled.v1',
  'payment.failed.v1',
] as const satisfies readonly ShopEventType[];

/** An event type that becomes an email. */
export type MailEventType = (typeof MAIL_EVENT_TYPES)[number];

/** A handled event: its type and its validated data. */
export type MailEvent = {
  [T in MailEventType]: { type: T; data: ShopEventData<T> };
}[MailEventType];

/** The text of one email, before addressing. */
export interface RenderedMail {
  template: MailTemplate;
  subject: string;
  body: string;
}

/** Whether `type` is one of {@link MAIL_EVENT_TYPES}. */
export function isMailEventType(type: string): type is MailEventType {
  return (MAIL_EVENT_TYPES as readonly string[]).includes(type);
}

const CANCEL_REASONS: Record<ShopEventData<'order.cancelled.v1'>['reason'], string> = {
  'out-of-stock': 'an item of your order is out of stock',
  'payment-declined': 'your payment was declined',
  'payment-error': 'we could not process your payment',
  timeout: 'we could not complete your order in time',
  'user-cancelled': 'you cancelled it',
  internal: 'of a problem on our side',
};

const SIGNATURE = ['', '-- ', 'The opsloop shop', ''];

/** The short form of an order id shown in subjects (its first 8 characters). */
function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * Renders the plain-text email of an event. Pure: the same event always gives the same text, so a mail
 * rewritten after a crash is byte-identical. Amounts are integer minor units, formatted exactly.
 */
export function renderMail(event: MailEvent): RenderedMail {
  switch (event.type) {
    case 'user.registered.v1':
      return {
        template: 'welcome',
        subject: 'Welcome to the opsloop shop',
        body: ['Hello,', '', `your account ${event.data.email} is ready. Happy shopping!`, ...SIGNATURE].join(
          '\n',
        ),
      };
    case 'order.placed.v1': {
      const { orderId, lines, total, paymentId } = event.data;
      return {
        template: 'order-placed',
        subject: `Your order ${shortId(orderId)} is confirmed`,
        body: [
          'Thank you for your order.',
          '',
          `Order:   ${orderId}`,
          ...lines.map(
            (line) =>
              `  ${line.quantity} x ${line.productId} at ${formatMoney(line.unitPrice.amountMinor, line.unitPrice.currency)}` +
              ` = ${formatMoney(BigInt(line.quantity) * BigInt(line.unitPrice.amountMinor), line.unitPrice.currency)}`,
          ),
          `Total:   ${formatMoney(total.amountMinor, total.currency)}`,
          `Payment: ${paymentId}`,
          ...SIGNATURE,
        ].join('\n'),
      };
    }
    case 'order.cancelled.v1': {
      const { orderId, reason } = event.data;
      return {
        template: 'order-cancelled',
        subject: `Your order ${shortId(orderId)} was cancelled`,
        body: [
          `Your order ${orderId} was cancelled because ${CANCEL_REASONS[reason]}.`,
          'You have not been charged for it.',
          '',
          `Reason code: ${reason}`,
          ...SIGNATURE,
        ].join('\n'),
      };
    }
    case 'payment.failed.v1': {
      const { orderId, amount, reason } = event.data;
      return {
        template: 'payment-failed',
        subject: `Payment for your order ${shortId(orderId)} failed`,
        body: [
          `The payment of ${formatMoney(amount.amountMinor, amount.currency)} for your order ${orderId} failed.`,
          '',
          `Reason: ${reason}`,
          ...SIGNATURE,
        ].join('\n'),
      };
    }
  }
}
