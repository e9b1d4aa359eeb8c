import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EventEnvelope } from '@opsloop/bus';

/** Polls `condition` until it holds, for at most `timeoutMs` (a bound, never an assertion on speed). */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A shop event envelope with a fresh id. */
export function envelope(type: string, data: unknown, key: string = randomUUID()): EventEnvelope {
  return { id: randomUUID(), type, key, time: new Date().toISOString(), data };
}

/** The `.eml` files of a sink directory, sorted. */
export async function emlFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.eml')).sort();
}

/** A parsed `.eml` file: unfolded header fields by lower-cased name, and the body. */
export interface ParsedEml {
  raw: string;
  headers: Record<string, string>;
  body: string;
}

/** Reads and parses one `.eml` file. */
export async function readEml(dir: string, name: string): Promise<ParsedEml> {
  const raw = await readFile(join(dir, name), 'utf8');
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n(?=[ \t])/g, '');
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { raw, headers, body: raw.slice(split + 4) };
}

const money = (amountMinor: number, currency = 'EUR') => ({ amountMinor, currency });

/** Valid data of every mailed event type, for one user and order. */
export function shopEvents(userId: string, orderId: string = randomUUID()) {
  return {
    registered: envelope(
      'user.registered.v1',
      { userId, email: `${userId.slice(0, 8)}@example.com` },
      userId,
    ),
    placed: envelope(
      'order.placed.v1',
      {
        orderId,
        userId,
        lines: [
          { productId: randomUUID(), quantity: 2, unitPrice: money(1250) },
          { productId: randomUUID(), quantity: 1, unitPrice: money(99) },
        ],
        total: money(2599),
        paymentId: `pay-${orderId.slice(0, 8)}`,
      },
      orderId,
    ),
    cancelled: envelope('order.cancelled.v1', { orderId, userId, reason: 'payment-declined' }, orderId),
    paymentFailed: envelope(
      'payment.failed.v1',
      { orderId, userId, amount: money(2599), reason: 'card declined by the issuer' },
      orderId,
    ),
  };
}
