/** Which blocks retention removes. */

/** What retention needs to know of a block. */
export interface RetentionCandidate {
  readonly name: string;
  readonly minTime: number;
  /** Exclusive end of the block's range. */
  readonly maxTime: number;
  readonly diskBytes: number;
}

/**
 * Names of the blocks to delete: those entirely older than the newest block's end minus `retentionMs`, and,
 * with `retentionBytes`, the oldest ones beyond that total size (counting from the newest block down; the
 * newest is always kept).
 */
export function blocksBeyondRetention(
  blocks: readonly RetentionCandidate[],
  retentionMs: number,
  retentionBytes?: number,
): Set<string> {
  const doomed = new Set<string>();
  if (blocks.length === 0) return doomed;
  const newest = Math.max(...blocks.map((b) => b.maxTime));
  const byAge = [...blocks].sort((a, b) => b.maxTime - a.maxTime);
  let total = 0;
  byAge.forEach((block, i) => {
    total += block.diskBytes;
    if (block.maxTime <= newest - retentionMs) doomed.add(block.name);
    else if (retentionBytes !== undefined && i > 0 && total > retentionBytes) doomed.add(block.name);
  });
  return doomed;
}
