/**
 * Decodes and validates a Loki push body: JSON (optionally gzip/deflate encoded) or protobuf + snappy
 * (Promtail's default; any content type other than JSON, as Loki). Everything is checked before anything
 * is stored: a bad request is refused whole.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { uncompress } from 'snappyjs';
import { parseStreamSelector } from './logql-parser.js';
import { decodePushRequest, ProtobufError, type PushedStream } from './loki-protobuf.js';
import { checkLogEntry, InvalidLogEntryError } from './log-entry.js';
import type { LogAppendEntry } from './log-source.js';

/** A push request that cannot be stored; the message is what the client sees. */
export class PushError extends Error {
  override readonly name = 'PushError';
}

/** Largest decompressed push body accepted. */
export const MAX_PUSH_BYTES = 64 * 1024 * 1024;

function decodeContent(body: Buffer, encoding: string | undefined): Buffer {
  const enc = (encoding ?? '').trim().toLowerCase();
  try {
    if (enc === '' || enc === 'identity') return body;
    if (enc === 'gzip' || enc === 'x-gzip') return gunzipSync(body, { maxOutputLength: MAX_PUSH_BYTES });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: MAX_PUSH_BYTES });
  } catch (error) {
    throw new PushError(`cannot decode the ${enc} body: ${(error as Error).message}`);
  }
  throw new PushError(`unsupported Content-Encoding ${JSON.stringify(encoding)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonPush(text: string): LogAppendEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new PushError(`invalid JSON body: ${(error as Error).message}`);
  }
  if (!isRecord(parsed) || !Array.isArray(parsed['streams'])) {
    throw new PushError('the body must be an object with a "streams" array');
  }
  const entries: LogAppendEntry[] = [];
  parsed['streams'].forEach((stream: unknown, i) => {
    if (!isRecord(stream) || !isRecord(stream['stream']) || !Array.isArray(stream['values'])) {
      throw new PushError(`streams[${i}] must have a "stream" object and a "values" array`);
    }
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(stream['stream'])) {
      if (typeof value !== 'string') throw new PushError(`streams[${i}].stream.${name} must be a string`);
      labels[name] = value;
    }
    stream['values'].forEach((value: unknown, j) => {
      const at = `streams[${i}].values[${j}]`;
      if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
        throw new PushError(`${at} must be ["<unix epoch in nanoseconds>", "<log line>"]`);
      }
      const [ts, line] = value as unknown[];
      if (typeof ts !== 'string' || !/^\d{1,19}$/.test(ts)) {
        throw new PushError(`${at}: the timestamp must be a string of nanoseconds since the epoch`);
      }
      if (typeof line !== 'string') throw new PushError(`${at}: the line must be a string`);
      entries.push({ labels, timestampNs: BigInt(ts), line });
    });
  });
  return entries;
}

function protobufEntries(streams: readonly PushedStream[]): LogAppendEntry[] {
  const entries: LogAppendEntry[] = [];
  for (const stream of streams) {
    let labels: Record<string, string>;
    try {
      const matchers = parseStreamSelector(stream.labels);
      if (matchers.some((m) => m.type !== '=')) throw new Error('only name="value" pairs are allowed');
      labels = Object.fromEntries(matchers.map((m) => [m.name, m.value]));
    } catch (error) {
      throw new PushError(
        `error parsing labels ${JSON.stringify(stream.labels)}: ${(error as Error).message}`,
      );
    }
    for (const entry of stream.entries)
      entries.push({ labels, timestampNs: entry.timestampNs, line: entry.line });
  }
  return entries;
}

/**
 * The entries of a push body, all validated; throws {@link PushError} for anything wrong.
 * `contentType` picks JSON (`application/json`) or protobuf + snappy (anything else).
 */
export function decodePush(
  body: Buffer,
  contentType: string | undefined,
  contentEncoding: string | undefined,
): LogAppendEntry[] {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const content = decodeContent(body, contentEncoding);
  let entries: LogAppendEntry[];
  if (mediaType === 'application/json') {
    entries = parseJsonPush(content.toString('utf8'));
  } else {
    let raw: Uint8Array;
    try {
      raw = uncompress(
        new Uint8Array(content.buffer, content.byteOffset, content.byteLength),
        MAX_PUSH_BYTES,
      );
    } catch (error) {
      throw new PushError(`cannot snappy-decode the protobuf body: ${(error as Error).message}`);
    }
    try {
      entries = protobufEntries(decodePushRequest(raw));
    } catch (error) {
      if (error instanceof ProtobufError)
        throw new PushError(`invalid protobuf PushRequest: ${error.message}`);
      throw error;
    }
  }
  for (const entry of entries) {
    try {
      checkLogEntry(entry);
    } catch (error) {
      if (error instanceof InvalidLogEntryError) throw new PushError(error.message);
      throw error;
    }
  }
  return entries;
}
