import { headers as createHeaders, type MsgHdrs } from '@nats-io/transport-node';
import type { EventEnvelope } from '../../event-bus.js';
import { PARTITION_COUNT } from '../../partition.js';
import { DEAD_LETTER_SUFFIX, isDeadLetterStream } from '../../validation.js';

/** Headers carrying the envelope fields (the message payload is the JSON of `data`). */
export const EVENT_HEADERS = {
  id: 'Opsloop-Event-Id',
  type: 'Opsloop-Event-Type',
  key: 'Opsloop-Event-Key',
  time: 'Opsloop-Event-Time',
} as const;

const SYSTEM_HEADER = /^(?:nats-|opsloop-)/i;

/** JetStream stream of a bus stream: the same name, with the `.dlq` suffix spelled `_dlq` (no dots allowed). */
export function natsStreamName(stream: string): string {
  return isDeadLetterStream(stream) ? `${stream.slice(0, -DEAD_LETTER_SUFFIX.length)}_dlq` : stream;
}

/** Subject of a partition: `<stream>.p<partition>` (`orders.p3`, `orders.dlq.p3`). */
export function partitionSubject(stream: string, partition: number): string {
  return `${stream}.p${partition}`;
}

/** Subjects captured by a bus stream's JetStream stream. */
export function streamSubjects(stream: string): string[] {
  return Array.from({ length: PARTITION_COUNT }, (_, partition) => partitionSubject(stream, partition));
}

/** Durable consumer of a group on one partition (`_` cannot occur in group names, so no collisions). */
export function durableName(group: string, partition: number): string {
  return `${group}_p${partition}`;
}

/** The message headers of an event: envelope fields plus the event's own headers. */
export function encodeHeaders(event: EventEnvelope): MsgHdrs {
  const headers = createHeaders();
  headers.set(EVENT_HEADERS.id, event.id);
  headers.set(EVENT_HEADERS.type, event.type);
  headers.set(EVENT_HEADERS.key, event.key);
  headers.set(EVENT_HEADERS.time, event.time);
  for (const [name, value] of Object.entries(event.headers ?? {})) headers.set(name, value);
  return headers;
}

/** Approximate encoded size of headers (`NATS/1.0` line, `name: value` lines, blank line). */
export function headersSize(headers: MsgHdrs): number {
  let size = 12;
  for (const [name, values] of headers)
    for (const value of values) size += name.length + Buffer.byteLength(value) + 4;
  return size;
}

/** Rebuilds the envelope of a message; undefined when it is not one of ours. */
export function decodeEnvelope(headers: MsgHdrs | undefined, payload: string): EventEnvelope | undefined {
  if (headers === undefined) return undefined;
  const id = headers.get(EVENT_HEADERS.id);
  const type = headers.get(EVENT_HEADERS.type);
  const key = headers.get(EVENT_HEADERS.key);
  const time = headers.get(EVENT_HEADERS.time);
  if (!id || !type || !key || !time) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(payload);
  } catch {
    return undefined;
  }
  const user: Record<string, string> = {};
  let any = false;
  for (const [name, values] of headers) {
    if (SYSTEM_HEADER.test(name)) continue;
    user[name] = values[values.length - 1] ?? '';
    any = true;
  }
  return { id, type, key, time, data, ...(any ? { headers: user } : {}) };
}
