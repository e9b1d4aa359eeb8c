import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { floatFromBits, floatHi, floatLo } from './float-bits.js';
import { MAX_ABS_TIMESTAMP, MAX_SAMPLES_PER_CHUNK, XorChunkEncoder } from './xor-chunk.js';
import { chunkSampleCount, XorChunkIterator } from './xor-chunk-iterator.js';

interface BitsSample {
  t: number;
  hi: number;
  lo: number;
}

function decode(bytes: Uint8Array): BitsSample[] {
  const it = new XorChunkIterator(bytes);
  const out: BitsSample[] = [];
  while (it.next()) out.push({ t: it.t, hi: it.hi, lo: it.lo });
  return out;
}

function encode(samples: readonly BitsSample[]): Uint8Array {
  const encoder = new XorChunkEncoder(8);
  for (const s of samples) encoder.appendBits(s.t, s.hi, s.lo);
  return encoder.toBytes();
}

/** Increasing timestamps from a start and positive gaps, big gaps included. */
const timestampsArb = fc
  .tuple(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 14_990, max: 15_010 }),
        fc.integer({ min: 1, max: 2 ** 20 }),
        fc.integer({ min: 1, max: 2 ** 45 }),
      ),
      { maxLength: MAX_SAMPLES_PER_CHUNK - 1 },
    ),
  )
  .map(([start, gaps]) => {
    const out = [start];
    for (const gap of gaps) out.push(out[out.length - 1]! + gap);
    return out;
  });

const specialBits: ReadonlyArray<[number, number]> = [
  [floatHi(STALE_NAN), floatLo(STALE_NAN)],
  [0x7ff80000, 0], // canonical NaN
  [0xfff80000, 1], // negative NaN with a payload
  [0x7ff00000, 0], // +Inf
  [0xfff00000, 0], // -Inf
  [0x80000000, 0], // -0
  [0, 1], // smallest subnormal
  [0x000fffff, 0xffffffff], // largest subnormal
  [0, 0],
];

const bitsArb = fc.oneof(
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })),
  fc.constantFrom(...specialBits),
  fc.double().map((v): [number, number] => [floatHi(v), floatLo(v)]),
  fc.integer({ min: 0, max: 1000 }).map((v): [number, number] => [floatHi(v), floatLo(v)]),
);

describe('XOR chunk codec', () => {
  it('round-trips any increasing timestamps and any float64 bit patterns exactly', () => {
    fc.assert(
      fc.property(
        timestampsArb.chain((ts) =>
          fc
            .array(bitsArb, { minLength: ts.length, maxLength: ts.length })
            .map((values) => ts.map((t, i): BitsSample => ({ t, hi: values[i]![0], lo: values[i]![1] }))),
        ),
        (samples) => {
          const bytes = encode(samples);
          expect(chunkSampleCount(bytes)).toBe(samples.length);
          expect(decode(bytes)).toEqual(samples);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('round-trips repeated and slowly changing values (the window-reuse path)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constant(0), fc.integer({ min: -3, max: 3 })), {
          minLength: 1,
          maxLength: MAX_SAMPLES_PER_CHUNK,
        }),
        (steps) => {
          let v = 1000.5;
          const samples = steps.map((step, i): BitsSample => {
            v += step * 0.25;
            return { t: 1_700_000_000_000 + i * 15_000, hi: floatHi(v), lo: floatLo(v) };
          });
          expect(decode(encode(samples))).toEqual(samples);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('handles the extreme timestamp range and every delta-of-delta bucket edge', () => {
    const dods = [0, 1, -1, 8191, -8190, 8192, 8193, -65535, 65536, 65537, 524288, -524287, 524289, 2 ** 40];
    const ts = [-MAX_ABS_TIMESTAMP, -MAX_ABS_TIMESTAMP + 2_000_000];
    let delta = 2_000_000;
    for (const dod of [...dods, -(2 ** 40)]) {
      delta += dod;
      ts.push(ts[ts.length - 1]! + delta);
    }
    ts.push(MAX_ABS_TIMESTAMP);
    const samples = ts.map((t, i): BitsSample => ({ t, hi: i, lo: i * 7 }));
    expect(decode(encode(samples))).toEqual(samples);
  });

  it('keeps the staleness marker bit-exact through a float round trip', () => {
    const encoder = new XorChunkEncoder();
    encoder.append(1, 1.5);
    encoder.append(2, STALE_NAN);
    encoder.append(3, -0);
    const out = decode(encoder.toBytes());
    expect(floatFromBits(out[1]!.hi, out[1]!.lo)).toBeNaN();
    expect([out[1]!.hi, out[1]!.lo]).toEqual([floatHi(STALE_NAN), floatLo(STALE_NAN)]);
    expect(Object.is(floatFromBits(out[2]!.hi, out[2]!.lo), -0)).toBe(true);
  });

  it('compresses a regular counter to under 2 bytes per sample', () => {
    const encoder = new XorChunkEncoder();
    for (let i = 0; i < MAX_SAMPLES_PER_CHUNK; i++) encoder.append(1_700_000_000_000 + i * 15_000, i * 3);
    expect(encoder.byteLength / MAX_SAMPLES_PER_CHUNK).toBeLessThan(2);
  });

  it('reports a truncated chunk instead of inventing samples', () => {
    const encoder = new XorChunkEncoder();
    for (let i = 0; i < 10; i++) encoder.append(i * 1000 + (i % 3), Math.sqrt(i));
    const bytes = encoder.toBytes();
    expect(() => decode(bytes.subarray(0, bytes.length - 3))).toThrow(/ended/);
  });
});
