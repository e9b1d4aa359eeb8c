/**
 * Error bursts of one service: error lines counted in 10-second buckets; a burst starts when the last minute
 * holds at least `minErrors` errors and `factor` times the usual rate (an exponentially weighted per-minute
 * baseline), and ends when the minute falls back under half of that. One event per burst, however long.
 */

const BUCKET_MS = 10_000;
const BUCKETS = 6;

export interface ErrorBurstOptions {
  /** Errors in one minute that may be a burst (default 10). */
  minErrors?: number;
  /** How many times the usual per-minute rate (default 5). */
  factor?: number;
  /** Half-life of the baseline in minutes (default 30). */
  halfLifeMinutes?: number;
}

/** The tracker's state as plain JSON. */
export interface ErrorBurstSnapshot {
  bucketStart: number;
  buckets: number[];
  baseline: number;
  inBurst: boolean;
  burstCount: number;
}

/** What a new error did. */
export type BurstChange = 'none' | 'started' | 'ended';

export class ErrorBurstTracker {
  private readonly minErrors: number;
  private readonly factor: number;
  private readonly decay: number;
  private state: ErrorBurstSnapshot;

  constructor(options: ErrorBurstOptions = {}, snapshot?: ErrorBurstSnapshot) {
    this.minErrors = options.minErrors ?? 10;
    this.factor = options.factor ?? 5;
    // Per bucket: the baseline is per minute, refreshed every 10 s.
    this.decay = 0.5 ** (1 / ((options.halfLifeMinutes ?? 30) * BUCKETS));
    this.state = snapshot
      ? { ...snapshot, buckets: [...snapshot.buckets] }
      : {
          bucketStart: -1,
          buckets: new Array<number>(BUCKETS).fill(0),
          baseline: 0,
          inBurst: false,
          burstCount: 0,
        };
  }

  /** Errors in the last minute. */
  get lastMinute(): number {
    return this.state.buckets.reduce((a, b) => a + b, 0);
  }

  /** The usual errors per minute. */
  get baseline(): number {
    return this.state.baseline;
  }

  /** Errors counted since the burst started (0 outside one). */
  get burstCount(): number {
    return this.state.burstCount;
  }

  /** Moves time to `atMs` (buckets roll; a quiet minute may end a burst). */
  advance(atMs: number): BurstChange {
    const s = this.state;
    const bucket = Math.floor(atMs / BUCKET_MS) * BUCKET_MS;
    if (s.bucketStart < 0) s.bucketStart = bucket;
    let change: BurstChange = 'none';
    // Catch up at most one minute of buckets, then jump (a long silence leaves them all empty).
    let steps = Math.min(Math.max(0, (bucket - s.bucketStart) / BUCKET_MS), BUCKETS + 1);
    while (steps-- > 0) {
      // Every minute feeds the baseline, bursts too: an error rate that lasts (20+ minutes at the defaults)
      // becomes the new normal rather than one endless burst.
      s.baseline = s.baseline * this.decay + (1 - this.decay) * this.lastMinute;
      s.buckets.shift();
      s.buckets.push(0);
      if (s.inBurst && this.lastMinute < this.threshold() / 2) {
        s.inBurst = false;
        s.burstCount = 0;
        change = 'ended';
      }
    }
    s.bucketStart = bucket;
    return change;
  }

  /** Counts one error line at `atMs`; says whether a burst started. */
  error(atMs: number): BurstChange {
    const ended = this.advance(atMs);
    const s = this.state;
    s.buckets[BUCKETS - 1]! += 1;
    if (s.inBurst) {
      s.burstCount += 1;
      return ended;
    }
    if (this.lastMinute >= this.threshold()) {
      s.inBurst = true;
      s.burstCount = this.lastMinute;
      return 'started';
    }
    return ended;
  }

  snapshot(): ErrorBurstSnapshot {
    return { ...this.state, buckets: [...this.state.buckets] };
  }

  private threshold(): number {
    return Math.max(this.minErrors, this.factor * this.state.baseline);
  }
}
