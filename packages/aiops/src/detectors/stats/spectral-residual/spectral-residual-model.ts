/**
 * Spectral residual detector over a sliding window: the newest point's saliency relative to the average
 * saliency of the points just before it (the paper's (S - mean S) / mean S with a z = 21 neighbourhood).
 */
import { DetectorSnapshotError, type DetectorContext } from '../../detector.js';
import { RobustScale, type RobustScaleState } from '../common/robust-scale.js';
import { StateReader } from '../common/state-reader.js';
import type { StatsModel } from '../common/stats-detector.js';
import { tailScore } from '../common/tail-score.js';
import { EXTENSION, extend, saliencyMap } from './saliency.js';

/** Window length including the extrapolated tail: a power of two for the FFT. */
const WINDOW = 64;
const HISTORY = WINDOW - EXTENSION;
/** Preceding saliency values the newest one is compared with (paper: z = 21). */
const NEIGHBOURHOOD = 21;
/** Smallest spread of relative saliency considered (it is a ratio, so this is scale-free). */
const SALIENCY_FLOOR = 0.05;

export interface SpectralResidualState {
  /** The last HISTORY values, oldest first. */
  history: number[];
  robust: RobustScaleState;
}

export class SpectralResidualModel implements StatsModel<SpectralResidualState> {
  private readonly re = new Float64Array(WINDOW);
  private readonly im = new Float64Array(WINDOW);
  private readonly amp = new Float64Array(WINDOW);
  private readonly logAmp = new Float64Array(WINDOW);
  private readonly robust: RobustScale;

  constructor(private readonly s: SpectralResidualState) {
    this.robust = new RobustScale(s.robust);
  }

  static create(_context: DetectorContext): SpectralResidualModel {
    return new SpectralResidualModel({ history: [], robust: RobustScale.empty().state() });
  }

  static restore(state: unknown): SpectralResidualModel {
    const r = new StateReader('spectral-residual', state);
    const history = r.numbers('history');
    if (history.length > HISTORY) {
      throw new DetectorSnapshotError(
        `spectral-residual: history has ${history.length} values, at most ${HISTORY}`,
      );
    }
    const robust = new StateReader('spectral-residual robust', r.object('robust'));
    return new SpectralResidualModel({
      history,
      robust: { warm: robust.numbers('warm'), median: robust.number('median'), mad: robust.number('mad') },
    });
  }

  score(_timestampMs: number, value: number): number {
    const history = this.s.history;
    history.push(value);
    if (history.length > HISTORY) history.shift();
    if (history.length < HISTORY) return 0;
    extend(history, this.re);
    saliencyMap(this.re, this.im, this.amp, this.logAmp);
    const newest = HISTORY - 1;
    let sum = 0;
    for (let i = newest - NEIGHBOURHOOD; i < newest; i += 1) sum += this.re[i]!;
    const mean = sum / NEIGHBOURHOOD;
    if (!(mean > 0)) return 0;
    const newestSaliency = this.re[newest]!;
    if (!(newestSaliency > 0)) return 0;
    const relative = (newestSaliency - mean) / mean;
    // Relative saliency is heavy-tailed and its spread differs by series: it is standardised against its
    // own streaming median/MAD, and only excesses (more salient than usual) count.
    const score = this.robust.ready()
      ? tailScore(Math.max(0, relative - this.robust.median()) / this.robust.sigma(SALIENCY_FLOOR))
      : 0;
    this.robust.observe(relative, SALIENCY_FLOOR);
    return score;
  }

  state(): SpectralResidualState {
    return { history: [...this.s.history], robust: this.robust.state() };
  }
}
