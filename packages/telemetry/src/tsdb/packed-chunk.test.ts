import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { BitStreamEndError } from './bit-reader.js';
import { chunkIterator, decodeChunkInto, isPackedChunk } from './chunk-iterator.js';
import { recodeChunk } from './chunk-recode.js';
import { floatFromBits, floatHi, floatLo, HI_WORD, LO_WORD } from './float-bits.js';
import { encodePackedChunk, PACKED_CHUNK_ENCODING, VALUES_XOR, type SampleColumns } from './packed-chunk.js';
import { PackedChunkIterator } from './packed-chunk-iterator.js';
import { MAX_ABS_TIMESTAMP, MAX_SAMPLES_PER_CHUNK, XorChunkEncoder } from './xor-chunk.js';

interface BitsSample {
  t: number;
  hi: number;
  lo: number;
}

function xorEncode(samples: readonly BitsSample[]): Uint8Array {
  const encoder = new XorChunkEncoder(8);
  for (const s of samples) encoder.appendBits(s.t, s.hi, s.lo);
  return encoder.toBytes();
}

function columns(samples: readonly BitsSample[]): SampleColumns {
  return {
    t: Float64Array.from(samples, (s) => s.t),
    hi: Uint32Array.from(samples, (s) => s.hi),
    lo: Uint32Array.from(samples, (s) => s.lo),
    count: samples.length,
  };
}

/** The samples of a chunk of either encoding through the iterator. */
function iterate(bytes: Uint8Array): BitsSample[] {
  const it = chunkIterator(bytes);
  const out: BitsSample[] = [];
  while (it.next()) out.push({ t: it.t, hi: it.hi, lo: it.lo });
  return out;
}

/** The samples in [minT, maxT] of a chunk through the bulk decoder (at most `limit`). */
function bulk(bytes: Uint8Array, limit = 255, minT = -Infinity, maxT = Infinity): BitsSample[] {
  const t = new Float64Array(limit);
  const words = new Uint32Array(limit * 2);
  const n = decodeChunkInto(bytes, limit, minT, maxT, t, words, 0);
  return Array.from({ length: n }, (_, i) => ({
    t: t[i]!,
    hi: words[2 * i + HI_WORD]!,
    lo: words[2 * i + LO_WORD]!,
  }));
}

function bitsOf(value: number): [number, number] {
  return [floatHi(value), floatLo(value)];
}

/** Increasing timestamps: regular scrapes, jittered ones, or any gaps up to 2^45. */
const timestampsArb = fc
  .tuple(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.oneof(fc.constant('regular' as const), fc.constant('jitter' as const), fc.constant('any' as const)),
    fc.array(
      fc.oneof(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 14_990, max: 15_010 }),
        fc.integer({ min: 1, max: 2 ** 45 }),
      ),
      { maxLength: MAX_SAMPLES_PER_CHUNK - 1 },
    ),
  )
  .map(([start, kind, gaps]) => {
    const out = [start];
    for (const gap of gaps) {
      const step = kind === 'regular' ? 15_000 : kind === 'jitter' ? 15_000 + (gap % 7) - 3 : gap;
      out.push(out[out.length - 1]! + step);
    }
    return out;
  });

const specialBits: ReadonlyArray<[number, number]> = [
  bitsOf(STALE_NAN),
  [0x7ff80000, 0], // canonical NaN
  [0xfff80000, 1], // negative NaN with a payload
  [0x7ff00000, 0], // +Inf
  [0xfff00000, 0], // -Inf
  [0x80000000, 0], // -0
  [0, 1], // smallest subnormal
  [0x000fffff, 0xffffffff], // largest subnormal
  [0, 0],
];

/** Any float64 bit patterns. */
const anyBitsArb = fc.oneof(
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })),
  fc.constantFrom(...specialBits),
  fc.double().map(bitsOf),
);

/**
 * Value runs of `length` like scraped ones: counters with random increments, integer gauges (up to and past
 * 2^50), short decimals (m / 10^e), constants — occasionally broken by a special value or a full float.
 */
function scrapedValuesArb(length: number): fc.Arbitrary<Array<[number, number]>> {
  const steps = fc.array(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), {
    minLength: length,
    maxLength: length,
  });
  const run = fc.oneof(
    fc
      .tuple(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.array(fc.nat({ max: 5000 }), { minLength: length, maxLength: length }),
      )
      .map(([start, incs]) => {
        let v = start;
        return incs.map((inc) => (v += inc));
      }),
    fc.tuple(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), steps).map(([start, deltas]) => {
      let v = start;
      return deltas.map((d) => (v += d));
    }),
    fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: -(2 ** 30), max: 2 ** 30 }), steps)
      .map(([e, start, deltas]) => {
        let m = start;
        return deltas.map((d) => (m += d) / 10 ** e);
      }),
    fc.double({ noNaN: true }).map((v) => Array.from({ length }, () => v)),
    // Counters summed from decimal increments in floating point: a few ulps off the decimals.
    fc
      .tuple(
        fc.integer({ min: 1, max: 9 }),
        fc.double({ min: -1e6, max: 1e9, noNaN: true }),
        fc.array(fc.integer({ min: -5000, max: 200_000 }), { minLength: length, maxLength: length }),
      )
      .map(([e, start, incs]) => {
        let v = start;
        return incs.map((inc) => (v += inc / 10 ** e));
      }),
  );
  return fc
    .tuple(run, fc.array(fc.tuple(fc.nat({ max: Math.max(0, length - 1) }), anyBitsArb), { maxLength: 2 }))
    .map(([values, breaks]) => {
      const bits = values.map(bitsOf);
      for (const [at, value] of breaks) if (at < bits.length) bits[at] = value;
      return bits;
    });
}

function samplesOf(ts: readonly number[], values: ReadonlyArray<[number, number]>): BitsSample[] {
  return ts.map((t, i) => ({ t, hi: values[i]![0] >>> 0, lo: values[i]![1] >>> 0 }));
}

/** Recodes an XOR chunk and checks both decoders give the samples back exactly. */
function expectRoundTrip(samples: readonly BitsSample[]): Uint8Array {
  const xor = xorEncode(samples);
  const recoded = recodeChunk(xor, samples.length);
  expect(recoded.length).toBeLessThanOrEqual(xor.length);
  expect(iterate(recoded)).toEqual(samples);
  expect(bulk(recoded)).toEqual(samples);
  return recoded;
}

describe('packed chunks', () => {
  it('round-trip any increasing timestamps and any float64 bit patterns exactly (XOR value mode)', () => {
    fc.assert(
      fc.property(
        timestampsArb.chain((ts) =>
          fc.array(anyBitsArb, { minLength: ts.length, maxLength: ts.length }).map((v) => samplesOf(ts, v)),
        ),
        (samples) => {
          const bytes = encodePackedChunk(columns(samples), null);
          expect(bytes[0]).toBe(PACKED_CHUNK_ENCODING);
          expect(iterate(bytes)).toEqual(samples);
          expect(bulk(bytes)).toEqual(samples);
          expectRoundTrip(samples);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('round-trip integer- and decimal-heavy runs exactly, whichever encoding wins', () => {
    fc.assert(
      fc.property(
        timestampsArb.chain((ts) => scrapedValuesArb(ts.length).map((v) => samplesOf(ts, v))),
        (samples) => {
          expectRoundTrip(samples);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('packs a regular counter to a fraction of its XOR size', () => {
    const samples = Array.from({ length: MAX_SAMPLES_PER_CHUNK }, (_, i) => {
      const [hi, lo] = bitsOf(1_000_000 + i * 37 + (i % 5));
      return { t: 1_700_000_000_000 + i * 15_000, hi, lo };
    });
    const xor = xorEncode(samples);
    const packed = expectRoundTrip(samples);
    expect(isPackedChunk(packed)).toBe(true);
    expect(packed.length).toBeLessThan(xor.length / 2);
  });

  it('stores a constant series at regular intervals in a few bytes (no per-sample bits)', () => {
    const samples = Array.from({ length: MAX_SAMPLES_PER_CHUNK }, (_, i) => {
      const [hi, lo] = bitsOf(0.25);
      return { t: 1_700_000_000_000 + i * 5_000, hi, lo };
    });
    expect(expectRoundTrip(samples).length).toBeLessThan(16);
  });

  it('packs short decimals (seconds with microseconds) as scaled integers', () => {
    let micros = 123_456_789;
    const samples = Array.from({ length: MAX_SAMPLES_PER_CHUNK }, (_, i) => {
      micros += 1000 + ((i * 7919) % 4000);
      const [hi, lo] = bitsOf(micros / 1e6);
      return { t: 1_700_000_000_000 + i * 5_000, hi, lo };
    });
    const packed = expectRoundTrip(samples);
    // 12–13 bits per delta instead of XOR's ~40.
    expect(packed.length / MAX_SAMPLES_PER_CHUNK).toBeLessThan(2.2);
  });

  it('packs counters summed from decimals (a few ulps off them) as integers plus bit corrections', () => {
    let seconds = 1234.5;
    const samples = Array.from({ length: MAX_SAMPLES_PER_CHUNK }, (_, i) => {
      seconds += (1000 + ((i * 7919) % 40_000)) / 1e6;
      const [hi, lo] = bitsOf(seconds);
      return { t: 1_700_000_000_000 + i * 5_000, hi, lo };
    });
    const xor = xorEncode(samples);
    const packed = expectRoundTrip(samples);
    expect(isPackedChunk(packed)).toBe(true);
    expect(packed.length).toBeLessThan(xor.length / 2);
  });

  it('keeps the staleness marker, −0 and ±Inf bit-exact among integers', () => {
    // Bits, not numbers: a NaN kept in a JS array may be canonicalised by V8.
    const stale = bitsOf(STALE_NAN);
    const values: Array<[number, number]> = [
      bitsOf(1),
      bitsOf(2),
      stale,
      bitsOf(4),
      [0x80000000, 0],
      [0x7ff00000, 0],
      [0xfff00000, 0],
      bitsOf(8),
    ];
    const samples = values.map(([hi, lo], i) => ({ t: 1000 * i, hi, lo }));
    const out = iterate(expectRoundTrip(samples));
    expect([out[2]!.hi, out[2]!.lo]).toEqual(stale);
    expect(stale).toEqual([0x7ff00000, 2]);
    expect(Object.is(floatFromBits(out[4]!.hi, out[4]!.lo), -0)).toBe(true);
  });

  it('keeps −0 alone in a chunk of zeros (no integer form, so XOR values)', () => {
    const samples = [0, 0, -0, 0].map((v, i) => ({ t: i * 10, hi: floatHi(v), lo: floatLo(v) }));
    const recoded = expectRoundTrip(samples);
    if (isPackedChunk(recoded)) {
      // Mode bits follow the header: 2 bytes, a 1-byte first timestamp, a 1-byte delta, the regular bit.
      expect((recoded[4]! >>> 5) & 3).toBe(VALUES_XOR);
    }
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
    expectRoundTrip(ts.map((t, i) => ({ t, hi: floatHi(i * 3), lo: floatLo(i * 3) })));
  });

  it('bulk-decodes only [minT, maxT] and at most `limit` samples, like the iterator', () => {
    fc.assert(
      fc.property(
        timestampsArb.chain((ts) => scrapedValuesArb(ts.length).map((v) => samplesOf(ts, v))),
        fc.nat({ max: 130 }),
        fc.nat({ max: 130 }),
        fc.nat({ max: 130 }),
        (samples, a, b, limit) => {
          const bytes = encodePackedChunk(columns(samples), null);
          const recoded = recodeChunk(xorEncode(samples), samples.length);
          const at = (i: number): number => samples[Math.min(i, samples.length - 1)]!.t;
          const [minT, maxT] = [Math.min(at(a), at(b)), Math.max(at(a), at(b))];
          const want = samples.slice(0, limit).filter((s) => s.t >= minT && s.t <= maxT);
          expect(bulk(bytes, limit, minT, maxT)).toEqual(want);
          expect(bulk(recoded, limit, minT, maxT)).toEqual(want);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('bulk-decodes into a words view that no float view can share (odd offset)', () => {
    const samples = Array.from({ length: 50 }, (_, i) => ({
      t: 1_700_000_000_000 + i * 15_000,
      hi: floatHi(i * 0.125),
      lo: floatLo(i * 0.125),
    }));
    const packed = recodeChunk(xorEncode(samples), samples.length);
    expect(isPackedChunk(packed)).toBe(true);
    const t = new Float64Array(50);
    const words = new Uint32Array(new ArrayBuffer(4 + 50 * 8), 4, 100);
    expect(decodeChunkInto(packed, 50, -Infinity, Infinity, t, words, 0)).toBe(50);
    samples.forEach((s, i) => {
      expect([t[i], words[2 * i + HI_WORD], words[2 * i + LO_WORD]]).toEqual([s.t, s.hi, s.lo]);
    });
  });

  it('reports a truncated chunk instead of inventing samples', () => {
    const samples = Array.from({ length: 20 }, (_, i) => ({
      t: i * 1000 + (i % 3),
      hi: floatHi(i * 1_000_003),
      lo: floatLo(i * 1_000_003),
    }));
    const packed = recodeChunk(xorEncode(samples), samples.length);
    expect(isPackedChunk(packed)).toBe(true);
    const truncated = packed.subarray(0, packed.length - 3);
    expect(() => iterate(truncated)).toThrow(BitStreamEndError);
    expect(() => bulk(truncated)).toThrow(BitStreamEndError);
    expect(new PackedChunkIterator(packed).total).toBe(20);
  });

  it('refuses to pack more samples than its one-byte count holds', () => {
    const samples = Array.from({ length: 256 }, (_, i) => ({ t: i, hi: 0, lo: 0 }));
    expect(() => encodePackedChunk(columns(samples), null)).toThrow(RangeError);
    const xor = xorEncode(samples);
    expect(recodeChunk(xor, samples.length)).toEqual(xor);
  });
});
