import type { ArtimeState } from './artime-detector.js';

/**
 * ARTime's state as plain JSON and back. Everything is JSON already except the category weights, a
 * Float32Array, which travels as base64 of its used part (little-endian floats: exact, and about a third of
 * the size of decimal text).
 */
export function encodeState(state: ArtimeState): unknown {
  const { art } = state;
  const used = art.weights.subarray(0, art.count * art.width);
  const weights = Buffer.from(used.buffer, used.byteOffset, used.byteLength).toString('base64');
  return JSON.parse(JSON.stringify({ ...state, art: { ...art, weights } })) as unknown;
}

export function decodeState(json: unknown): ArtimeState {
  const copy = JSON.parse(JSON.stringify(json)) as ArtimeState & { art: { weights: unknown } };
  const encoded = copy.art.weights;
  if (typeof encoded !== 'string') throw new TypeError('ARTime weights must be a base64 string');
  const bytes = Buffer.from(encoded, 'base64');
  const expected = copy.art.count * copy.art.width;
  if (bytes.byteLength !== expected * 4)
    throw new TypeError('ARTime weights do not match the category count');
  const weights = new Float32Array(Math.max(expected, 1));
  weights.set(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
  copy.art.weights = weights;
  return copy;
}
