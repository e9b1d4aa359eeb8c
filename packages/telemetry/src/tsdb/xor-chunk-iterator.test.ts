import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { STALE_NAN } from '../model/stale-nan.js';
import { HI_WORD, LO_WORD, floatHi, floatLo } from './float-bits.js';
import { MAX_SAMPLES_PER_CHUNK, XorChunkEncoder } from './xor-chunk.js';
import { XorChunkIterator, decodeXorChunkInto } from './xor-chunk-iterator.js';

interface BitsSample {
  t: number;
  hi: number;
  lo: number;
}

function encode(samples: readonly BitsSample[]): Uint8Array {
  const encoder = new XorChunkEncoder(8);
  for (const s of samples) encoder.appendBits(s.t, s.hi, s.lo);
  return encoder.toBytes();
}

/** The reference: the iterator, filtered like decodeXorChunkInto filters. */
function viaIterator(bytes: Uint8Array, limit: number, minT: number, maxT: number): BitsSample[] {
  const it = new XorChunkIterator(bytes);
  const out: BitsSample[] = [];
  for (let i = 0; i < limit && it.next(); i++) {
    if (it.t < minT) continue;
    if (it.t > maxT) break;
    out.push({ t: it.t, hi: it.hi, lo: it.lo });
  }
  return out;
}

function viaBulk(bytes: Uint8Array, limit: number, minT: number, maxT: number, at = 3): BitsSample[] {
  const t = new Float64Array(at + MAX_SAMPLES_PER_CHUNK);
  const v = new Float64Array(at + MAX_SAMPLES_PER_CHUNK);
  const words = new Uint32Array(v.buffer);
  const n = decodeXorChunkInto(bytes, limit, minT, maxT, t, words, at);
  const out: BitsSample[] = [];
  for (let i = at; i < n; i++)
    out.push({ t: t[i]!, hi: words[2 * i + HI_WORD]!, lo: words[2 * i + LO_WORD]! });
  return out;
}

const gapArb = fc.oneof(
  fc.integer({ min: 1, max: 30 }),
  fc.integer({ min: 14_990, max: 15_010 }),
  fc.integer({ min: 1, max: 2 ** 20 }),
  fc.integer({ min: 1, max: 2 ** 45 }),
);

const bitsArb = fc.oneof(
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })),
  fc.constant<[number, number]>([floatHi(STALE_NAN), floatLo(STALE_NAN)]),
  fc.constant<[number, number]>([0x80000000, 0]),
  fc.double().map((v): [number, number] => [floatHi(v), floatLo(v)]),
  fc.integer({ min: 0, max: 1000 }).map((v): [number, number] => [floatHi(v), floatLo(v)]),
  fc.integer({ min: 0, max: 1000 }).map((v): [number, number] => [floatHi(v / 8), floatLo(v / 8)]),
);

const samplesArb = fc
  .tuple(
    fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
    fc.array(fc.tuple(gapArb, bitsArb), { maxLength: MAX_SAMPLES_PER_CHUNK - 1 }),
    bitsArb,
  )
  .map(([start, rest, first]) => {
    const out: BitsSample[] = [{ t: start, hi: first[0], lo: first[1] }];
    for (const [gap, [hi, lo]] of rest) out.push({ t: out[out.length - 1]!.t + gap, hi, lo });
    return out;
  });

describe('decodeXorChunkInto', () => {
  it('decodes exactly what the iterator decodes, for any chunk, limit and time range', () => {
    fc.assert(
      fc.property(
        samplesArb,
        fc.nat({ max: MAX_SAMPLES_PER_CHUNK + 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (samples, limit, a, b) => {
          const bytes = encode(samples);
          const first = samples[0]!.t;
          const span = samples[samples.length - 1]!.t - first;
          const minT = first + Math.floor(span * Math.min(a, b)) - 1;
          const maxT = first + Math.floor(span * Math.max(a, b)) + 1;
          expect(viaBulk(bytes, limit, minT, maxT)).toEqual(viaIterator(bytes, limit, minT, maxT));
          expect(viaBulk(bytes, Infinity, -Infinity, Infinity)).toEqual(samples);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('fails on a truncated chunk instead of inventing samples', () => {
    const encoder = new XorChunkEncoder();
    for (let i = 0; i < 10; i++) encoder.append(i * 1000 + (i % 3), Math.sqrt(i));
    const bytes = encoder.toBytes();
    expect(() => viaBulk(bytes.subarray(0, bytes.length - 3), 10, -Infinity, Infinity)).toThrow(/ended/);
  });

  it('writes nothing for an empty chunk or a zero limit', () => {
    const encoder = new XorChunkEncoder();
    expect(viaBulk(encoder.toBytes(), 10, -Infinity, Infinity)).toEqual([]);
    encoder.append(5, 1);
    expect(viaBulk(encoder.toBytes(), 0, -Infinity, Infinity)).toEqual([]);
  });
});
