/** Symptoms: every signal of an incident turned into per-service, comparable facts with an onset and a strength. */
import { formatSignalValue } from '../live/signal-value.js';
import {
  RESPONDING_ORIGINS,
  type AnomalySignalData,
  type ChangeSignal,
  type Signal,
} from '../incidents/signal.js';
import { DEPENDENCY_CLASSES, keywordClasses, type KeywordClass } from './keyword-classes.js';

/** What a symptom is about. */
export type SymptomFamily = 'errors' | 'latency' | 'traffic' | 'saturation' | 'logs' | 'down';

/** One fact about one service. */
export interface Symptom {
  readonly service: string;
  readonly family: SymptomFamily;
  readonly direction: 'above' | 'below';
  readonly onsetMs: number;
  /** 0..1, already weighted by how much such a symptom says about a fault at its own service. */
  readonly strength: number;
  /** Human text (`errors 42 % (expected 0 %)`). */
  readonly text: string;
  readonly classes: ReadonlySet<KeywordClass>;
  /** For lifecycle symptoms (only): whether the replica stopped answering (hang, memory) rather than failed. */
  readonly saturation?: boolean;
  /** For latency anomalies: the value in milliseconds. */
  readonly valueMs?: number;
  /** For anomalies: the live signal's name (`cpu`, `errors`, …). */
  readonly signal?: string;
}

/** Per-family weights of an anomaly (a drop of traffic or CPU is mostly a knock-on effect). */
export interface SymptomWeights {
  readonly trafficDropWeight: number;
}

const SATURATION_SIGNALS = /^(cpu|memory|heap|event_loop|in_flight|gc)/;

/** The family of an anomaly's signal (its name first, then the live signal's golden-signal kind). */
export function familyOf(signal: string, kind?: string): SymptomFamily {
  if (/error/.test(signal)) return 'errors';
  if (/latency|duration/.test(signal)) return 'latency';
  if (/traffic|rate$|requests/.test(signal) && !/log_template/.test(signal)) return 'traffic';
  if (SATURATION_SIGNALS.test(signal)) return 'saturation';
  if (/log/.test(signal)) return 'logs';
  if (kind === 'errors' || kind === 'latency' || kind === 'traffic' || kind === 'saturation') return kind;
  return 'logs';
}

function unitOf(a: AnomalySignalData, family: SymptomFamily): string {
  if (a.unit !== undefined) return a.unit;
  if (family === 'errors') return 'ratio';
  if (family === 'latency') return 'seconds';
  return '';
}

/** How far out of its band an anomaly is, in robust standard deviations (the band is ±3 of them). */
function deviations(a: AnomalySignalData): number {
  const halfBand =
    a.direction === 'above'
      ? (a.expectedHigh ?? a.expected * 1.2) - a.expected
      : a.expected - (a.expectedLow ?? a.expected * 0.8);
  const scale = Math.max(halfBand / 3, Math.abs(a.expected) * 0.01, 1e-9);
  return Math.abs(a.value - a.expected) / scale;
}

function familyWeight(family: SymptomFamily, direction: 'above' | 'below', w: SymptomWeights): number {
  if (direction === 'above') return family === 'traffic' ? 0.8 : family === 'logs' ? 0.5 : 1;
  if (family === 'traffic') return w.trafficDropWeight;
  return family === 'logs' ? 0.3 : 0.15;
}

/** An anomaly episode as a symptom. */
export function anomalySymptom(a: AnomalySignalData, w: SymptomWeights): Symptom {
  const family = familyOf(a.signal, a.kind);
  const z = deviations(a);
  // BARO-like: the robust deviation carries the magnitude, the detector's score the confidence.
  const magnitude = 1 - Math.exp(-z / 6);
  const strength = familyWeight(family, a.direction, w) * (0.4 * Math.min(1, a.score) + 0.6 * magnitude);
  const unit = unitOf(a, family);
  const text =
    `${a.signal} ${a.direction === 'above' ? 'up' : 'down'} to ${formatSignalValue(a.value, unit)}` +
    ` (expected ${formatSignalValue(a.expected, unit)})`;
  const valueMs =
    family === 'latency'
      ? unit === 'seconds'
        ? a.value * 1000
        : unit === 'ms'
          ? a.value
          : undefined
      : undefined;
  return {
    service: a.service,
    family,
    direction: a.direction,
    onsetMs: a.startsAtMs,
    strength,
    text,
    classes: new Set(),
    signal: a.signal,
    ...(valueMs === undefined ? {} : { valueMs }),
  };
}

/** How soon after an exit or a failed probe a restart is taken as its consequence. */
const RESTART_FOLLOWS_MS = 2 * 60_000;

const OPERATOR_ACTION =
  /\b(requested|remediation|operator|manual(ly)?|rollout|deploy(ment)?|scal(e|ed|ing))\b/i;

/** A replica lifecycle event as a symptom of its service (none for other changes or operator actions). */
export function lifecycleSymptom(change: ChangeSignal): Symptom | undefined {
  if (change.service === undefined) return undefined;
  if (
    change.change !== 'replica-exited' &&
    change.change !== 'replica-unready' &&
    change.change !== 'restart'
  )
    return undefined;
  // Restarts made on purpose (remediation, an operator, a rollout) are not the fault showing itself.
  const origin = change.origin ?? '';
  if (OPERATOR_ACTION.test(change.detail) || RESPONDING_ORIGINS.has(origin) || origin === 'operator')
    return undefined;
  const classes = keywordClasses(change.detail);
  // A replica unready because a dependency it checks is down (`readiness probe failed (HTTP 503: database:
  // …)`) is that dependency failing, not the replica saturated.
  const dependency = DEPENDENCY_CLASSES.some((k) => classes.has(k));
  const saturation =
    !dependency && (change.change === 'replica-unready' || classes.has('memory') || classes.has('hang'));
  return {
    service: change.service,
    family: 'down',
    direction: 'above',
    onsetMs: change.atMs,
    strength: change.change === 'replica-unready' ? 0.8 : 0.9,
    text: `${change.change.replace('-', ' ')}: ${change.detail}`,
    classes,
    saturation,
  };
}

/** Anomalies, log events and alerts as symptoms (the latest state of each anomaly episode, its peak kept). */
export function symptomsOf(signals: readonly Signal[], w: SymptomWeights): Symptom[] {
  const episodes = new Map<string, AnomalySignalData>();
  const out: Symptom[] = [];
  const lastStop = new Map<string, number>();
  for (const s of [...signals].sort((a, b) => a.atMs - b.atMs)) {
    if (s.type === 'anomaly') {
      const prev = episodes.get(s.anomaly.id);
      if (prev === undefined || s.anomaly.score >= prev.score) episodes.set(s.anomaly.id, s.anomaly);
    } else if (s.type === 'log') {
      out.push(logSymptom(s.event));
    } else if (s.type === 'alert') {
      if (s.alert.state !== 'firing') continue;
      const symptom = alertSymptom(s.alert.name, s.alert.labels, s.atMs, s.alert.summary);
      if (symptom !== undefined) out.push(symptom);
    } else {
      const symptom = lifecycleSymptom(s);
      if (symptom === undefined || s.service === undefined) continue;
      // A restart right after an exit or a failed probe is that same event's consequence, not a new fact.
      const stop = lastStop.get(s.service);
      if (s.change === 'restart' && stop !== undefined && s.atMs - stop <= RESTART_FOLLOWS_MS) continue;
      if (s.change !== 'restart') lastStop.set(s.service, s.atMs);
      out.push(symptom);
    }
  }
  for (const a of episodes.values()) out.push(anomalySymptom(a, w));
  return out;
}

function logSymptom(event: Extract<Signal, { type: 'log' }>['event']): Symptom {
  if (event.kind === 'new-template') {
    const level = event.level;
    const serious = level === 'error' || level === 'fatal';
    return {
      service: event.service,
      family: serious ? 'errors' : 'logs',
      direction: 'above',
      onsetMs: event.atMs,
      strength: serious ? 0.5 : 0.3,
      text: `new ${level} log "${event.template}"`,
      classes: keywordClasses(event.template),
    };
  }
  const templates = event.topTemplates.map((t) => t.template);
  const classes = new Set<KeywordClass>();
  for (const t of templates) for (const c of keywordClasses(t)) classes.add(c);
  return {
    service: event.service,
    family: 'errors',
    direction: 'above',
    onsetMs: event.atMs,
    strength: 0.6,
    text:
      `error burst: ${event.errors} errors/min (usually ${Math.round(event.baselinePerMinute)})` +
      (templates.length > 0 ? `, mostly "${templates[0]}"` : ''),
    classes,
  };
}

function alertSymptom(
  name: string,
  labels: Readonly<Record<string, string>>,
  atMs: number,
  summary: string | undefined,
): Symptom | undefined {
  const service = labels['service'];
  // Anomaly and log alerts repeat what their own signals already say.
  if (service === undefined || /^(MetricAnomaly|NewLogTemplate|LogErrorBurst)$/.test(name)) return undefined;
  const down = /down|unavailable|unreachable|absent/i.test(name);
  const family: SymptomFamily = down ? 'down' : /latency|slow|duration/i.test(name) ? 'latency' : 'errors';
  const text = `alert ${name}` + (summary === undefined ? '' : `: ${summary}`);
  return {
    service,
    family,
    direction: 'above',
    onsetMs: atMs,
    strength: down ? 0.9 : 0.7,
    text,
    classes: keywordClasses(`${name} ${summary ?? ''}`),
  };
}
