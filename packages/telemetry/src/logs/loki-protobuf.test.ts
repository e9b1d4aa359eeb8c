import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePushRequest, ProtobufError } from './loki-protobuf.js';

describe('protobuf PushRequest reader', () => {
  it('decodes a hand-assembled request and skips unknown fields', () => {
    const line = [...Buffer.from('hi')];
    const labels = [...Buffer.from('{a="b"}')];
    const ts = [0x08, 0x01, 0x10, 0x02]; // seconds 1, nanos 2
    const entry = [0x0a, ts.length, ...ts, 0x12, line.length, ...line];
    const stream = [0x0a, labels.length, ...labels, 0x12, entry.length, ...entry, 0x18, 0x07];
    const request = new Uint8Array([0x0a, stream.length, ...stream, 0x10, 0x01]);
    expect(decodePushRequest(request)).toEqual([
      { labels: '{a="b"}', entries: [{ timestampNs: 1_000_000_002n, line: 'hi' }] },
    ]);
  });

  it('never fails on random bytes with anything but a ProtobufError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          decodePushRequest(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
