/**
 * Prometheus's staleness marker: a NaN with a specific bit pattern (0x7ff0000000000002) written when a
 * series disappears from a scrape, so queries stop returning it at once rather than 5 minutes later.
 * JavaScript keeps NaN payloads through Float64Array and DataView, so the marker survives storage.
 */

const STALE_NAN_BITS = 0x7ff0000000000002n;

const scratch = new DataView(new ArrayBuffer(8));

/** The staleness marker value. */
export const STALE_NAN: number = (() => {
  scratch.setBigUint64(0, STALE_NAN_BITS);
  return scratch.getFloat64(0);
})();

/** Whether a value is the staleness marker (not just any NaN). */
export function isStaleNaN(value: number): boolean {
  if (!Number.isNaN(value)) return false;
  scratch.setFloat64(0, value);
  return scratch.getBigUint64(0) === STALE_NAN_BITS;
}
