import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtobufDecodeError, ProtobufReader, WireType } from './protobuf-reader.js';

/** A tiny protobuf writer for the tests (the production code only reads). */
function varintBytes(value: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, value);
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}

type Field =
  | { field: number; kind: 'varint'; value: bigint }
  | { field: number; kind: 'fixed64'; value: bigint }
  | { field: number; kind: 'fixed32'; value: number }
  | { field: number; kind: 'bytes'; value: Uint8Array };

function encode(fields: Field[]): Uint8Array {
  const out: number[] = [];
  for (const f of fields) {
    const wire = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 }[f.kind];
    out.push(...varintBytes(BigInt(f.field * 8 + wire)));
    if (f.kind === 'varint') out.push(...varintBytes(f.value));
    else if (f.kind === 'fixed64') {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(f.value);
      out.push(...b);
    } else if (f.kind === 'fixed32') {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(f.value);
      out.push(...b);
    } else out.push(...varintBytes(BigInt(f.value.length)), ...f.value);
  }
  return Uint8Array.from(out);
}

const fieldArb: fc.Arbitrary<Field> = fc.oneof(
  fc.record({
    field: fc.integer({ min: 1, max: 536870911 }),
    kind: fc.constant('varint' as const),
    value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  }),
  fc.record({
    field: fc.integer({ min: 1, max: 1000 }),
    kind: fc.constant('fixed64' as const),
    value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  fc.record({
    field: fc.integer({ min: 1, max: 1000 }),
    kind: fc.constant('fixed32' as const),
    value: fc.nat({ max: 0xffffffff }),
  }),
  fc.record({
    field: fc.integer({ min: 1, max: 1000 }),
    kind: fc.constant('bytes' as const),
    value: fc.uint8Array({ maxLength: 300 }),
  }),
);

describe('ProtobufReader', () => {
  it('reads back every field it is given, of every wire type', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const reader = new ProtobufReader(encode(fields));
        for (const f of fields) {
          const tag = reader.tag();
          expect(tag.field).toBe(f.field);
          if (f.kind === 'varint') {
            expect(tag.wireType).toBe(WireType.varint);
            expect(reader.varint64()).toBe(BigInt.asUintN(64, f.value));
          } else if (f.kind === 'fixed64') expect(reader.fixed64()).toBe(f.value);
          else if (f.kind === 'fixed32') expect(reader.fixed32()).toBe(f.value);
          else expect([...reader.bytes()]).toEqual([...f.value]);
        }
        expect(reader.done).toBe(true);
      }),
    );
  });

  it('skips any field by its wire type', () => {
    fc.assert(
      fc.property(fc.array(fieldArb, { maxLength: 20 }), (fields) => {
        const reader = new ProtobufReader(encode(fields));
        for (let i = 0; i < fields.length; i++) reader.skip(reader.tag().wireType);
        expect(reader.done).toBe(true);
      }),
    );
  });

  it('reads negative int64 as protobuf encodes them (10-byte two’s complement)', () => {
    const reader = new ProtobufReader(Uint8Array.from(varintBytes(-5n)));
    expect(reader.int64()).toBe(-5n);
  });

  it('throws ProtobufDecodeError on truncation, overlong varints, bad wire types and field 0', () => {
    const bad = [
      [0x08], // varint field without value
      [0x0a, 0x05, 0x01], // length 5, one byte present
      [0x09, 0x01, 0x02], // fixed64 cut short
      [0x08, ...Array(11).fill(0xff)], // varint longer than 10 bytes
      [0x0b], // group start (wire type 3)
      [0x00, 0x00], // field number 0
    ];
    for (const bytes of bad) {
      expect(() => {
        const reader = new ProtobufReader(Uint8Array.from(bytes));
        while (!reader.done) reader.skip(reader.tag().wireType);
      }, JSON.stringify(bytes)).toThrow(ProtobufDecodeError);
    }
    expect(() => new ProtobufReader(Uint8Array.from([0x0a, 0x02, 0xc3, 0x28])).string()).toThrow(
      ProtobufDecodeError,
    );
  });
});
