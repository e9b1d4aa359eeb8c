import type { Labels } from '../model/labels.js';

const SEPARATOR = 0xff;
const encoder = new TextEncoder();

/**
 * The fingerprint Alertmanager (and Prometheus's model) gives a label set: FNV-1a 64 over the sorted
 * names and values, each followed by a 0xff separator, as 16 hex digits. Same labels, same fingerprint,
 * so receivers can correlate our notifications with Alertmanager's.
 */
export function alertFingerprint(labels: Labels): string {
  // 64-bit FNV-1a in two 32-bit halves (BigInt is ~10x slower). The prime is 2^40 + 0x1b3, so
  // h × prime = h × 0x1b3 + (h << 40), and h << 40 only adds lo << 8 to the high half.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    const loProduct = lo * 0x1b3;
    hi = (hi * 0x1b3 + lo * 256 + Math.floor(loProduct / 4294967296)) >>> 0;
    lo = loProduct >>> 0;
  };
  for (const name of Object.keys(labels).sort()) {
    const value = labels[name]!;
    if (value === '') continue;
    for (const b of encoder.encode(name)) add(b);
    add(SEPARATOR);
    for (const b of encoder.encode(value)) add(b);
    add(SEPARATOR);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
