/**
 * Root-cause localisation (docs/aiops.md, "Incidents and root cause"): symptoms per service, a random walk
 * that follows explanations (failures flow up calls, load flows down them) and ends where nothing explains
 * a service further, a change prior, then the kind of fault from the evidence at the chosen service.
 */
import type { ChangeSignal, Signal } from '../incidents/signal.js';
import { changesInEffect } from '../incidents/changes-in-effect.js';
import { DEPLOY_CHANGES, RESPONDING_ORIGINS } from '../incidents/signal.js';
import { robustShift } from './baro.js';
import { edgeFindings, type EdgeFinding } from './edge-findings.js';
import { DEPENDENCY_CLASSES, SATURATION_CLASSES } from './keyword-classes.js';
import { personalisedPageRank, type Transition } from './propagation.js';
import { RcaInputError } from './rca-errors.js';
import {
  DEFAULT_RCA_OPTIONS,
  ROOT_CAUSE_KINDS,
  type RcaGraph,
  type RcaInput,
  type RcaOptions,
  type RootCause,
  type RootCauseKind,
} from './rca-types.js';
import { profiles, type ServiceProfile } from './service-profile.js';
import { familyOf, symptomsOf, type Symptom } from './symptoms.js';

type Options = Required<RcaOptions>;

interface ChangeFinding {
  readonly score: number;
  readonly text: string;
}

const MINUTE = 60_000;
const clock = (ms: number) => new Date(ms).toISOString().slice(11, 19);
const seconds = (ms: number) =>
  Math.abs(ms) >= 2 * MINUTE ? `${Math.round(ms / MINUTE)} min` : `${Math.round(ms / 1000)} s`;

/** How much each change type says "this change broke it" (lifecycle events are symptoms, not changes). */
const CHANGE_WEIGHT: Partial<Record<ChangeSignal['change'], number>> = {
  deploy: 1,
  'rollout-started': 1,
  'rollout-promoted': 1,
  config: 1,
  flag: 1,
  rollback: 0.6,
  'rollout-aborted': 0.5,
  // Scaling rarely breaks a service by itself: alone it must not outweigh a plain failure.
  scale: 0.25,
};

function validate(input: RcaInput): void {
  if (input === null || typeof input !== 'object')
    throw new RcaInputError('root-cause input must be an object');
  if (!Array.isArray(input.signals)) throw new RcaInputError('root-cause input needs a signals array');
  if (input.graph === null || typeof input.graph !== 'object' || !Array.isArray(input.graph.edges))
    throw new RcaInputError('root-cause input needs a graph with an edges array');
  const all: readonly (Signal | undefined)[] = [
    ...(input.signals as readonly Signal[]),
    ...(input.changes ?? []),
  ];
  for (const s of all)
    if (!Number.isFinite(s?.atMs)) throw new RcaInputError('every signal needs a finite atMs');
}

/**
 * Ranks candidate root causes of one incident, best first; scores are in 0..1 and sum to at most 1. Empty
 * when there are no symptoms. Never rejects because of `series` (a failing read is skipped).
 */
export async function localiseRootCauses(input: RcaInput): Promise<RootCause[]> {
  validate(input);
  const o: Options = { ...DEFAULT_RCA_OPTIONS, ...input.options };
  const changes = uniqueChanges([
    ...(input.changes ?? []),
    ...input.signals.filter((s): s is ChangeSignal => s.type === 'change'),
  ]);
  const symptoms = withinIncident(
    withoutWarmUps(symptomsOf([...input.signals.filter((s) => s.type !== 'change'), ...changes], o), changes),
    o,
  );
  if (symptoms.length === 0) return [];
  const withSignals = new Set(symptoms.map((s) => s.service));
  const declared = new Set<string>();
  for (const e of input.graph.edges) if (e.declared === true) declared.add(e.parent).add(e.child);
  const nodes = new Map((input.graph.nodes ?? []).map((n) => [n.service, n]));
  const instrumented = (service: string): boolean => {
    const node = nodes.get(service);
    if (node?.instrumented !== undefined) return node.instrumented;
    return (node?.spans ?? 0) > 0 || withSignals.has(service) || declared.has(service);
  };

  const latencyMs = new Map<string, number>();
  for (const s of symptoms) {
    const m = s.family === 'latency' && s.direction === 'above' ? s.valueMs : undefined;
    if (m !== undefined) latencyMs.set(s.service, Math.max(latencyMs.get(s.service) ?? 0, m));
  }
  const findings = edgeFindings(input.graph, input.baseline, instrumented, o, latencyMs);
  const earliest = Math.min(...symptoms.map((s) => s.onsetMs));
  addFindingSymptoms(symptoms, findings, earliest);
  const nowMs = input.nowMs ?? Math.max(...input.signals.map((s) => s.atMs), earliest);
  if (input.series !== undefined) {
    await Promise.all([
      addSeriesSymptoms(symptoms, input.series, instrumented, nowMs, o),
      addCalleeSymptoms(symptoms, input.series, adjacency(input.graph), instrumented, nowMs, o),
    ]);
    // The windows show a warm-up as well as the anomalies do (the fifth run's crash: its event-loop lag).
    const kept = withoutWarmUps(symptoms, changes);
    symptoms.splice(0, symptoms.length, ...kept);
  }

  const byService = profiles(symptoms.filter((s) => instrumented(s.service)));
  const graph = adjacency(input.graph);
  const candidates = [...byService.keys()].sort();
  const loadExplained = (p: ServiceProfile) => loadExplanation(p, graph, byService, o);

  const transitions: Transition[] = [];
  for (const x of candidates)
    transitions.push(...explanations(byService.get(x)!, graph, byService, loadExplained, o));
  const pi = personalisedPageRank(
    candidates,
    transitions,
    new Map(candidates.map((c) => [c, byService.get(c)!.own])),
    o.restart,
  );

  const changeOf = changeFindings(changesInEffect(changes, earliest), byService, pi, o);
  const location = new Map<string, number>();
  for (const c of candidates)
    location.set(c, pi.get(c)! * (1 + o.changeBoost * (changeOf.get(c)?.score ?? 0)));
  const total = [...location.values()].reduce((a, b) => a + b, 0);

  const causes: RootCause[] = [];
  for (const c of candidates) {
    const p = byService.get(c)!;
    const l = total > 0 ? location.get(c)! / total : 1 / candidates.length;
    const kinds = kindScores(p, graph, byService, findings, changeOf.get(c), loadExplained(p), o);
    const sharp = ROOT_CAUSE_KINDS.map((k) => [k, kinds[k].score ** 3] as const);
    const sum = sharp.reduce((a, [, v]) => a + v, 0);
    for (const [kind, v] of sharp) {
      if (v <= 0) continue;
      const score = (l * v) / sum;
      const target = kind === 'dependency' ? dependencyOf(c, findings) : undefined;
      causes.push({
        service: c,
        kind,
        score,
        evidence: evidence(p, kinds[kind].evidence, graph, byService),
        ...(target === undefined ? {} : { dependency: target }),
      });
    }
  }
  causes.sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
  return causes.slice(0, o.maxCauses).map((c) => ({ ...c, score: Math.floor(c.score * 1e4) / 1e4 }));
}

/** The callee of the strongest edge finding charged to `service`. */
function dependencyOf(service: string, findings: readonly EdgeFinding[]): string | undefined {
  return findings
    .filter((f) => f.where !== 'callee' && f.caller === service)
    .sort((a, b) => b.strength - a.strength)[0]?.callee;
}

/**
 * Lifecycle events before the symptoms (a rollout's restarts ten minutes earlier, the OOM kill that ended the
 * previous incident a minute and a half before) are not this fault's: they would make a service look like it
 * failed first. A replica that fails shows it at once (an exit, a failed probe) and in its signals within the
 * detection lag, so half the onset tolerance is as early as its lifecycle events may come.
 */
function withinIncident(symptoms: Symptom[], o: Options): Symptom[] {
  const observed = symptoms.filter((s) => s.saturation === undefined);
  if (observed.length === 0) return symptoms;
  const from = Math.min(...observed.map((s) => s.onsetMs)) - o.onsetToleranceMs / 2;
  return symptoms.filter((s) => s.saturation === undefined || s.onsetMs >= from);
}

/** How long a new process's start (JIT compilation, caches, pools filling) shows as CPU and event-loop lag. */
const WARM_UP_MS = 90_000;
/** The signals a start moves: CPU and the event loop's lag, never memory (a leak looks the same after one). */
const WARM_UP_SIGNALS = /^(cpu|event_loop)/;
/**
 * Changes after which a service runs new processes: restarts, an exit the supervisor restarts, new revisions.
 * Not a scale-out: its replicas that were serving keep their warm processes (and their CPU, the fault's).
 */
const NEW_PROCESSES: ReadonlySet<ChangeSignal['change']> = new Set([
  'restart',
  'replica-exited',
  'rollout-started',
  'rollout-promoted',
  'rollback',
  'deploy',
  'config',
]);

/**
 * A service's CPU or event-loop rise that starts within a minute and a half after it got new processes is
 * their warm-up, not saturation: the recovery benchmark's re-diagnosis of a crash took a restart's warm-up
 * for the cause — cart's, restarted by remediation 75 s earlier, and the crashed service's own.
 */
function withoutWarmUps(symptoms: Symptom[], changes: readonly ChangeSignal[]): Symptom[] {
  const starts = changes.filter((c) => c.service !== undefined && NEW_PROCESSES.has(c.change));
  if (starts.length === 0) return symptoms;
  return symptoms.filter(
    (s) =>
      !(
        s.family === 'saturation' &&
        s.direction === 'above' &&
        WARM_UP_SIGNALS.test(s.signal ?? '') &&
        starts.some((c) => c.service === s.service && s.onsetMs >= c.atMs && s.onsetMs - c.atMs <= WARM_UP_MS)
      ),
  );
}

function uniqueChanges(changes: readonly ChangeSignal[]): ChangeSignal[] {
  const seen = new Set<string>();
  return changes.filter((c) => {
    const k = `${c.atMs}|${c.service ?? ''}|${c.change}|${c.flag ?? ''}|${c.detail}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Adjacency {
  /** Callees reached by synchronous calls (failures flow back to the caller). */
  readonly callees: ReadonlyMap<string, ReadonlySet<string>>;
  /** Callers by any edge (load flows on to the callee, messages included). */
  readonly callers: ReadonlyMap<string, ReadonlySet<string>>;
}

function adjacency(graph: RcaGraph): Adjacency {
  const callees = new Map<string, Set<string>>();
  const callers = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, v: string) => {
    const set = m.get(k) ?? new Set<string>();
    set.add(v);
    m.set(k, set);
  };
  for (const e of graph.edges) {
    if (e.parent === e.child) continue;
    if (e.async !== true) add(callees, e.parent, e.child);
    add(callers, e.child, e.parent);
  }
  return { callees, callers };
}

function addFindingSymptoms(symptoms: Symptom[], findings: readonly EdgeFinding[], earliest: number): void {
  for (const f of findings) {
    const service = f.where === 'callee' ? f.callee : f.caller;
    const own = symptoms.filter((s) => s.service === service);
    const onsetMs = own.length > 0 ? Math.min(...own.map((s) => s.onsetMs)) : earliest;
    symptoms.push({
      service,
      family: f.where === 'callee' ? 'down' : f.what,
      direction: 'above',
      onsetMs,
      strength: 0.8 * f.strength,
      text: f.text,
      classes: new Set(),
    });
  }
}

async function addSeriesSymptoms(
  symptoms: Symptom[],
  series: NonNullable<RcaInput['series']>,
  instrumented: (s: string) => boolean,
  nowMs: number,
  o: Options,
): Promise<void> {
  const onsets = new Map<string, number>();
  const seen = new Set<string>();
  for (const s of symptoms) {
    if (!instrumented(s.service)) continue;
    onsets.set(s.service, Math.min(onsets.get(s.service) ?? Infinity, s.onsetMs));
  }
  for (const s of symptoms) {
    const m = /^(\S+) (up|down) to/.exec(s.text);
    if (m !== null) seen.add(`${s.service}/${m[1]}`);
  }
  const reads: Promise<void>[] = [];
  for (const [service, onset] of [...onsets].slice(0, 20))
    for (const signal of o.seriesSignals)
      if (!seen.has(`${service}/${signal}`))
        reads.push(
          // A busy machine slows every event loop a little at once: only a rise a request would feel counts.
          windowSymptom(series, { service, signal, onset, nowMs, material: LAG_SIGNAL.test(signal) }, o).then(
            (symptom) => void (symptom && symptoms.push(symptom)),
          ),
        );
  await Promise.all(reads);
}

/**
 * Reads the request signals of the callees of symptomatic services that show no symptom yet: a slow or
 * failing callee often shows in its callers' anomalies first (the caller's p95 spans the callee's and its
 * own queueing), and a diagnosis made then would blame the caller. A callee whose latency or errors rose
 * materially (not only in robust z: a flat series has almost no spread) gets the symptom its own detector
 * has not raised yet, with the onset the window shows.
 */
async function addCalleeSymptoms(
  symptoms: Symptom[],
  series: NonNullable<RcaInput['series']>,
  graph: Adjacency,
  instrumented: (s: string) => boolean,
  nowMs: number,
  o: Options,
): Promise<void> {
  const symptomatic = new Map<string, number>();
  for (const s of symptoms)
    symptomatic.set(s.service, Math.min(symptomatic.get(s.service) ?? Infinity, s.onsetMs));
  const callees = new Map<string, number>();
  for (const [service, onset] of symptomatic)
    for (const callee of graph.callees.get(service) ?? [])
      if (!symptomatic.has(callee) && instrumented(callee))
        callees.set(callee, Math.min(callees.get(callee) ?? Infinity, onset));
  const reads: Promise<void>[] = [];
  for (const [service, onset] of [...callees].slice(0, 20))
    for (const signal of o.calleeSignals)
      reads.push(
        windowSymptom(series, { service, signal, onset, nowMs, material: true }, o).then(
          (symptom) =>
            void (
              symptom &&
              symptoms.push({ ...symptom, text: `${symptom.text}, before its own detector said so` })
            ),
        ),
      );
  await Promise.all(reads);
}

/**
 * The symptom a metric window shows: its level after `onset` (less a quarter of the tolerance) shifted by
 * at least `seriesZ` robust deviations — and, when `material`, by a rise users would feel. Undefined when
 * it did not, or the read failed.
 */
async function windowSymptom(
  series: NonNullable<RcaInput['series']>,
  read: { service: string; signal: string; onset: number; nowMs: number; material: boolean },
  o: Options,
): Promise<Symptom | undefined> {
  const { service, signal, onset } = read;
  let points;
  try {
    points = await series(service, signal, onset - o.changeLookbackMs, Math.max(read.nowMs, onset));
  } catch {
    return undefined;
  }
  const shift = robustShift(points, onset - o.onsetToleranceMs / 4, o.seriesZ);
  if (shift === undefined || shift.z < o.seriesZ) return undefined;
  const family = familyOf(signal);
  const judgedAs = LAG_SIGNAL.test(signal) ? 'latency' : family;
  if (read.material && !materialRise(judgedAs, shift.before, shift.after)) return undefined;
  return {
    service,
    family,
    direction: 'above',
    onsetMs: shift.onsetMs,
    strength: (family === 'traffic' ? 0.8 : 0.9) * (1 - Math.exp(-shift.z / (2 * o.seriesZ))),
    text: `${signal} rose from ${shift.before.toPrecision(3)} to ${shift.after.toPrecision(3)} (robust z ${shift.z.toFixed(1)}) from ${clock(shift.onsetMs)}`,
    classes: new Set(),
    signal,
    ...(family === 'latency' ? { valueMs: shift.after * 1000 } : {}),
  };
}

/** Saturation signals measured as a delay (seconds): judged like latency. */
const LAG_SIGNAL = /lag/;

/** A rise users would feel: one more error in a hundred requests, or latency doubled and 50 ms longer. */
function materialRise(family: string, before: number, after: number): boolean {
  if (family === 'errors') return after - before >= 0.01;
  if (family === 'latency') return after >= 2 * before && after - before >= 0.05;
  return false;
}

/** How far a service's load is explained by more traffic arriving from a caller whose traffic rose first. */
function loadExplanation(
  p: ServiceProfile,
  graph: Adjacency,
  byService: ReadonlyMap<string, ServiceProfile>,
  o: Options,
): number {
  if (p.trafficUp <= 0) return 0;
  let best = 0;
  for (const c of graph.callers.get(p.service) ?? []) {
    const caller = byService.get(c);
    if (caller === undefined || caller.trafficUp <= 0) continue;
    if (caller.trafficUpOnsetMs <= p.trafficUpOnsetMs + o.onsetToleranceMs)
      best = Math.max(best, Math.min(1, caller.trafficUp / 0.6));
  }
  return best;
}

/** The moves of the walk from one service: to what explains its symptoms, and a self-loop for the rest. */
function explanations(
  x: ServiceProfile,
  graph: Adjacency,
  byService: ReadonlyMap<string, ServiceProfile>,
  loadExplained: (p: ServiceProfile) => number,
  o: Options,
): Transition[] {
  const out: Transition[] = [];
  const tol = o.onsetToleranceMs;
  if (x.failure > 0) {
    // Errors and latency flow up the calls: a callee failing no later than its caller explains the caller.
    for (const d of graph.callees.get(x.service) ?? []) {
      const callee = byService.get(d);
      if (callee === undefined || callee.failure <= 0 || callee.failureOnsetMs > x.failureOnsetMs + tol)
        continue;
      out.push({ from: x.service, to: d, weight: callee.failure * (1 - 0.8 * loadExplained(callee)) });
    }
  }
  for (const c of graph.callers.get(x.service) ?? []) {
    const caller = byService.get(c);
    if (caller === undefined) continue;
    // Load flows down: more traffic from a caller explains this service's rise in traffic, CPU and latency.
    if (
      caller.trafficUp > 0 &&
      (x.trafficUp > 0 || x.failure > 0) &&
      caller.trafficUpOnsetMs <= x.onsetMs + tol
    )
      out.push({ from: x.service, to: c, weight: caller.trafficUp * (x.trafficUp > 0 ? 1 : 0.5) });
    // A drop of traffic alone is a caller's failure or drop passed on.
    if (x.trafficDown > 0 && x.failure === 0 && caller.onsetMs <= x.trafficDownOnsetMs + tol) {
      const w = Math.max(caller.failure, caller.trafficDown);
      if (w > 0) out.push({ from: x.service, to: c, weight: w });
    }
  }
  const explained = out.reduce((m, t) => Math.max(m, t.weight), 0);
  const share = Math.min(1, explained / Math.max(x.own, 1e-9));
  out.push({ from: x.service, to: x.service, weight: x.own * Math.max(1 - o.explainWeight * share, 0.02) });
  return out;
}

/** The change prior: changes on a service shortly before its onset; a global flag goes to the walk's favourite. */
function changeFindings(
  changes: readonly ChangeSignal[],
  byService: ReadonlyMap<string, ServiceProfile>,
  pi: ReadonlyMap<string, number>,
  o: Options,
): Map<string, ChangeFinding> {
  const out = new Map<string, ChangeFinding>();
  const favourite = [...pi].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  const recency = (delta: number) => {
    if (delta < -o.changeGraceMs || delta > o.changeLookbackMs) return 0;
    const fresh = Math.min(3 * MINUTE, o.changeLookbackMs);
    if (delta <= fresh) return 1;
    return 1 - (0.6 * (delta - fresh)) / Math.max(o.changeLookbackMs - fresh, 1);
  };
  for (const c of changes) {
    if (!DEPLOY_CHANGES.has(c.change) || RESPONDING_ORIGINS.has(c.origin ?? '')) continue;
    const global = c.service === undefined;
    const target = global ? favourite : c.service;
    if (target === undefined) continue;
    const p = byService.get(target);
    if (p === undefined) continue;
    const delta = p.onsetMs - c.atMs;
    const score = (CHANGE_WEIGHT[c.change] ?? 0) * recency(delta) * (global ? 0.8 : 1);
    if (score <= 0) continue;
    const what =
      c.change === 'flag' ? `flag ${c.flag ?? ''} changed`.replace('  ', ' ') : `${c.change} of ${target}`;
    const when = delta >= 0 ? `${seconds(delta)} before onset` : `${seconds(-delta)} after onset`;
    const text = `${what} (${c.detail}) ${when}${global ? ' (global: the deepest anomalous service)' : ''}`;
    const prev = out.get(target);
    if (prev === undefined || score > prev.score) out.set(target, { score, text });
  }
  return out;
}

interface KindScore {
  readonly score: number;
  readonly evidence: readonly string[];
}

function kindScores(
  p: ServiceProfile,
  graph: Adjacency,
  byService: ReadonlyMap<string, ServiceProfile>,
  findings: readonly EdgeFinding[],
  change: ChangeFinding | undefined,
  loadExplained: number,
  o: Options,
): Record<RootCauseKind, KindScore> {
  const tol = o.onsetToleranceMs;
  const dependencyDown = (s: Symptom) =>
    s.family === 'down' && DEPENDENCY_CLASSES.some((k) => s.classes.has(k));
  const crashes = p.symptoms.filter(
    (s) => s.family === 'down' && s.saturation === false && !dependencyDown(s),
  );
  const selfLoad =
    p.trafficUp > 0 && p.trafficUpOnsetMs <= p.failureOnsetMs + tol ? Math.min(1, p.trafficUp / 0.6) : 0;

  const sat: [number, string][] = [];
  for (const s of p.symptoms) {
    if (s.family === 'saturation' && s.direction === 'above')
      sat.push([s.strength * (1 - 0.8 * selfLoad) * (1 - 0.8 * loadExplained), s.text]);
    // An unready replica after a crash is the crash; with memory or hang words it is saturation anyway.
    const hung = s.classes.has('memory') || s.classes.has('hang');
    if (s.family === 'down' && s.saturation === true && (crashes.length === 0 || hung))
      sat.push([0.8, s.text]);
    if (s.family !== 'down' && SATURATION_CLASSES.some((k) => s.classes.has(k))) sat.push([0.7, s.text]);
  }

  const dep: [number, string][] = [];
  for (const f of findings)
    if (f.where !== 'callee' && f.caller === p.service) dep.push([0.9 * f.strength, f.text]);
  for (const s of p.symptoms) {
    if (dependencyDown(s)) dep.push([0.8, s.text]);
    if (s.family === 'down' || s.classes.has('bus')) continue;
    if (s.classes.has('database') || s.classes.has('provider')) dep.push([0.75, s.text]);
    else if (DEPENDENCY_CLASSES.some((k) => s.classes.has(k))) dep.push([0.7, s.text]);
  }

  const traffic: [number, string][] = [];
  if (p.trafficUp > 0) {
    const callers = [...(graph.callers.get(p.service) ?? [])];
    const fromCallers = callers.some((c) => (byService.get(c)?.trafficUp ?? 0) > 0);
    // An inner service whose callers' traffic stayed flat is not flooded from outside: its callers call it
    // more per request — retries of its own failing calls, when it fails too.
    const inner = callers.length > 0 && !fromCallers;
    const retries = inner && p.failure > 0;
    const first = p.trafficUpOnsetMs <= p.failureOnsetMs + tol;
    const text =
      p.symptoms.find((s) => s.family === 'traffic' && s.direction === 'above')?.text ?? 'traffic up';
    traffic.push([
      Math.min(1, p.trafficUp / 0.6) *
        (fromCallers ? 0.4 : retries ? 0.15 : inner ? 0.5 : 1) *
        (first ? 1 : 0.5),
      retries
        ? `${text} while its callers' traffic stayed flat (retries of its failing calls)`
        : inner
          ? `${text} while its callers' traffic stayed flat`
          : `${text} at the edge, first`,
    ]);
    for (const s of p.symptoms) if (s.classes.has('overload')) traffic.push([0.6, s.text]);
  }

  // A change brings no requests in: at a service flooded first, bearing nothing but load's own marks (traffic,
  // rate-limited requests, CPU, log rates), the change before it explains none of it — the fifth run's flood
  // came 30 s after the previous fault's config was put back on the gateway.
  const loadOnly = p.symptoms.every(
    (s) =>
      s.direction === 'below' || s.family === 'traffic' || s.family === 'saturation' || s.family === 'logs',
  );
  const changeWeight = loadOnly ? 1 - selfLoad : 1;

  const failure: [number, string][] = [[0.35, 'no change, saturation or failing dependency behind it']];
  for (const s of crashes) failure.push([0.85, s.text]);

  const pick = (list: [number, string][]): KindScore => {
    const sorted = [...list].sort((a, b) => b[0] - a[0]);
    return { score: Math.min(1, sorted[0]?.[0] ?? 0), evidence: sorted.slice(0, 3).map(([, t]) => t) };
  };
  return {
    change:
      change === undefined
        ? { score: 0, evidence: [] }
        : { score: Math.min(1, 1.2 * change.score * changeWeight), evidence: [change.text] },
    saturation: pick(sat),
    dependency: pick(dep),
    traffic: pick(traffic),
    failure: pick(failure),
  };
}

/** The kind's evidence first, then the service's strongest symptoms and what it explains upstream. */
function evidence(
  p: ServiceProfile,
  kindEvidence: readonly string[],
  graph: Adjacency,
  byService: ReadonlyMap<string, ServiceProfile>,
): string[] {
  const out = [...kindEvidence];
  const top = [...p.symptoms].sort((a, b) => b.strength - a.strength || a.onsetMs - b.onsetMs).slice(0, 3);
  for (const s of top) {
    const text = `${s.text} from ${clock(s.onsetMs)}`;
    if (!out.some((e) => e.startsWith(s.text))) out.push(text);
  }
  const callers = [...(graph.callers.get(p.service) ?? [])]
    .map((c) => byService.get(c))
    .filter((c): c is ServiceProfile => c !== undefined && c.failure > 0 && p.failure > 0);
  if (callers.length > 0) {
    const lead = Math.min(...callers.map((c) => c.failureOnsetMs)) - p.failureOnsetMs;
    const names = callers.map((c) => c.service).join(', ');
    out.push(
      lead >= 0
        ? `its callers ${names} followed ${seconds(lead)} later`
        : `its callers ${names} showed symptoms ${seconds(-lead)} earlier (within the detection lag)`,
    );
  }
  return out;
}
