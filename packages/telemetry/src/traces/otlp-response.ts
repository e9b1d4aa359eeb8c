/**
 * Encodes the OTLP `ExportTraceServiceResponse` { ExportTracePartialSuccess partial_success = 1 } with
 * ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2 }. A full success is the
 * empty message: zero bytes in protobuf, `{}` in JSON.
 */

/** The partial-success part of a response; absent when every span was accepted. */
export interface OtlpPartialSuccess {
  readonly rejectedSpans: number;
  readonly errorMessage: string;
}

function varint(value: number, out: number[]): void {
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
}

/** The protobuf encoding of a response. */
export function encodeOtlpResponseProtobuf(partial?: OtlpPartialSuccess): Uint8Array {
  if (partial === undefined) return new Uint8Array(0);
  const inner: number[] = [];
  if (partial.rejectedSpans !== 0) {
    inner.push(0x08); // field 1, varint
    varint(partial.rejectedSpans, inner);
  }
  const message = new TextEncoder().encode(partial.errorMessage);
  if (message.length > 0) {
    inner.push(0x12); // field 2, length-delimited
    varint(message.length, inner);
    for (const byte of message) inner.push(byte);
  }
  const out: number[] = [0x0a]; // field 1 (partial_success), length-delimited
  varint(inner.length, out);
  return Uint8Array.from([...out, ...inner]);
}

/** The OTLP/JSON encoding of a response (int64 as a decimal string, per the protobuf JSON mapping). */
export function encodeOtlpResponseJson(partial?: OtlpPartialSuccess): string {
  if (partial === undefined) return '{}';
  return JSON.stringify({
    partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage },
  });
}
