import type { CanaryAnalysisOptions, LiveSeriesSnapshot } from '@opsloop/aiops';
import type { AnalysisRecord, ProgressStatus } from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import { combineJudgements } from '../analysis/combine-judgements.js';
import { judgeCanary, type Judgement } from '../analysis/judge-canary.js';
import {
  judgeWithDetectors,
  type DetectorJudgement,
  type DetectorSignal,
} from '../analysis/judge-detectors.js';
import { RevisionSeries } from '../analysis/revision-series.js';
import { servedSince, type TrafficSample } from '../analysis/traffic-sample.js';
import type { AnalysisSpec, StrategySpec } from '../spec/schema.js';

/** Samples of what each ready replica of a revision has served so far, by instance. */
export type MeasureRevision = (revision: string) => Promise<Map<string, TrafficSample>>;

/** What a blue-green or canary rollout reports (the controller turns them into runtime events). */
export type ProgressEvent =
  | { kind: 'step'; revision: string; weight: number; step: number; of: number }
  | { kind: 'analysis'; revision: string; weight: number; judgement: Judgement }
  | { kind: 'paused'; revision: string; reason: string };

// What `rollout status` shows of a rollout is a control API contract (shared with the CLI and the dashboard).
export type { AnalysisRecord, ProgressStatus };

/** Counts and traffic a pass should bring the service to. */
export interface ProgressPlan {
  /** Replicas of the stable revision to keep. */
  stable: number;
  /** Replicas of the new revision to have. */
  next: number;
  /** Percent of new requests per revision. */
  split: Record<string, number>;
  /** The revision reachable through the preview name, if any. */
  preview: string | undefined;
  /** Every new replica is ready and the traffic may switch: the controller promotes in this pass. */
  switchNow: boolean;
}

/** Options of {@link ProgressiveRollout}. */
export interface ProgressiveRolloutOptions {
  strategy: Extract<StrategySpec, { type: 'BlueGreen' | 'Canary' }>;
  stableRevision: string;
  newRevision: string;
  /** An undo or automatic rollback: switch as soon as the replicas are ready. */
  fastTrack: boolean;
  clock: Clock;
  measure?: MeasureRevision;
  report(event: ProgressEvent): void;
  /** Asks the controller for a pass (after a verdict or a timer). */
  kick(): void;
  /** Ends the rollout by going back to the stable revision. */
  abort(reason: string): void;
  /** Whether the service's rollout is paused now. */
  paused(): boolean;
  /** Pauses the service's rollout (too many inconclusive verdicts). */
  pause(reason: string): void;
  /**
   * Live detection's learnt state of the service's `errors` / `latency_p95` series (the stable revision's
   * production behaviour), read at the start of each analysis interval; without it (or `undefined`), the
   * detectors learn from the stable revision's series sampled during the rollout.
   */
  baselineState?: (signal: DetectorSignal) => LiveSeriesSnapshot | undefined;
  /** The detectors' settings (live detection's defaults); tests shorten the warm-up. */
  detectors?: CanaryAnalysisOptions;
}

/** Replicas a canary needs for `weight` % of the traffic of `replicas` (proportional, at least one). */
export function canaryReplicas(replicas: number, weight: number): number {
  if (replicas === 0) return 0;
  return Math.min(replicas, Math.max(1, Math.ceil((replicas * weight) / 100)));
}

/** Analyses kept per rollout (the newest). */
const ANALYSES_KEPT = 20;

/**
 * The state of one blue-green or canary rollout from a stable revision to a new one. The controller asks
 * it each pass what to run ({@link plan}); it runs the analyses on its own timers (the injected clock) and
 * calls back `kick` / `abort`. A new desired revision makes a new instance.
 */
export class ProgressiveRollout {
  readonly #o: ProgressiveRolloutOptions;
  /** Canary step index; `steps.length` = promotion. Blue-green uses 0 = preview, 1 = promotion. */
  #step = 0;
  #weight = 0;
  #readyAt: number | undefined;
  #promoteRequested = false;
  #inconclusive = 0;
  #interval:
    | {
        epoch: number;
        start?: { stable: Map<string, TrafficSample>; next: Map<string, TrafficSample> };
        /** When `start` was read: the canary's series of this interval begins there. */
        startedAt?: number;
        baselineState?: Partial<Record<DetectorSignal, LiveSeriesSnapshot>>;
      }
    | undefined;
  #epoch = 0;
  #timer: TimerHandle | undefined;
  /** The detectors' sampling, every `sampleSeconds` while an interval runs. */
  #sampleTimer: TimerHandle | undefined;
  #sampling = false;
  /** When the last sample of both revisions was asked for (the sampler's or the judge's). */
  #sampledAt = -Infinity;
  /** The stable revision's series over the whole rollout: its history teaches the detectors. */
  readonly #stableSeries = new RevisionSeries();
  readonly #nextSeries = new RevisionSeries();
  #analyses: AnalysisRecord[] = [];
  #message: string | undefined;
  #done = false;

  constructor(options: ProgressiveRolloutOptions) {
    this.#o = options;
  }

  get newRevision(): string {
    return this.#o.newRevision;
  }

  get #steps(): readonly number[] {
    return this.#o.strategy.type === 'Canary' ? this.#o.strategy.canary.steps : [];
  }

  get #analysis(): AnalysisSpec {
    return this.#o.strategy.type === 'Canary'
      ? this.#o.strategy.canary.analysis
      : this.#o.strategy.blueGreen.analysis;
  }

  get #promoting(): boolean {
    if (this.#o.fastTrack) return true;
    return this.#o.strategy.type === 'Canary' ? this.#step >= this.#steps.length : this.#promoteRequested;
  }

  /** What to run given how many replicas are wanted and how many new ones are ready. */
  plan(replicas: number, nextReady: number): ProgressPlan {
    const { stableRevision: stable, newRevision: next } = this.#o;
    const canary = this.#o.strategy.type === 'Canary';
    const wantedNext =
      this.#promoting || !canary ? replicas : canaryReplicas(replicas, this.#steps[this.#step]!);
    const allReady = nextReady >= wantedNext && (wantedNext > 0 || replicas === 0);
    const plan: ProgressPlan = {
      stable: replicas,
      next: wantedNext,
      split: {},
      preview: canary ? undefined : next,
      switchNow: false,
    };
    if (this.#promoting) {
      plan.split = { [stable]: 100 - this.#weight, [next]: this.#weight };
      plan.switchNow = allReady;
      if (plan.switchNow) this.#finish();
      return plan;
    }
    if (canary) {
      const target = this.#steps[this.#step]!;
      if (allReady && this.#weight !== target) this.#enterStep(target);
    } else if (allReady && this.#readyAt === undefined) {
      this.#readyAt = this.#o.clock.now();
      this.#startBlueGreenWait();
    }
    plan.split = { [stable]: 100 - this.#weight, [next]: this.#weight };
    return plan;
  }

  /**
   * `rollout promote`: a canary goes to its next step now (`full`: straight to promotion), skipping the
   * running analysis; a blue-green rollout switches as soon as its new replicas are ready.
   */
  promote(full: boolean): void {
    this.#cancelTimer();
    this.#message = undefined;
    if (this.#o.strategy.type === 'Canary') this.#step = full ? this.#steps.length : this.#step + 1;
    else this.#promoteRequested = true;
    this.#o.kick();
  }

  status(): ProgressStatus {
    const canary = this.#o.strategy.type === 'Canary';
    const phase: ProgressStatus['phase'] = this.#o.paused()
      ? 'paused'
      : this.#promoting
        ? 'promoting'
        : canary
          ? this.#weight === 0
            ? 'starting'
            : 'analysing'
          : this.#readyAt === undefined
            ? 'starting'
            : 'waiting-for-promotion';
    return {
      strategy: this.#o.strategy.type,
      stableRevision: this.#o.stableRevision,
      newRevision: this.#o.newRevision,
      weight: this.#weight,
      step: Math.min(this.#step, this.#steps.length) + 1,
      steps: canary ? this.#steps.length : 1,
      phase,
      fastTrack: this.#o.fastTrack,
      analyses: this.#analyses,
      ...(this.#message === undefined ? {} : { message: this.#message }),
    };
  }

  /** Stops the timers (the rollout ended, was superseded or the service stops). */
  cancel(): void {
    this.#done = true;
    this.#cancelTimer();
  }

  #finish(): void {
    this.#weight = 100;
    this.cancel();
  }

  #cancelTimer(): void {
    this.#epoch++;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#sampleTimer?.cancel();
    this.#sampleTimer = undefined;
    this.#interval = undefined;
  }

  get #withDetectors(): boolean {
    return this.#analysis.method !== 'statistical' && this.#o.measure !== undefined;
  }

  /** Starts the interval of `epoch` from `start` (read at `at`): the series restart, sampling begins. */
  #startInterval(
    epoch: number,
    at: number,
    start: { stable: Map<string, TrafficSample>; next: Map<string, TrafficSample> },
  ): void {
    this.#interval = { epoch, start, startedAt: at };
    if (!this.#withDetectors) return;
    this.#interval.baselineState = this.#readBaselineState();
    this.#stableSeries.restart(at, start.stable);
    this.#nextSeries.restart(at, start.next);
    this.#sampleTimer?.cancel();
    const every = this.#analysis.sampleSeconds * 1000;
    // The next timer is set before sampling, so the cadence does not drift with the scrapes' duration.
    const tick = () => {
      if (this.#done || epoch !== this.#epoch) return;
      this.#sampleTimer = this.#o.clock.after(every, tick);
      void this.#sample(epoch);
    };
    this.#sampleTimer = this.#o.clock.after(every, tick);
  }

  /** Production's state at the interval's start: before this interval's canary traffic could reach it. */
  #readBaselineState(): Partial<Record<DetectorSignal, LiveSeriesSnapshot>> | undefined {
    const provider = this.#o.baselineState;
    if (provider === undefined) return undefined;
    const states: Partial<Record<DetectorSignal, LiveSeriesSnapshot>> = {};
    for (const signal of ['errors', 'latency_p95'] as const) {
      try {
        const state = provider(signal);
        if (state !== undefined) states[signal] = state;
      } catch {
        // Live detection is an aid here: without its state the detectors learn from the rollout's series.
      }
    }
    return states;
  }

  async #sample(epoch: number): Promise<void> {
    const at = this.#o.clock.now();
    // The previous scrape is still running, or the judge has just sampled: skip this sample.
    if (this.#sampling || at - this.#sampledAt < this.#minSamplePeriod) return;
    this.#sampling = true;
    this.#sampledAt = at;
    try {
      const now = await this.#measureBoth();
      if (now === undefined || this.#done || epoch !== this.#epoch) return;
      this.#addSamples(at, now);
    } finally {
      this.#sampling = false;
    }
  }

  /** Half a sample period: the judge's own sample may fall next to the sampler's. */
  get #minSamplePeriod(): number {
    return (this.#analysis.sampleSeconds * 1000) / 2;
  }

  #addSamples(
    at: number,
    now: { stable: Map<string, TrafficSample>; next: Map<string, TrafficSample> },
  ): void {
    this.#stableSeries.add(at, now.stable, this.#minSamplePeriod);
    this.#nextSeries.add(at, now.next, this.#minSamplePeriod);
  }

  #enterStep(weight: number): void {
    this.#cancelTimer();
    this.#weight = weight;
    this.#inconclusive = 0;
    this.#o.report({
      kind: 'step',
      revision: this.#o.newRevision,
      weight,
      step: this.#step + 1,
      of: this.#steps.length,
    });
    this.#beginInterval();
  }

  /** Samples both revisions now, then judges them `intervalSeconds` later. */
  #beginInterval(): void {
    const epoch = this.#epoch;
    this.#interval = { epoch };
    const at = this.#o.clock.now();
    const measured = this.#measureBoth();
    void measured.then((start) => {
      if (this.#done || epoch !== this.#epoch) return;
      if (start !== undefined) this.#startInterval(epoch, at, start);
      this.#schedule(epoch, () => void this.#judge(epoch));
    });
  }

  #schedule(epoch: number, fn: () => void): void {
    if (this.#done || epoch !== this.#epoch) return;
    this.#timer?.cancel();
    this.#timer = this.#o.clock.after(this.#analysis.intervalSeconds * 1000, () => {
      if (!this.#done && epoch === this.#epoch) fn();
    });
  }

  async #measureBoth(): Promise<
    { stable: Map<string, TrafficSample>; next: Map<string, TrafficSample> } | undefined
  > {
    const measure = this.#o.measure;
    if (measure === undefined) return undefined;
    try {
      const [stable, next] = await Promise.all([
        measure(this.#o.stableRevision),
        measure(this.#o.newRevision),
      ]);
      return { stable, next };
    } catch {
      return undefined;
    }
  }

  /** Judges the interval; pass → next step, fail → abort, inconclusive → keep collecting. */
  async #judge(epoch: number): Promise<void> {
    if (this.#o.paused()) {
      // A paused rollout holds its step: look again later, the interval keeps growing.
      this.#schedule(epoch, () => void this.#judge(epoch));
      return;
    }
    const verdict = await this.#verdict();
    if (this.#done || epoch !== this.#epoch) return;
    if (verdict === 'fail') return;
    if (verdict === 'pass') {
      this.#step++;
      this.#o.kick();
      return;
    }
    this.#afterInconclusive(epoch, () => void this.#judge(epoch));
  }

  /** Runs the analysis of the current interval and records it; `pass` when there is nothing to measure. */
  async #verdict(options: { passWithoutTraffic?: boolean } = {}): Promise<Judgement['verdict']> {
    // Without metrics at all (no `measure`), time alone decides, as a canary without analysis does.
    if (this.#o.measure === undefined) return 'pass';
    const interval = this.#interval;
    const start = interval?.start;
    const at = this.#o.clock.now();
    this.#sampledAt = at;
    const now = await this.#measureBoth();
    if (start === undefined || now === undefined) {
      // A scrape failed: no verdict on this interval; the next one starts from what could be read now.
      const epoch = this.#epoch;
      if (now !== undefined) this.#startInterval(epoch, at, now);
      return 'inconclusive';
    }
    const statistical = judgeCanary(
      servedSince(start.stable, now.stable),
      servedSince(start.next, now.next),
      this.#analysis,
    );
    let detectors: DetectorJudgement | undefined;
    if (this.#withDetectors) {
      this.#addSamples(at, now);
      const since = interval?.startedAt ?? -Infinity;
      detectors = judgeWithDetectors(
        {
          baseline: { errors: this.#stableSeries.errors(), latency_p95: this.#stableSeries.latencyP95() },
          canary: { errors: this.#nextSeries.errors(since), latency_p95: this.#nextSeries.latencyP95(since) },
          ...(interval?.baselineState === undefined ? {} : { baselineState: interval.baselineState }),
        },
        this.#o.detectors,
      );
    }
    const judgement = combineJudgements(this.#analysis.method, statistical, detectors);
    this.#record(judgement);
    if (judgement.verdict === 'fail') {
      const failed = judgement.checks
        .filter((c) => c.verdict === 'fail')
        .map((c) => `${c.name}: ${c.detail}`);
      this.#o.abort(`analysis failed at ${this.#weight} %: ${failed.join('; ')}`);
      return 'fail';
    }
    if (
      judgement.verdict === 'inconclusive' &&
      options.passWithoutTraffic === true &&
      statistical.checks.every((c) => c.name === 'requests')
    )
      return 'pass';
    return judgement.verdict;
  }

  #record(judgement: Judgement): void {
    this.#analyses.push({
      at: new Date(this.#o.clock.now()).toISOString(),
      weight: this.#weight,
      verdict: judgement.verdict,
      baselineRequests: judgement.baselineRequests,
      canaryRequests: judgement.canaryRequests,
      checks: judgement.checks,
    });
    if (this.#analyses.length > ANALYSES_KEPT) this.#analyses.shift();
    this.#o.report({ kind: 'analysis', revision: this.#o.newRevision, weight: this.#weight, judgement });
  }

  #afterInconclusive(epoch: number, again: () => void): void {
    this.#inconclusive++;
    if (this.#inconclusive >= this.#analysis.maxInconclusive) {
      const reason = `${this.#inconclusive} inconclusive analyses in a row: promote or abort by hand`;
      this.#message = reason;
      this.#inconclusive = 0;
      this.#o.pause(reason);
      this.#o.report({ kind: 'paused', revision: this.#o.newRevision, reason });
    }
    // The interval's start stays: the next verdict is taken on more traffic.
    this.#schedule(epoch, again);
  }

  /** Blue-green: promote automatically `autoPromotionSeconds` after the preview is ready, if asked to. */
  #startBlueGreenWait(): void {
    if (this.#o.strategy.type !== 'BlueGreen') return;
    const seconds = this.#o.strategy.blueGreen.autoPromotionSeconds;
    if (seconds === undefined) {
      this.#message = 'the preview is ready: `opsloop rollout promote` switches the traffic';
      return;
    }
    this.#cancelTimer();
    const epoch = this.#epoch;
    this.#interval = { epoch };
    const at = this.#o.clock.now();
    void this.#measureBoth().then((start) => {
      if (this.#done || epoch !== this.#epoch) return;
      if (start !== undefined) this.#startInterval(epoch, at, start);
      this.#timer = this.#o.clock.after(seconds * 1000, () => void this.#autoPromote(epoch));
    });
  }

  async #autoPromote(epoch: number): Promise<void> {
    if (this.#done || epoch !== this.#epoch) return;
    if (this.#o.paused()) {
      this.#schedule(epoch, () => void this.#autoPromote(epoch));
      return;
    }
    // Preview traffic, when there was enough, must not be worse than production's; none at all is no reason
    // to hold a promotion the user asked to be automatic.
    const verdict = await this.#verdict({ passWithoutTraffic: true });
    if (this.#done || epoch !== this.#epoch || verdict === 'fail') return;
    if (verdict === 'pass') {
      this.#promoteRequested = true;
      this.#o.kick();
      return;
    }
    this.#afterInconclusive(epoch, () => void this.#autoPromote(epoch));
  }
}
