import type { ArtimeState } from './artime-detector.js';
import { inUnitRange } from './dvfa.js';
import { ARTIME_PARAMS, scheduleFromProbation, type Schedule } from './schedule.js';
import { TapeReader, TapeWriter } from './tape.js';
import { readWeights, writeWeights } from './weights-codec.js';

/**
 * ARTime's state as compact plain JSON and back, exactly. Counters and flags stay readable JSON; every double
 * and array goes into `data` (see tape.ts), and nothing that follows from the rest is stored:
 * - the schedule follows from `probationRows`; the encoder's step count, the network's clock and the
 *   classifier's match count all equal `steps` once the probation batch is learned (0 before);
 * - the downsampler's open block has `points − steps·step` values, and its moving average exists once a
 *   block closed; a closed block's stale sum/min/max are never read again, so they are not kept;
 * - the probation buffer holds `steps` values until it is learned, when the live range appears;
 * - category width is 4·window; `lastUsed` travels as ages (clock − lastUsed), small numbers.
 * The encoder checks these identities, so a change that breaks one fails loudly instead of restoring wrong.
 */
export interface ArtimeStateJson {
  probationRows: number;
  knownRange: boolean;
  points: number;
  skipped: number;
  steps: number;
  encoder: { medianLevel: number; below: number; above: number };
  classifier: {
    lastAnomalyStep: number;
    lastRhoUpdateStep: number;
    maskAfterCategory: boolean;
    stepsWithoutNewCluster: number;
    anomalyMatchCount: number;
  };
  art: { count: number; clusters: number };
  /** base64 of the deflated tapes. */
  data: string;
}

const LITERAL = 255;
/** Far above any real state (under 40 KB raw at 256 categories); bounds what a hostile snapshot can inflate to. */
const MAX_DATA_BYTES = 1 << 20;

export function encodeState(s: ArtimeState): ArtimeStateJson {
  const { window, levels } = ARTIME_PARAMS;
  const { step, trendWindow } = s.schedule;
  const learned = s.steps >= trendWindow;
  const clock = learned ? s.steps : 0;
  const openBlock = s.points - s.steps * step;
  check(s.encoder.steps === clock && s.art.clock === clock && s.classifier.matchMeanCount === clock, 'clock');
  check(
    s.downsampler.count === openBlock && (s.downsampler.movingAverage === null) === (s.steps === 0),
    'block',
  );
  check(
    s.probation.length === (learned ? 0 : s.steps) && (s.range !== null) === (learned || !!s.range?.known),
    'probation',
  );
  check(s.art.lastUsed.length === s.art.count && s.art.width === (s.art.count > 0 ? 4 * window : 0), 'art');
  check(s.encoder.recent.length === window && s.encoder.levelCounts.length === levels + 1, 'encoder');
  check(s.classifier.recentMatches.length === Math.floor(trendWindow / 2) + 1, 'recent matches');
  check(s.classifier.recentShortfalls.length === trendWindow + 1, 'recent shortfalls');

  const tape = new TapeWriter();
  if (s.range !== null) tape.float64s([s.range.lo, s.range.hi]);
  const ds = s.downsampler;
  if (openBlock > 0) tape.float64s([ds.sum, ds.min, ds.max]);
  if (ds.movingAverage !== null) tape.float64(ds.movingAverage);
  tape.float64s(s.probation);
  for (const v of s.encoder.recent) {
    const level = Math.round(v * levels) + 0; // −0 is no level: it goes as a literal
    if (level >= 0 && level <= levels && Object.is(level / levels, v)) tape.byte(level);
    else {
      tape.byte(LITERAL);
      tape.float64(v);
    }
  }
  for (const n of s.encoder.levelCounts) tape.uint(n);
  const cs = s.classifier;
  tape.float64s([cs.lastAnomalyMatch, cs.matchMean, cs.anomalyMatchSum, cs.anomalyMatchLast]);
  tape.float64s(cs.recentMatches);
  tape.float64s(cs.recentShortfalls);
  const art = s.art;
  tape.float64s([art.rhoLb, art.rhoUb, art.lastMatch, art.lastEnergy]);
  for (const used of art.lastUsed) tape.uint(clock - used);
  writeWeights(tape, art.weights, { count: art.count, window, levels });

  return {
    probationRows: s.schedule.probationRows,
    knownRange: s.range?.known ?? false,
    points: s.points,
    skipped: s.skipped,
    steps: s.steps,
    encoder: { medianLevel: s.encoder.medianLevel, below: s.encoder.below, above: s.encoder.above },
    classifier: {
      lastAnomalyStep: cs.lastAnomalyStep,
      lastRhoUpdateStep: cs.lastRhoUpdateStep,
      maskAfterCategory: cs.maskAfterCategory,
      stepsWithoutNewCluster: cs.stepsWithoutNewCluster,
      anomalyMatchCount: cs.anomalyMatchCount,
    },
    art: { count: art.count, clusters: art.clusters },
    data: tape.finish(),
  };
}

/** Decodes and validates; throws an Error naming the first thing malformed (the caller wraps it). */
export function decodeState(json: unknown): ArtimeState {
  const root = record(json, 'state');
  const { window, levels, maxCategories } = ARTIME_PARAMS;
  const probationRows = int(root, 'probationRows');
  if (probationRows < 2 * window || probationRows % 2 !== 0) throw new Error('bad probationRows');
  const schedule: Schedule = scheduleFromProbation(probationRows);
  const { step, trendWindow } = schedule;
  const knownRange = bool(root, 'knownRange');
  const points = int(root, 'points');
  const skipped = int(root, 'skipped');
  const steps = int(root, 'steps');
  const openBlock = points - steps * step;
  if (openBlock < 0 || openBlock >= step) throw new Error('points and steps disagree');
  const learned = steps >= trendWindow;
  const clock = learned ? steps : 0;
  const enc = record(root['encoder'], 'encoder');
  const cls = record(root['classifier'], 'classifier');
  const artJson = record(root['art'], 'art');
  const count = int(artJson, 'count');
  if (count > maxCategories) throw new Error('too many categories');
  const data = root['data'];
  if (typeof data !== 'string') throw new Error('"data" is not a string');

  const tape = new TapeReader(data, MAX_DATA_BYTES);
  const range = knownRange || learned ? { lo: tape.float64(), hi: tape.float64(), known: knownRange } : null;
  const [sum, min, max] = openBlock > 0 ? tape.float64s(3) : [0, 0, 0];
  const movingAverage = steps > 0 ? tape.float64() : null;
  const probation = tape.float64s(learned ? 0 : steps);
  const recent = Array.from({ length: window }, () => {
    const level = tape.byte();
    if (level === LITERAL) return tape.float64();
    if (level > levels) throw new Error(`level ${level} above ${levels}`);
    return level / levels;
  });
  const levelCounts = Array.from({ length: levels + 1 }, () => tape.uint());
  const medianLevel = int(enc, 'medianLevel');
  if (medianLevel > levels) throw new Error('median level out of range');
  const [lastAnomalyMatch, matchMean, anomalyMatchSum, anomalyMatchLast] = tape.float64s(4);
  const recentMatches = tape.float64s(Math.floor(trendWindow / 2) + 1);
  const recentShortfalls = tape.float64s(trendWindow + 1);
  const [rhoLb, rhoUb, lastMatch, lastEnergy] = tape.float64s(4);
  const lastUsed = Array.from({ length: count }, () => clock - tape.uint());
  if (lastUsed.some((used) => used < 0)) throw new Error('category older than the clock');
  const weights = readWeights(tape, { count, window, levels });
  tape.finish();

  return {
    schedule,
    range,
    points,
    skipped,
    downsampler: { count: openBlock, sum: sum!, min: min!, max: max!, movingAverage },
    steps,
    probation,
    encoder: {
      steps: clock,
      levelCounts,
      medianLevel,
      below: int(enc, 'below', true),
      above: int(enc, 'above', true),
      recent,
    },
    art: {
      rhoLb: rhoLb!,
      rhoUb: rhoUb!,
      weights,
      count,
      width: count > 0 ? 4 * window : 0,
      lastUsed,
      clusters: int(artJson, 'clusters'),
      lastMatch: lastMatch!,
      lastEnergy: lastEnergy!,
      clock,
      unitWeights: inUnitRange(weights, count * 4 * window),
      hint: -1,
    },
    classifier: {
      lastAnomalyStep: int(cls, 'lastAnomalyStep'),
      lastAnomalyMatch: lastAnomalyMatch!,
      lastRhoUpdateStep: int(cls, 'lastRhoUpdateStep'),
      maskAfterCategory: bool(cls, 'maskAfterCategory'),
      stepsWithoutNewCluster: int(cls, 'stepsWithoutNewCluster'),
      matchMeanCount: clock,
      matchMean: matchMean!,
      recentMatches,
      recentShortfalls,
      anomalyMatchSum: anomalyMatchSum!,
      anomalyMatchCount: int(cls, 'anomalyMatchCount'),
      anomalyMatchLast: anomalyMatchLast!,
    },
  };
}

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`ARTime state invariant broken (${what}): the snapshot layout needs updating`);
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`"${what}" is not an object`);
  }
  return value as Record<string, unknown>;
}

/** A safe integer, non-negative unless `signed` (the median tracker's counts may dip below 0). */
function int(r: Record<string, unknown>, key: string, signed = false): number {
  const value = r[key];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || (!signed && value < 0)) {
    throw new Error(`"${key}" is not a${signed ? 'n' : ' non-negative'} integer`);
  }
  return value;
}

function bool(r: Record<string, unknown>, key: string): boolean {
  const value = r[key];
  if (typeof value !== 'boolean') throw new Error(`"${key}" is not a boolean`);
  return value;
}
