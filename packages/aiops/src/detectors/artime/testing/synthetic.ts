/**
 * Deterministic synthetic series with one known anomaly each, for detector tests. A seeded generator keeps
 * every run identical; `anomalyAt` is the first anomalous index.
 */
export interface SyntheticSeries {
  readonly name: string;
  readonly values: number[];
  readonly anomalyAt: number;
  /** Points after `anomalyAt` within which a detection counts (gradual anomalies need longer). */
  readonly detectWithin: number;
}

export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const LENGTH = 4000;
const AT = 3000;

function base(seed: number, f: (i: number, noise: number) => number): number[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: LENGTH }, (_, i) => f(i, rnd() - 0.5));
}

export function syntheticSuite(): SyntheticSeries[] {
  const seasonal = (i: number) => 50 + 20 * Math.sin((2 * Math.PI * i) / 100);
  return [
    {
      name: 'spike',
      values: base(1, (i, n) => seasonal(i) + 2 * n + (i === AT ? 120 : 0)),
      anomalyAt: AT,
      detectWithin: 100,
    },
    {
      name: 'level shift',
      values: base(2, (i, n) => 50 + 2 * n + (i >= AT ? 40 : 0)),
      anomalyAt: AT,
      detectWithin: 100,
    },
    {
      name: 'variance change',
      values: base(3, (i, n) => 50 + (i >= AT ? 40 : 2) * n),
      anomalyAt: AT,
      detectWithin: 100,
    },
    {
      name: 'seasonal break',
      values: base(4, (i, n) => (i >= AT && i < AT + 300 ? 50 : seasonal(i)) + 2 * n),
      anomalyAt: AT,
      detectWithin: 100,
    },
    {
      name: 'flat line',
      values: base(5, (i, n) => (i >= AT && i < AT + 400 ? 50 : seasonal(i) + 2 * n)),
      anomalyAt: AT,
      detectWithin: 100,
    },
    {
      name: 'trend change',
      values: base(6, (i, n) => seasonal(i) + 2 * n + (i >= AT ? (i - AT) * 0.5 : 0)),
      anomalyAt: AT,
      detectWithin: 400,
    },
  ];
}
