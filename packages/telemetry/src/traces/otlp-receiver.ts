/**
 * The OTLP/HTTP trace receiver, independent of the HTTP framework: content-type and content-encoding
 * negotiation, gzip with a bound on the inflated size, decoding of every span before anything is stored,
 * and the response body. https://opentelemetry.io/docs/specs/otlp/#otlphttp
 */
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { ProblemError } from '@opsloop/kit';
import { OtlpDecodeError, type OtlpDecodeResult } from './otlp-common.js';
import { decodeOtlpJson } from './otlp-json-decoder.js';
import { decodeOtlpProtobuf } from './otlp-proto-decoder.js';
import { encodeOtlpResponseJson, encodeOtlpResponseProtobuf } from './otlp-response.js';

const gunzipAsync = promisify(gunzip);

/** The `type` URI of the problem document sent for an undecodable OTLP request. */
export const OTLP_BAD_REQUEST_TYPE = 'https://opsloop.dev/problems/otlp-bad-request';

/** An OTLP request that cannot be decoded (400): nothing of it is stored; the sender must not retry it. */
export class OtlpBadRequestError extends Error {
  override readonly name = 'OtlpBadRequestError';
  readonly status = 400;
  readonly type = OTLP_BAD_REQUEST_TYPE;
  readonly title = 'OTLP request could not be decoded';
}

/** The two OTLP/HTTP encodings. */
export type OtlpFormat = 'protobuf' | 'json';

/** One received request, as the HTTP layer hands it over. */
export interface OtlpRequest {
  readonly body: Uint8Array;
  readonly contentType: string | undefined;
  readonly contentEncoding: string | undefined;
}

/** A decoded request. */
export interface OtlpReceived extends OtlpDecodeResult {
  readonly format: OtlpFormat;
}

/** Content types of the response for each format. */
export const OTLP_CONTENT_TYPES: Readonly<Record<OtlpFormat, string>> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** The format of a `content-type` header; throws a 415 problem for anything else. */
export function otlpFormatOf(contentType: string | undefined): OtlpFormat {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf';
  if (mediaType === 'application/json') return 'json';
  throw new ProblemError('unsupportedMediaType', {
    detail: 'send OTLP as application/x-protobuf or application/json',
  });
}

/**
 * Decodes an export request. Throws {@link OtlpBadRequestError} for a malformed body, and kit
 * `ProblemError`s for an unsupported type or encoding (415) or an inflated body over `maxInflatedBytes` (413).
 */
export async function receiveOtlp(request: OtlpRequest, maxInflatedBytes: number): Promise<OtlpReceived> {
  const format = otlpFormatOf(request.contentType);
  const body = await inflate(request.body, request.contentEncoding, maxInflatedBytes);
  try {
    const result = format === 'protobuf' ? decodeOtlpProtobuf(body) : decodeOtlpJson(parseJson(body));
    return { ...result, format };
  } catch (error) {
    if (error instanceof OtlpDecodeError) throw new OtlpBadRequestError(error.message, { cause: error });
    throw error;
  }
}

/** The success response for a decoded request: partial success when spans were rejected. */
export function otlpResponseBody(received: OtlpReceived): Uint8Array | string {
  const partial =
    received.rejected === 0
      ? undefined
      : { rejectedSpans: received.rejected, errorMessage: received.rejectReason ?? 'invalid spans' };
  return received.format === 'protobuf'
    ? encodeOtlpResponseProtobuf(partial)
    : encodeOtlpResponseJson(partial);
}

async function inflate(body: Uint8Array, encoding: string | undefined, max: number): Promise<Uint8Array> {
  const coding = (encoding ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return body;
  if (coding !== 'gzip') {
    throw new ProblemError('unsupportedMediaType', { detail: `content-encoding ${coding} is not supported` });
  }
  try {
    return await gunzipAsync(body, { maxOutputLength: max });
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ProblemError('payloadTooLarge', {
        detail: `inflated body exceeds the limit of ${max} bytes`,
      });
    }
    throw new OtlpBadRequestError('the body is not valid gzip', { cause: error });
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(utf8.decode(body)) as unknown;
  } catch (error) {
    throw new OtlpDecodeError('the body is not valid JSON', { cause: error });
  }
}
