// NAB's "windowed Gaussian" baseline, two-sided: a point's score is how unlikely it is under a normal
// distribution fitted to the previous WINDOW points. Cheap and deterministic: the NAB scorer's pin test runs it.
import {
  DetectorSnapshotError,
  clampScore,
  isScorable,
  type Detector,
  type DetectorFactory,
  type DetectorSnapshot,
  type DetectorStats,
} from '../detector.js';
import { twoSidedTail } from './gaussian-tail.js';

const NAME = 'windowed-gaussian';
const VERSION = 1;
/** Points the mean and deviation are fitted on. */
const WINDOW = 1000;
/** Points before the first non-zero score. */
const WARM_UP = 30;
/** Deviations below this share of the level count as a constant window. */
const RELATIVE_EPSILON = 1e-12;

interface State {
  /** The window, oldest first. */
  values: number[];
  /** Sums are of (value − shift): the first value, so large levels do not cancel digits away. */
  shift: number;
  sum: number;
  sumSquares: number;
  /** Points since the sums were last recomputed from the window (bounds floating-point drift). */
  sinceRecompute: number;
  points: number;
  skipped: number;
}

// Sums of huge values can overflow: JSON has no Infinity, so non-finite numbers travel as strings.
const encode = (x: number): number | string => (Number.isFinite(x) ? x : String(x));
const decode = (x: unknown): number => (typeof x === 'string' ? Number(x) : (x as number));

class WindowedGaussian implements Detector {
  readonly #s: State;
  #head: number;

  constructor(state: State) {
    this.#s = state;
    this.#head = 0;
  }

  update(_timestampMs: number, value: number): number {
    if (!isScorable(value)) {
      this.#s.skipped += 1;
      return 0;
    }
    const s = this.#s;
    s.points += 1;
    if (s.values.length === 0) s.shift = value;
    const n = s.values.length;
    let score = 0;
    if (n >= WARM_UP) {
      const mean = s.sum / n;
      const variance = Math.max(0, s.sumSquares / n - mean * mean);
      const deviation = Math.sqrt(variance);
      const distance = Math.abs(value - s.shift - mean);
      const scale = RELATIVE_EPSILON * Math.max(1, Math.abs(mean + s.shift));
      if (deviation <= scale) score = distance > scale ? 1 : 0;
      else score = 1 - twoSidedTail(distance / deviation);
    }
    this.#push(value - s.shift);
    return clampScore(score);
  }

  #push(x: number): void {
    const s = this.#s;
    if (s.values.length < WINDOW) {
      s.values.push(x);
      s.sum += x;
      s.sumSquares += x * x;
    } else {
      const old = s.values[this.#head]!;
      s.values[this.#head] = x;
      this.#head = (this.#head + 1) % WINDOW;
      s.sum += x - old;
      s.sumSquares += x * x - old * old;
    }
    s.sinceRecompute += 1;
    if (s.sinceRecompute >= WINDOW) {
      s.sinceRecompute = 0;
      s.sum = 0;
      s.sumSquares = 0;
      for (const v of this.#ordered()) {
        s.sum += v;
        s.sumSquares += v * v;
      }
    }
  }

  #ordered(): number[] {
    const v = this.#s.values;
    return [...v.slice(this.#head), ...v.slice(0, this.#head)];
  }

  snapshot(): DetectorSnapshot {
    const s = this.#s;
    return {
      detector: NAME,
      version: VERSION,
      state: {
        values: this.#ordered(),
        shift: s.shift,
        sum: encode(s.sum),
        sumSquares: encode(s.sumSquares),
        sinceRecompute: s.sinceRecompute,
        points: s.points,
        skipped: s.skipped,
      },
    };
  }

  stats(): DetectorStats {
    return { points: this.#s.points, skipped: this.#s.skipped };
  }
}

function fromSnapshot(snapshot: DetectorSnapshot): State {
  if (snapshot.detector !== NAME || snapshot.version !== VERSION) {
    throw new DetectorSnapshotError(
      `expected a ${NAME} v${VERSION} snapshot, got ${String(snapshot.detector)} v${String(snapshot.version)}`,
    );
  }
  const raw = snapshot.state as Record<string, unknown> | null;
  const values = raw?.['values'];
  const state: State = {
    values: Array.isArray(values) ? (values as number[]).slice() : [],
    shift: decode(raw?.['shift']),
    sum: decode(raw?.['sum']),
    sumSquares: decode(raw?.['sumSquares']),
    sinceRecompute: decode(raw?.['sinceRecompute']),
    points: decode(raw?.['points']),
    skipped: decode(raw?.['skipped']),
  };
  const numbers = [state.shift, state.sinceRecompute, state.points, state.skipped, ...state.values];
  if (
    !Array.isArray(values) ||
    values.length > WINDOW ||
    numbers.some((x) => typeof x !== 'number' || !Number.isFinite(x)) ||
    typeof state.sum !== 'number' ||
    typeof state.sumSquares !== 'number'
  ) {
    throw new DetectorSnapshotError(`malformed ${NAME} snapshot`);
  }
  return state;
}

/** NAB's windowed-Gaussian baseline (two-sided, window 1000): the harness's reference detector. */
export const windowedGaussianDetector: DetectorFactory = {
  name: NAME,
  create: () =>
    new WindowedGaussian({
      values: [],
      shift: 0,
      sum: 0,
      sumSquares: 0,
      sinceRecompute: 0,
      points: 0,
      skipped: 0,
    }),
  restore: (snapshot) => new WindowedGaussian(fromSnapshot(snapshot)),
};
