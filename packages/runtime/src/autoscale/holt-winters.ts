/**
 * Additive Holt-Winters exponential smoothing (Hyndman & Athanasopoulos, "Forecasting: Principles and
 * Practice", §8.3) with parameters fitted by minimising the one-step-ahead squared error:
 *
 *   level   ℓₜ = α(yₜ − sₜ₋ₘ) + (1 − α)(ℓₜ₋₁ + bₜ₋₁)
 *   trend   bₜ = β(ℓₜ − ℓₜ₋₁) + (1 − β)bₜ₋₁
 *   season  sₜ = γ(yₜ − ℓₜ) + (1 − γ)sₜ₋ₘ
 *   forecast ŷₜ₊ₕ = ℓₜ + h·bₜ + sₜ₊ₕ₋ₘ₍ₖ₊₁₎,  k = ⌊(h − 1)/m⌋
 *
 * With fewer than two full seasons (or no season) it is Holt's linear trend method (no season term); with one
 * point, a constant; with none, zero. Work is bounded: a fixed grid then a capped Nelder–Mead refinement.
 */

/** Options of {@link fitHoltWinters}. */
export interface HoltWintersOptions {
  /** Season length m in samples; 0 or undefined means no season (Holt's linear trend). */
  seasonLength?: number;
  /** Fixed smoothing parameters instead of fitting them (each in [0, 1]). */
  params?: { alpha: number; beta: number; gamma?: number };
  /** Nelder–Mead iterations after the grid search; 0 keeps the best grid point. Default 120. */
  maxIterations?: number;
}

/** The method a model ended up using, which depends on how much history there was. */
export type HoltWintersKind = 'empty' | 'constant' | 'holt' | 'holt-winters';

/** A fitted model: the smoothed state at the last sample and the parameters that produced it. */
export interface HoltWintersModel {
  kind: HoltWintersKind;
  alpha: number;
  beta: number;
  gamma: number;
  level: number;
  trend: number;
  /** Seasonal terms for the next m steps (index 0 is the step after the last sample); empty without season. */
  season: number[];
  /** Sum of squared one-step-ahead errors over the fitted samples. */
  sse: number;
  /** Samples fitted. */
  n: number;
  /** Forecasts 1 … `steps` samples after the last one; never NaN. */
  forecast(steps: number): number[];
  /** The forecast exactly `steps` samples ahead (0 = the smoothed current level + season). */
  forecastAt(steps: number): number;
}

/** Bad input to the forecaster; the message names the field. */
export class HoltWintersError extends Error {
  override readonly name = 'HoltWintersError';
}

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
}

interface State {
  level: number;
  trend: number;
  /** Circular: season[(t) mod m] is the term for time t. */
  season: number[];
  sse: number;
  /** Index of the next sample (time t + 1 of the state). */
  next: number;
}

const GRID = [0.05, 0.2, 0.35, 0.5, 0.65, 0.8, 0.95];

/** Fits a model to `series` (equally spaced samples, oldest first) and returns it. */
export function fitHoltWinters(
  series: readonly number[],
  options: HoltWintersOptions = {},
): HoltWintersModel {
  series.forEach((y, i) => {
    if (!Number.isFinite(y)) throw new HoltWintersError(`series[${i}] must be a finite number, got ${y}`);
  });
  const m = options.seasonLength ?? 0;
  if (!Number.isInteger(m) || m < 0 || m === 1) {
    throw new HoltWintersError(`seasonLength must be 0 (none) or an integer ≥ 2, got ${m}`);
  }
  const maxIterations = options.maxIterations ?? 120;
  if (!Number.isInteger(maxIterations) || maxIterations < 0) {
    throw new HoltWintersError(`maxIterations must be an integer ≥ 0, got ${maxIterations}`);
  }
  if (options.params) checkParams(options.params);

  const n = series.length;
  if (n === 0)
    return model(
      'empty',
      { alpha: 0, beta: 0, gamma: 0 },
      { level: 0, trend: 0, season: [], sse: 0, next: 0 },
      0,
    );
  if (n === 1) {
    return model(
      'constant',
      { alpha: 0, beta: 0, gamma: 0 },
      { level: series[0]!, trend: 0, season: [], sse: 0, next: 1 },
      0,
    );
  }
  const seasonal = m >= 2 && n >= 2 * m;
  const kind: HoltWintersKind = seasonal ? 'holt-winters' : 'holt';
  const season = seasonal ? m : 0;
  const run = (p: Params) => smooth(series, season, p);

  let best: Params;
  if (options.params) {
    best = { alpha: options.params.alpha, beta: options.params.beta, gamma: options.params.gamma ?? 0 };
  } else {
    best = gridSearch(run, seasonal);
    if (maxIterations > 0) best = nelderMead(run, best, seasonal, maxIterations);
  }
  return model(kind, best, run(best), season);
}

function checkParams(params: { alpha: number; beta: number; gamma?: number }): void {
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) {
      throw new HoltWintersError(`params.${name} must be a number in [0, 1], got ${String(value)}`);
    }
  }
}

/** Initial state, then one smoothing pass accumulating the one-step-ahead squared errors. */
function smooth(series: readonly number[], m: number, p: Params): State {
  const state = m > 0 ? initSeasonal(series, m) : initHolt(series);
  for (let t = state.next; t < series.length; t++) {
    const y = series[t]!;
    const s = m > 0 ? state.season[t % m]! : 0;
    const predicted = state.level + state.trend + s;
    state.sse += (y - predicted) ** 2;
    const level = p.alpha * (y - s) + (1 - p.alpha) * (state.level + state.trend);
    state.trend = p.beta * (level - state.level) + (1 - p.beta) * state.trend;
    state.level = level;
    if (m > 0) state.season[t % m] = p.gamma * (y - level) + (1 - p.gamma) * s;
  }
  state.next = series.length;
  return state;
}

/** Holt: the level starts at the first sample and the trend at the first difference. */
function initHolt(series: readonly number[]): State {
  return { level: series[1]!, trend: series[1]! - series[0]!, season: [], sse: 0, next: 2 };
}

/**
 * Holt-Winters: the trend is the difference of the first two season means per step; the season terms are the
 * first season's deviations from that trend line (so a pure ramp gets a zero season and is fitted exactly);
 * the level is the trend line's value at the last sample of the first season.
 */
function initSeasonal(series: readonly number[], m: number): State {
  const mean = (from: number) => series.slice(from, from + m).reduce((a, b) => a + b, 0) / m;
  const first = mean(0);
  const trend = (mean(m) - first) / m;
  const centre = (m - 1) / 2;
  const season = Array.from({ length: m }, (_, i) => series[i]! - (first + (i - centre) * trend));
  return { level: first + centre * trend, trend, season, sse: 0, next: m };
}

function sanitize(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

function model(kind: HoltWintersKind, p: Params, state: State, m: number): HoltWintersModel {
  const level = sanitize(state.level);
  const trend = sanitize(state.trend);
  const season = Array.from({ length: m }, (_, h) => sanitize(state.season[(state.next + h) % m]!));
  const forecastAt = (steps: number): number => {
    if (!Number.isInteger(steps) || steps < 0) {
      throw new HoltWintersError(`steps must be an integer ≥ 0, got ${steps}`);
    }
    // Season term of time (last + steps): the circular index wraps as k = ⌊(h − 1)/m⌋ does.
    const s = m > 0 ? season[(((steps - 1) % m) + m) % m]! : 0;
    return sanitize(level + steps * trend + s);
  };
  return {
    kind,
    alpha: p.alpha,
    beta: p.beta,
    gamma: p.gamma,
    level,
    trend,
    season,
    sse: sanitize(state.sse),
    n: state.next,
    forecastAt,
    forecast(steps) {
      if (!Number.isInteger(steps) || steps < 0) {
        throw new HoltWintersError(`steps must be an integer ≥ 0, got ${steps}`);
      }
      return Array.from({ length: steps }, (_, i) => forecastAt(i + 1));
    },
  };
}

function gridSearch(run: (p: Params) => State, seasonal: boolean): Params {
  let best: Params = { alpha: 0.5, beta: 0.5, gamma: 0 };
  let bestSse = Infinity;
  // Descending order with a strict improvement test: on ties (a clean ramp fits every pair exactly) the most
  // responsive parameters win, so a trend that stops is followed quickly.
  const values = [...GRID].reverse();
  for (const alpha of values) {
    for (const beta of values) {
      for (const gamma of seasonal ? values : [0]) {
        const sse = run({ alpha, beta, gamma }).sse;
        if (sse < bestSse) [best, bestSse] = [{ alpha, beta, gamma }, sse];
      }
    }
  }
  return best;
}

/** Nelder–Mead over the unit cube (points clamped into it), starting around the grid's best point. */
function nelderMead(
  run: (p: Params) => State,
  start: Params,
  seasonal: boolean,
  maxIterations: number,
): Params {
  const dims = seasonal ? 3 : 2;
  const clamp = (x: number) => Math.min(1, Math.max(0, x));
  const toParams = (v: readonly number[]): Params => ({
    alpha: clamp(v[0]!),
    beta: clamp(v[1]!),
    gamma: seasonal ? clamp(v[2]!) : 0,
  });
  const cost = (v: readonly number[]) => run(toParams(v)).sse;
  const origin = seasonal ? [start.alpha, start.beta, start.gamma] : [start.alpha, start.beta];
  let simplex = [origin];
  for (let d = 0; d < dims; d++) {
    const vertex = [...origin];
    vertex[d] = vertex[d]! > 0.5 ? vertex[d]! - 0.1 : vertex[d]! + 0.1;
    simplex.push(vertex);
  }
  let costs = simplex.map(cost);
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    const order = costs.map((c, i) => [c, i] as const).sort((a, b) => a[0] - b[0]);
    simplex = order.map(([, i]) => simplex[i]!);
    costs = order.map(([c]) => c);
    const bestCost = costs[0]!;
    const worstCost = costs[dims]!;
    if (Math.abs(worstCost - bestCost) <= 1e-12 * (1 + Math.abs(bestCost))) break;
    const centroid = Array.from({ length: dims }, (_, d) => {
      let sum = 0;
      for (let i = 0; i < dims; i++) sum += simplex[i]![d]!;
      return sum / dims;
    });
    const worst = simplex[dims]!;
    const along = (t: number) => centroid.map((c, d) => c + t * (c - worst[d]!));
    const reflected = along(1);
    const reflectedCost = cost(reflected);
    if (reflectedCost < bestCost) {
      const expanded = along(2);
      const expandedCost = cost(expanded);
      [simplex[dims], costs[dims]] =
        expandedCost < reflectedCost ? [expanded, expandedCost] : [reflected, reflectedCost];
    } else if (reflectedCost < costs[dims - 1]!) {
      [simplex[dims], costs[dims]] = [reflected, reflectedCost];
    } else {
      const contracted = along(reflectedCost < worstCost ? 0.5 : -0.5);
      const contractedCost = cost(contracted);
      if (contractedCost < Math.min(reflectedCost, worstCost)) {
        [simplex[dims], costs[dims]] = [contracted, contractedCost];
      } else {
        const best = simplex[0]!;
        simplex = simplex.map((v, i) => (i === 0 ? v : v.map((x, d) => best[d]! + 0.5 * (x - best[d]!))));
        costs = simplex.map(cost);
      }
    }
  }
  let bestIndex = 0;
  costs.forEach((c, i) => {
    if (c < costs[bestIndex]!) bestIndex = i;
  });
  const result = toParams(simplex[bestIndex]!);
  // Never return something worse than the grid gave (possible when the simplex collapses at a bound).
  return cost([result.alpha, result.beta, result.gamma]) <= run(start).sse ? result : start;
}
