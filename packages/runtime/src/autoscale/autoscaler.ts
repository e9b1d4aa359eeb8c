import type { Clock } from '@opsloop/kit';
import { histogramQuantile, type CumulativeBucket } from '@opsloop/telemetry';
import type { ReplicaMetrics } from '../metrics/replica-window.js';
import {
  AutoscalingSpecError,
  parseAutoscalingSpec,
  type AutoscalingMetric,
  type AutoscalingSpec,
} from './autoscaling-spec.js';
import { fitHoltWinters, type HoltWintersKind } from './holt-winters.js';
import {
  averageValueReplicas,
  combineProposals,
  initialHpaState,
  normalizeDesiredReplicas,
  objectValueReplicas,
  resolveBehavior,
  type Behavior,
  type HpaState,
  type LimitReason,
  type MetricProposal,
} from './hpa.js';
import { RingBuffer } from './ring-buffer.js';

export {
  autoscalingSpecSchema,
  parseAutoscalingSpec,
  AutoscalingSpecError,
  type AutoscalingSpec,
  type AutoscalingSpecInput,
} from './autoscaling-spec.js';

/** Rate samples needed before a forecast is trusted (one minute at the default 15 s period). */
export const MIN_FORECAST_SAMPLES = 4;

/** Anything that gives a replica's metrics over its window, e.g. a ReplicaWindow. */
export interface ReplicaMetricsSource {
  metrics(nowMs?: number, windowMs?: number): ReplicaMetrics;
}

/** One replica as the autoscaler sees it. */
export interface ReplicaInput {
  id: string;
  /** Passing its readiness probe (and so receiving traffic). */
  ready: boolean;
  /** Its metric window; absent while nothing has been scraped yet. */
  window?: ReplicaMetricsSource | null;
}

/** What {@link Autoscaler.decide} looks at: every replica of the service that exists now. */
export interface AutoscalerInputs {
  replicas: readonly ReplicaInput[];
}

/** Where a metric's value stood at a decision. */
export type MetricStatus = 'ok' | 'missing' | 'idle';

/** One metric at a decision. */
export interface MetricReading {
  type: AutoscalingMetric['type'];
  /** The target: CPU %, requests/s per replica, or ms. */
  target: number;
  /** Average over ready replicas (cpu, rps) or the service-wide p95 in ms (p95); null when missing/idle. */
  value: number | null;
  usageRatio: number | null;
  /** Replicas this metric asks for; null when missing (no data) or idle (p95 without any request). */
  proposal: number | null;
  /** `missing`: no replica has two scrapes in its window; `idle`: p95 of a service that served nothing. */
  status: MetricStatus;
}

/** The predictive part of a decision. */
export interface ForecastInfo {
  /** Service request rate now (sum over replicas), as sampled for the model. */
  currentRps: number;
  /** Forecast rate `leadSeconds` from now (never negative). */
  rps: number;
  leadSeconds: number;
  /**
   * Replicas the forecast asks for, ceil(rps / targetPerReplica), when that is a scale-up beyond tolerance;
   * null otherwise (the forecast never argues for fewer replicas).
   */
  proposal: number | null;
  model: HoltWintersKind;
  alpha: number;
  beta: number;
  gamma: number;
  /** Rate samples the model was fitted on. */
  samples: number;
}

/** Which input a proposal came from. */
export type ProposalSource = AutoscalingMetric['type'] | 'forecast';

/** One autoscaling decision, kept so operators can see why the count is what it is. */
export interface Decision {
  /** Clock time of the decision, ms. */
  at: number;
  service: string;
  mode: AutoscalingSpec['mode'];
  /** Replicas that exist (ready or not) and how many are ready. */
  current: number;
  ready: number;
  /** The count to scale to (equal to `current` for "no change"). */
  desired: number;
  metrics: MetricReading[];
  /** Every proposal that took part, reactive metrics and the forecast. */
  proposals: { source: ProposalSource; replicas: number }[];
  /** The largest proposal (after the missing-metric rule), before stabilization; null without any. */
  recommendation: number | null;
  /** The recommendation after the stabilization windows, before policies and min/max. */
  stabilized: number | null;
  limitedBy: LimitReason | null;
  forecast?: ForecastInfo;
  /** One sentence, for people. */
  reason: string;
}

/** Options of {@link createAutoscaler}. */
export interface AutoscalerOptions {
  service: string;
  /** The service's `autoscaling` block (validated here; throws AutoscalingSpecError naming the field). */
  spec: unknown;
  clock: Pick<Clock, 'now'>;
  /**
   * The CPU request of one replica in cores (the service's `resources.cpu`); CPU utilisation is relative to
   * it, as in Kubernetes. Default 1 core.
   */
  cpuRequestCores?: number;
  /** Decisions kept by {@link Autoscaler.history}; default 500. */
  historySize?: number;
}

/** The autoscaler of one service. */
export interface Autoscaler {
  readonly service: string;
  readonly spec: AutoscalingSpec;
  /** How often {@link Autoscaler.decide} is meant to be called, ms. */
  readonly periodMs: number;
  /**
   * Decides the replica count from the replicas' metric windows. The caller scales to `desired`; the decision
   * is remembered as a completed scale (for the scaling policies), as the HPA does once its scale call succeeds.
   */
  decide(inputs: AutoscalerInputs): Decision;
  /** Past decisions, oldest first (also the "no change" ones). */
  history(): Decision[];
}

interface RateSample {
  slot: number;
  rps: number;
  /** The time the rate describes (centre of its window). */
  centreMs: number;
}

/** Creates the autoscaler of one service; see {@link Autoscaler}. */
export function createAutoscaler(options: AutoscalerOptions): Autoscaler {
  return new ServiceAutoscaler(options);
}

class ServiceAutoscaler implements Autoscaler {
  readonly service: string;
  readonly spec: AutoscalingSpec;
  readonly periodMs: number;
  readonly #clock: Pick<Clock, 'now'>;
  readonly #cpuRequestCores: number;
  readonly #behavior: Behavior;
  readonly #decisions: RingBuffer<Decision>;
  readonly #rates: RingBuffer<RateSample>;
  readonly #rateCapacity: number;
  #state: HpaState = initialHpaState();

  constructor(options: AutoscalerOptions) {
    this.service = options.service;
    this.spec = parseAutoscalingSpec(options.spec, `services.${options.service}.autoscaling`);
    this.periodMs = this.spec.periodSeconds * 1000;
    this.#clock = options.clock;
    const cpuRequest = options.cpuRequestCores ?? 1;
    if (!(Number.isFinite(cpuRequest) && cpuRequest > 0)) {
      throw new AutoscalingSpecError([
        `services.${options.service}.resources.cpu: expected a CPU request > 0 cores, got ${cpuRequest}`,
      ]);
    }
    this.#cpuRequestCores = cpuRequest;
    this.#behavior = resolveBehavior(this.spec.behavior);
    this.#decisions = new RingBuffer(options.historySize ?? 500);
    this.#rateCapacity = Math.max(
      MIN_FORECAST_SAMPLES,
      Math.ceil(this.spec.historySeconds / this.spec.periodSeconds),
    );
    this.#rates = new RingBuffer(this.#rateCapacity);
  }

  history(): Decision[] {
    return this.#decisions.toArray();
  }

  decide(inputs: AutoscalerInputs): Decision {
    const now = this.#clock.now();
    const spec = this.spec;
    const current = inputs.replicas.length;
    const ready = inputs.replicas.filter((r) => r.ready).length;
    const observed = inputs.replicas.map((r) => ({
      ready: r.ready,
      metrics: r.window?.metrics(now) ?? null,
    }));

    const metrics = spec.metrics.map((metric) => this.#reading(metric, current, ready, observed));
    const proposals: Decision['proposals'] = [];
    for (const reading of metrics)
      if (reading.proposal !== null) proposals.push({ source: reading.type, replicas: reading.proposal });

    let forecast: ForecastInfo | undefined;
    if (spec.mode === 'predictive') {
      forecast = this.#forecast(now, current, inputs.replicas);
      if (forecast?.proposal != null) proposals.push({ source: 'forecast', replicas: forecast.proposal });
    }

    // Idle metrics have no opinion; missing ones block a scale-down (combineProposals).
    const combined = combineProposals(current, [
      ...metrics.filter((m) => m.status !== 'idle').map((m) => m.proposal),
      ...(forecast?.proposal != null ? [forecast.proposal] : []),
    ]);
    const base = {
      at: now,
      service: this.service,
      mode: spec.mode,
      current,
      ready,
      metrics,
      proposals,
      forecast,
    };

    if (current === 0) {
      return this.#keep({
        ...base,
        desired: 0,
        recommendation: combined.replicas,
        stabilized: null,
        limitedBy: null,
        reason: 'no replicas: autoscaling is off while the service is scaled to zero (as the HPA)',
      });
    }
    const outOfRange = current > spec.maxReplicas || current < spec.minReplicas;
    if (combined.replicas === null && !outOfRange) {
      return this.#keep({
        ...base,
        desired: current,
        recommendation: null,
        stabilized: null,
        limitedBy: null,
        reason: `keep ${current}: no metric has data yet (${describeMissing(metrics)})`,
      });
    }
    const recommendation = combined.replicas ?? current;
    const result = normalizeDesiredReplicas({
      nowMs: now,
      currentReplicas: current,
      desiredReplicas: recommendation,
      minReplicas: spec.minReplicas,
      maxReplicas: spec.maxReplicas,
      behavior: this.#behavior,
      state: this.#state,
    });
    this.#state = result.state;
    const decision: Decision = {
      ...base,
      desired: result.replicas,
      recommendation: combined.replicas,
      stabilized: result.stabilized,
      limitedBy: result.limitedBy,
      reason: '',
    };
    decision.reason = explain(decision, this.#behavior, spec, combined.heldBecauseOfMissing, outOfRange);
    return this.#keep(decision);
  }

  #keep(decision: Decision): Decision {
    if (decision.forecast === undefined) delete decision.forecast;
    this.#decisions.push(decision);
    return decision;
  }

  #reading(
    metric: AutoscalingMetric,
    current: number,
    ready: number,
    observed: readonly { ready: boolean; metrics: ReplicaMetrics | null }[],
  ): MetricReading {
    const tolerance = this.spec.tolerance;
    const fromProposal = (target: number, proposal: MetricProposal | null): MetricReading =>
      proposal === null
        ? { type: metric.type, target, value: null, usageRatio: null, proposal: null, status: 'missing' }
        : {
            type: metric.type,
            target,
            value: proposal.value,
            usageRatio: proposal.usageRatio,
            proposal: proposal.replicas,
            status: 'ok',
          };

    switch (metric.type) {
      case 'cpu': {
        const request = this.#cpuRequestCores;
        const replicas = observed.map((o) => ({
          ready: o.ready,
          value: o.metrics?.cpuCores == null ? null : (o.metrics.cpuCores / request) * 100,
        }));
        const target = metric.targetUtilizationPercent;
        return fromProposal(
          target,
          averageValueReplicas({
            currentReplicas: current,
            replicas,
            target,
            missingValueOnScaleDown: 100,
            tolerance,
          }),
        );
      }
      case 'rps': {
        const replicas = observed.map((o) => ({ ready: o.ready, value: o.metrics?.rps ?? null }));
        const target = metric.targetPerReplica;
        return fromProposal(
          target,
          averageValueReplicas({
            currentReplicas: current,
            replicas,
            target,
            missingValueOnScaleDown: target,
            tolerance,
          }),
        );
      }
      case 'p95': {
        // One service-wide value: the p95 of all replicas' requests (buckets summed, as `sum by (le)` then
        // histogram_quantile), not an average of per-replica p95s. Scaled as the HPA scales an Object metric
        // with a `Value` target: desired = ceil(ready × p95 / target). That is proportional control; latency is
        // not linear in replicas, but the tolerance, the stabilization window and the policies damp it.
        const target = metric.targetMs;
        const withData = observed.filter((o) => o.metrics !== null && o.metrics.requests !== null);
        if (withData.length === 0) return fromProposal(target, null);
        const buckets = mergeBuckets(withData.map((o) => o.metrics!.latencyBuckets));
        const p95 = histogramQuantile(0.95, buckets) * 1000;
        if (!Number.isFinite(p95)) {
          return { type: 'p95', target, value: null, usageRatio: null, proposal: null, status: 'idle' };
        }
        return fromProposal(
          target,
          objectValueReplicas({
            currentReplicas: current,
            readyReplicas: ready,
            value: p95,
            target,
            tolerance,
          }),
        );
      }
    }
  }

  /**
   * Samples the service's request rate over the last period into this period's slot, fits the model and
   * forecasts the rate at now + leadSeconds.
   *
   * The samples do not overlap (each covers one period, not the 60 s metric window): overlapping windows make
   * the series autocorrelated, the one-step fit then follows every wiggle (α, β near 1) and the extrapolation
   * over the lead amplifies noise. A rate averaged over a span describes the span's centre (exactly so on a
   * linear ramp), so the horizon counts from there, not from now.
   */
  #forecast(now: number, current: number, replicas: readonly ReplicaInput[]): ForecastInfo | undefined {
    const spec = this.spec;
    const rate = serviceRequestRate(replicas.map((r) => r.window?.metrics(now, this.periodMs) ?? null));
    if (rate !== null) this.#sampleRate(Math.floor(now / this.periodMs), rate.rps, rate.centreMs);
    const samples = this.#rates.toArray();
    const last = samples[samples.length - 1];
    if (samples.length < MIN_FORECAST_SAMPLES || last === undefined) return undefined;
    const seasonLength =
      spec.seasonSeconds === undefined ? 0 : Math.round(spec.seasonSeconds / spec.periodSeconds);
    const model = fitHoltWinters(
      samples.map((s) => s.rps),
      { seasonLength },
    );
    const horizonMs = now + spec.leadSeconds * 1000 - last.centreMs;
    // The horizon is rarely a whole number of periods (the centre sits half a period back): interpolate.
    const steps = Math.max(0, horizonMs / this.periodMs);
    const below = model.forecastAt(Math.floor(steps));
    const above = model.forecastAt(Math.ceil(steps));
    const rps = Math.max(0, below + (above - below) * (steps - Math.floor(steps)));
    const target = spec.metrics.find((m) => m.type === 'rps');
    const perReplica = target?.type === 'rps' ? target.targetPerReplica : Infinity;
    // The forecast only ever pushes up: within tolerance of (or below) the current capacity it has no
    // opinion, so it cannot hold a count up against reactive metrics, and scale-down stays reactive.
    const ratio = current > 0 ? rps / (perReplica * current) : Infinity;
    const proposal = ratio > 1 + spec.tolerance ? Math.ceil(rps / perReplica) : null;
    return {
      currentRps: last.rps,
      rps,
      leadSeconds: spec.leadSeconds,
      proposal,
      model: model.kind,
      alpha: model.alpha,
      beta: model.beta,
      gamma: model.gamma,
      samples: samples.length,
    };
  }

  /** One sample per period slot: a second decision in the same slot replaces it; missed slots are interpolated. */
  #sampleRate(slot: number, rps: number, centreMs: number): void {
    const last = this.#rates.last();
    if (last !== undefined && slot < last.slot) return; // the clock went back: keep the history consistent
    if (last !== undefined && slot === last.slot) {
      this.#rates.replaceLast({ slot, rps, centreMs });
      return;
    }
    if (last !== undefined) {
      const gap = Math.min(slot - last.slot - 1, this.#rateCapacity);
      for (let s = slot - gap; s < slot; s++) {
        const f = (s - last.slot) / (slot - last.slot);
        this.#rates.push({
          slot: s,
          rps: last.rps + (rps - last.rps) * f,
          centreMs: last.centreMs + (centreMs - last.centreMs) * f,
        });
      }
    }
    this.#rates.push({ slot, rps, centreMs });
  }
}

/** The request rate of a whole service and the moment it best describes. */
export interface ServiceRate {
  rps: number;
  /** Centre of the time span the rate was averaged over, ms. */
  centreMs: number;
}

/**
 * The service's request rate: requests served by all replicas over the window, divided by the window's span.
 * Not the sum of per-replica rates: a replica started a few seconds ago has a short window, and adding its rate
 * to the older replicas' minute-long averages would count the same traffic twice right after a scale-up.
 */
export function serviceRequestRate(windows: readonly (ReplicaMetrics | null)[]): ServiceRate | null {
  let requests = 0;
  let from = Infinity;
  let to = -Infinity;
  for (const w of windows) {
    if (w === null || w.requests === null || w.fromMs === null || w.toMs === null) continue;
    requests += w.requests;
    from = Math.min(from, w.fromMs);
    to = Math.max(to, w.toMs);
  }
  return to > from ? { rps: requests / ((to - from) / 1000), centreMs: (from + to) / 2 } : null;
}

/** Sums bucket increases of several replicas by bound, like `sum by (le)` in PromQL. */
function mergeBuckets(lists: readonly (readonly CumulativeBucket[])[]): CumulativeBucket[] {
  const byLe = new Map<number, number>();
  for (const list of lists) for (const b of list) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.count);
  return [...byLe].map(([le, count]) => ({ le, count }));
}

function describeMissing(metrics: readonly MetricReading[]): string {
  return metrics.map((m) => `${m.type} ${m.status}`).join(', ');
}

function formatValue(reading: MetricReading): string {
  const value = reading.value ?? NaN;
  const round = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
  switch (reading.type) {
    case 'cpu':
      return `cpu ${round(value)}% (target ${reading.target}%)`;
    case 'rps':
      return `rps ${round(value)}/replica (target ${reading.target})`;
    case 'p95':
      return `p95 ${round(value)} ms (target ${reading.target} ms)`;
  }
}

function explain(
  d: Decision,
  behavior: Behavior,
  spec: AutoscalingSpec,
  heldForMissing: boolean,
  outOfRange: boolean,
): string {
  const head = d.desired === d.current ? `keep ${d.current}` : `scale ${d.current} → ${d.desired}`;
  if (outOfRange) {
    return `${head}: the current count is outside [${spec.minReplicas}, ${spec.maxReplicas}] (min/max changed)`;
  }
  const parts = d.metrics.map((m) =>
    m.status === 'ok' ? `${formatValue(m)} → ${m.proposal}` : `${m.type} ${m.status}`,
  );
  if (d.forecast)
    parts.push(
      `forecast ${d.forecast.rps.toFixed(1)} rps in ${d.forecast.leadSeconds} s → ${d.forecast.proposal ?? 'no scale-up'}`,
    );
  let why = '';
  if (heldForMissing) why = `; a metric has no data, so no scale-down (as the HPA)`;
  switch (d.limitedBy) {
    case 'stabilization':
      why +=
        d.recommendation !== null && d.recommendation < d.current
          ? `; held by the scale-down stabilization window (highest recommendation of the last ${behavior.scaleDown.stabilizationWindowSeconds} s)`
          : `; held by the scale-up stabilization window (lowest recommendation of the last ${behavior.scaleUp.stabilizationWindowSeconds} s)`;
      break;
    case 'policy':
      why +=
        d.desired >= d.current
          ? '; limited by the scale-up policies'
          : '; limited by the scale-down policies';
      break;
    case 'max':
      why += `; capped at maxReplicas ${spec.maxReplicas}`;
      break;
    case 'min':
      why += `; raised to minReplicas ${spec.minReplicas}`;
      break;
    case null:
      if (d.desired === d.current) why += '; within tolerance or already there';
  }
  return `${head}: ${parts.join(', ')}${why}`;
}
