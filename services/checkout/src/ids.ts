import { createHash, randomBytes } from 'node:crypto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function format(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits, so saga ids sort by creation time.
 * `now` is injected so tests control the timestamp part.
 */
export function uuidv7(now: number = Date.now()): string {
  const bytes = randomBytes(16);
  const ms = BigInt(Math.max(0, Math.floor(now)));
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return format(bytes);
}

/** The namespace of every id the saga derives (a fixed random UUID: never change it, ids would change). */
const SAGA_NAMESPACE = Buffer.from('3b0f6c1e8d2a4f57a1c49e0b7d5f2a63', 'hex');

/**
 * A UUIDv5 (RFC 9562, SHA-1 name-based) of `name` in the saga namespace. Deterministic: the same saga id
 * always gives the same order and reservation ids, which is what makes redoing a step after a crash safe.
 */
export function derivedUuid(name: string): string {
  const hash = createHash('sha1').update(SAGA_NAMESPACE).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return format(bytes);
}

/** The ids and idempotency keys a saga uses with its participants, all derived from the saga id. */
export interface SagaIds {
  orderId: string;
  reservationId: string;
  authorizeKey: string;
  captureKey: string;
  voidKey: string;
  refundKey: string;
}

/** Derives every participant id and key of the saga `sagaId`. */
export function sagaIds(sagaId: string): SagaIds {
  return {
    orderId: derivedUuid(`${sagaId}:order`),
    reservationId: derivedUuid(`${sagaId}:reservation`),
    authorizeKey: `checkout:${sagaId}:authorize`,
    captureKey: `checkout:${sagaId}:capture`,
    voidKey: `checkout:${sagaId}:void`,
    refundKey: `checkout:${sagaId}:refund`,
  };
}

/** Whether `value` is a lower-case UUID. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
