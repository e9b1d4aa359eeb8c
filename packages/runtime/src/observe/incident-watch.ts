import { join } from 'node:path';
import {
  createIncidentManager,
  createRemediationEngine,
  defaultPolicies,
  gzipJsonFile,
  incidentJson,
  isWeakSymptom,
  localiseRootCauses,
  ProposalNotFoundError,
  type AnomalyEvent,
  type ChangeSignal,
  type Diagnosis,
  type DiagnosisChange,
  type DiagnosisReplica,
  type Incident,
  type IncidentChange,
  type IncidentManagerSnapshot,
  type LogEvent,
  type RcaGraph,
  type RemediationPlatform,
  type RemediationPolicyInput,
  type RemediationStep,
  type RootCause,
  type Signal,
  type SymptomSignal,
} from '@opsloop/aiops';
import type { IncidentJson, RemediationProposalJson } from '@opsloop/contracts';
import type { Clock, TimerHandle } from '@opsloop/kit';
import {
  GOLDEN_SIGNAL_NAMES,
  goldenSignalQuery,
  SLO_BURN_ALERT,
  type GoldenSignalName,
  type PostableAlert,
  type TelemetryBackend,
} from '@opsloop/telemetry';
import { ControlRequestError, type IncidentApi } from '../control-api/aiops-routes.js';
import type { EventListener, RuntimeEvent } from '../events.js';
import type { SystemSpec } from '../spec/schema.js';
import { changeSignalOf, createAlertTransitions, createCrashAlerts } from './incident-signals.js';
import { createRecoveryCheck } from './recovery-check.js';
import { createRemediationOrigins, type FlagDefinitionFacts } from './remediation-origins.js';
import { replicaUsage } from './replica-usage.js';

/** Options of {@link startIncidentWatch}. */
export interface IncidentWatchOptions {
  clock: Clock;
  backend: TelemetryBackend;
  spec(): SystemSpec;
  platform: RemediationPlatform;
  /** The replicas of a service as remediation sees them. */
  replicasOf(service: string): DiagnosisReplica[];
  /** The request rate of each service before an incident (for load shedding), requests/s. */
  requestRates(): Record<string, number>;
  /** The request rate of each service now, requests/s (saturation by load is not met with a restart). */
  currentRequestRates?(): Record<string, number>;
  stateDir: string;
  report: EventListener;
  /** Services the schedule holds down: their anomalies (traffic gone, replicas gone) are planned. */
  scheduledDown?(service: string): boolean;
  /** Every remediation step, for the audit log. */
  audit(step: RemediationStep): void;
}

/** What the runtime feeds the incident watch, and what the control API reads. */
export interface IncidentWatch {
  /** A runtime event (changes and replica lifecycle are context; the rest is ignored). */
  event(event: RuntimeEvent): void;
  anomaly(change: { kind: 'opened' | 'updated' | 'resolved'; event: AnomalyEvent }): void;
  logEvent(event: LogEvent): void;
  /** The alert pipeline's alerts after each evaluation. */
  alerts(alerts: readonly PostableAlert[]): void;
  /**
   * A service's template changed through `apply` (`fields` as the spec diff names them): a deploy when its
   * command or version changed, a config change otherwise.
   */
  serviceChanged(service: string, fields: readonly string[], revision: string): void;
  /** A flag's default variant changed (a change that can break every service that evaluates it). */
  flagChanged(flag: string, from: string | null, to: string | null): void;
  readonly api: IncidentApi;
  stop(): Promise<void>;
}

interface SavedState {
  version: 1;
  incidents: IncidentManagerSnapshot;
  remediation: unknown;
}

const isSavedState = (value: unknown): value is SavedState =>
  typeof value === 'object' && value !== null && (value as { version?: unknown }).version === 1;

/** How long after start symptoms are ignored (replicas starting, detectors settling). */

/**
 * Whether remediation may act on an incident: it needs harm users feel, as live detection measured it against
 * what it learnt is normal: errors or latency above their band. Log events, alerts, traffic and CPU changes
 * make and explain incidents; alone they move nothing (more users than usual, an SLO burn alert over a
 * start-up's few minutes of data, a new log message).
 */
const actionable = (incident: Incident) =>
  incident.symptoms.some((s) => s.signal.type === 'anomaly' && harmful(s.signal.anomaly));

/**
 * Whether an anomaly is harm worth acting on: errors at least a percentage point over their usual level, a
 * latency at least twice its usual and a quarter of a second over it — what a person waiting on a page
 * notices — or a saturated event loop: its p99 lag (a saturation signal in seconds) twice its usual and 100 ms
 * over it, a wait every request on that process shares — or a replica's memory twice its usual and 256 MiB
 * over it: a leak users do not feel yet, and will when the process is killed for it — or an event consumer
 * ten seconds and twice its usual behind (`consumer_lag`): no one waits on a page for it, but mails, loyalty
 * points and whatever else follows an event stop. A busy minute that takes a 90 ms p95 to 200 ms, or CPU rising
 * with the load, is an anomaly, context for an incident, not a reason to restart anything (the recovery
 * benchmark's soak: twice the load did exactly that).
 */
export function harmful(anomaly: {
  /** The live signal's name (`consumer_lag`, …); without it, judged by kind and unit alone. */
  signal?: string;
  kind: string;
  direction: string;
  value: number;
  /** How bad the episode got so far (see AnomalyEvent.worst); `value` when absent. */
  worst?: number;
  expected: number;
  unit?: string;
}): boolean {
  if (anomaly.direction !== 'above') return false;
  const value = Math.max(anomaly.value, anomaly.worst ?? anomaly.value);
  const over = (seconds: number) => value >= Math.max(2 * anomaly.expected, anomaly.expected + seconds);
  if (anomaly.kind === 'errors') return value >= anomaly.expected + 0.01;
  if (anomaly.signal === CONSUMER_LAG_SIGNAL) return over(CONSUMER_LAG_HARM_SECONDS);
  if (anomaly.kind === 'latency') return over(LATENCY_HARM_SECONDS);
  if (anomaly.kind === 'saturation' && anomaly.unit === 'seconds') return over(LAG_HARM_SECONDS);
  if (anomaly.kind === 'saturation' && anomaly.unit === 'bytes') return over(MEMORY_HARM_BYTES);
  return false;
}

/**
 * Whether a rate limit turned away at least 5 % more of the requests than usual (`throttled`): a flood the
 * limiter contains. It opens an incident, so someone learns of it and its cause is ranked, but it is no harm
 * to repair: the limiter is doing its job, and tightening it would not bring the ratio down.
 */
export function turnedAway(anomaly: {
  signal?: string;
  direction: string;
  value: number;
  worst?: number;
  expected: number;
}): boolean {
  if (anomaly.signal !== THROTTLED_SIGNAL || anomaly.direction !== 'above') return false;
  return Math.max(anomaly.value, anomaly.worst ?? anomaly.value) >= anomaly.expected + THROTTLED_RATIO;
}

/** The golden signal of requests a rate limit refused (429s), as a ratio of all requests. */
const THROTTLED_SIGNAL = 'throttled';
/** The share of requests refused, over the usual, that opens an incident. */
const THROTTLED_RATIO = 0.05;

/** Memory over its usual level that counts as harm (with twice the usual level): a leak heading for the OOM kill. */
const MEMORY_HARM_BYTES = 256 * 1024 * 1024;

/**
 * Symptoms that join incidents as evidence but never open one or keep one going: mild anomalies (see
 * {@link harmful}), traffic, log rates and CPU, and SLO budget-burn alerts. A burn rate is harm measured over
 * windows of 5 minutes to an hour: it fires after the detectors have seen the harm and keeps firing for
 * minutes after users stopped seeing it — the recovery benchmark saw it hold incidents open long after the
 * fault ended, and open new ones once they had resolved. The alert still goes to the notifier.
 */
export function isContextOnly(signal: SymptomSignal): boolean {
  if (signal.type === 'anomaly') return !harmful(signal.anomaly) && !turnedAway(signal.anomaly);
  if (signal.type === 'alert' && signal.alert.name === SLO_BURN_ALERT) return true;
  return isWeakSymptom(signal);
}

/** Latency over its usual level that counts as harm (with twice the usual level). */
const LATENCY_HARM_SECONDS = 0.25;
/** The golden signal of event consumers' lag (a latency of asynchronous work, where seconds are normal). */
const CONSUMER_LAG_SIGNAL = 'consumer_lag';
/** Consumer lag over its usual level that counts as harm (with twice the usual level). */
const CONSUMER_LAG_HARM_SECONDS = 10;
/** Event-loop lag over its usual level that counts as harm (with twice the usual level). */
const LAG_HARM_SECONDS = 0.1;

/** Signal families whose departures below normal are improvements, not symptoms. */
const IMPROVEMENTS = new Set(['latency', 'errors', 'saturation']);

/** How long after remediation acted on a service (or flag) the changes it causes are marked as its. */
const ORIGIN_WINDOW_MS = 30_000;

/** How often the observed service graph is read from the traces. */
const GRAPH_REFRESH_MS = 15_000;
/** How far back the observed graph reaches. */
const GRAPH_WINDOW_MS = 5 * 60_000;

/**
 * The closed loop of the AIOps layer: anomaly episodes, log events and alerts are correlated (time, service
 * graph, trace ids) with the changes before them into incidents; a few seconds after an incident opens its
 * root causes are ranked from the traces' service graph, and the diagnosis goes to guarded remediation,
 * whose every step is verified on short-window queries, recorded in the incident's timeline and audited.
 * Incidents and the remediation counters survive restarts.
 */
export async function startIncidentWatch(options: IncidentWatchOptions): Promise<IncidentWatch> {
  const { clock, backend, report } = options;
  const settings = options.spec().runtime.aiops;
  const file = gzipJsonFile(
    join(options.stateDir, 'aiops', 'incidents.json.gz'),
    isSavedState,
    'incidents state',
  );
  let saved: SavedState | undefined;
  try {
    saved = await file.load();
  } catch (error) {
    report({ type: 'anomaly-detection-warning', message: `incidents start afresh: ${String(error)}` });
  }

  /** The declared graph (dependsOn) and the one the traces showed lately. */
  let observed: RcaGraph = { edges: [] };
  const declared = (): RcaGraph['edges'] =>
    Object.entries(options.spec().services).flatMap(([service, s]) =>
      s.dependsOn.map((child) => ({ parent: service, child, declared: true })),
    );
  const graph = (): RcaGraph => {
    const seen = new Set(observed.edges.map((e) => `${e.parent}>${e.child}`));
    return {
      ...(observed.nodes === undefined ? {} : { nodes: observed.nodes }),
      edges: [...observed.edges, ...declared().filter((e) => !seen.has(`${e.parent}>${e.child}`))],
    };
  };
  const tracesBetween = async (start: number, end: number): Promise<RcaGraph> => {
    const g = await backend.traces.dependencies({ start, end });
    return { nodes: g.nodes, edges: g.edges };
  };
  const refreshGraph = async () => {
    const now = clock.now();
    try {
      observed = await tracesBetween(now - GRAPH_WINDOW_MS, now);
    } catch {
      // The declared graph is enough to correlate; the next refresh tries again.
    }
  };
  await refreshGraph();

  const manager = createIncidentManager({
    clock,
    graph,
    // Only harm opens an incident or keeps it going: a mild departure (a p95 from 250 to 440 ms) is context
    // for the incident it falls into, not a new one (on a busy machine there is always one somewhere).
    options: { weakSymptom: isContextOnly },
    onChange: (changes) => handle(changes),
    ...(saved === undefined ? {} : { snapshot: saved.incidents }),
  });
  /** The failover switches the spec declares: a service (whose dependency may fail) → its alternative. */
  const failovers = failoversOf(options.spec());
  const recovery = createRecoveryCheck({ metrics: backend.metrics, now: () => clock.now() });
  /** Services and flags remediation acted on lately: the changes that follow are its, not a new cause. */
  const origins = createRemediationOrigins({
    now: () => clock.now(),
    windowMs: ORIGIN_WINDOW_MS,
    flags: () => flagDefinitionsOf(options.spec()),
  });
  const actedLately = (key: string | undefined) => origins.actedLately(key);
  const platform = origins.wrap(options.platform);
  const remediation = createRemediationEngine({
    clock,
    platform,
    mode: settings.remediation.mode,
    policies:
      (settings.remediation.policies as RemediationPolicyInput[] | undefined) ??
      defaultPolicies({ failovers, circuitCallers: circuitCallersOf(options.spec()) }),
    limits: { maxActionsPerHourPerService: settings.remediation.maxActionsPerHourPerService },
    proposalTimeoutMs: settings.remediation.proposalTimeoutSeconds * 1000,
    verify: async (id) => {
      const incident = manager.get(id);
      return incident === undefined ? 'unknown' : recovery.verify(incident);
    },
    notify: (payload) => {
      backend.postAlerts(
        payload.alerts.map((a) => ({
          labels: a.labels,
          annotations: a.annotations,
          startsAtMs: Date.parse(a.startsAt),
          endsAtMs: a.status === 'resolved' ? Date.parse(a.endsAt) : clock.now() + 10 * 60_000,
        })),
      );
    },
    audit: (step) => options.audit(step),
    onStep: (step) => onStep(step),
  });
  if (saved !== undefined) {
    try {
      remediation.restore(saved.remediation);
    } catch (error) {
      report({
        type: 'anomaly-detection-warning',
        message: `remediation limits start afresh: ${String(error)}`,
      });
    }
  }

  const diagnosisTimers = new Map<string, TimerHandle>();
  /** Incidents handed to remediation (once each). */
  const diagnosed = new Set<string>();
  /** When incidents were last reopened: their diagnosis looks from there. */
  const reopenedAt = new Map<string, number>();
  /** Symptoms before this are the runtime's own start (replicas coming up), not incidents. */
  const quietUntil = clock.now() + settings.incidents.startupGraceSeconds * 1000;
  /** The flag changes seen, for a kill switch (the variant to go back to). */
  const flagChanges: { atMs: number; flag: string; from: string | null; to: string | null }[] = [];
  let stopped = false;

  function ingest(signal: Signal): void {
    if (stopped) return;
    if (signal.type !== 'change' && clock.now() < quietUntil) return;
    try {
      handle(manager.ingest(signal));
    } catch (error) {
      report({ type: 'anomaly-detection-warning', message: `incident correlation: ${String(error)}` });
    }
  }

  function handle(changes: readonly IncidentChange[]): void {
    for (const change of changes) {
      const { incident } = change;
      if (change.type === 'opened' || change.type === 'reopened') {
        report({
          type: 'incident',
          phase: change.type,
          id: incident.id,
          services: [...incident.services],
          summary: incident.symptoms[0]?.summary ?? '',
        });
        // A reopened incident is diagnosed again, from its reopening: the symptoms that reopened it may have
        // another cause than the ones it resolved from (the next fault, reopening the last one's incident).
        if (change.type === 'reopened') {
          diagnosed.delete(incident.id);
          servicesSeen.delete(incident.id);
          reopenedAt.set(incident.id, clock.now());
        }
        scheduleDiagnosis(incident, change.type === 'reopened' ? clock.now() : incident.openedAtMs);
      } else if (change.type === 'updated' && !diagnosed.has(incident.id)) {
        if (actionable(incident) || diagnosisTimers.has(incident.id)) scheduleDiagnosis(incident);
      } else if (change.type === 'merged' && change.mergedId !== undefined) {
        diagnosisTimers.get(change.mergedId)?.cancel();
        diagnosisTimers.delete(change.mergedId);
        if (!diagnosed.has(incident.id)) scheduleDiagnosis(incident);
      } else if (change.type === 'resolved') {
        remediation.cancel(incident.id);
        recovery.forget(incident.id);
        servicesSeen.delete(incident.id);
        reopenedAt.delete(incident.id);
        report({
          type: 'incident',
          phase: 'resolved',
          id: incident.id,
          services: [...incident.services],
          summary: incident.verified ? 'recovery verified' : 'symptoms ended',
        });
      }
    }
  }

  /** The services each incident had when its diagnosis was (re)scheduled. */
  const servicesSeen = new Map<string, number>();

  /**
   * Diagnoses `diagnoseAfterSeconds` after the incident opened — later while services keep joining (a fault's
   * callers often show before the fault itself: waiting one more interval lets its own symptom arrive), but
   * never later than four times that after the opening.
   */
  /** Diagnoses `incident` `diagnoseAfterSeconds` after `sinceMs` (its opening, or its reopening), later while services join. */
  function scheduleDiagnosis(incident: Incident, sinceMs = incident.openedAtMs): void {
    if (diagnosed.has(incident.id)) return;
    const after = settings.incidents.diagnoseAfterSeconds * 1000;
    const joined = incident.services.length > (servicesSeen.get(incident.id) ?? incident.services.length);
    servicesSeen.set(incident.id, incident.services.length);
    const pending = diagnosisTimers.get(incident.id);
    if (pending !== undefined && !joined) return;
    const due = joined ? Math.min(clock.now() + after, sinceMs + 4 * after) : sinceMs + after;
    pending?.cancel();
    const delay = Math.max(0, due - clock.now());
    diagnosisTimers.set(
      incident.id,
      clock.after(delay, () => {
        diagnosisTimers.delete(incident.id);
        void diagnose(incident.id);
      }),
    );
  }

  async function diagnose(id: string): Promise<void> {
    if (stopped || diagnosed.has(id)) return;
    const incident = manager.get(id);
    if (incident === undefined || incident.status === 'resolved') return;
    // Logs alone (a new message, a burst of errors) are worth an incident, not an action: remediation waits
    // for what users feel (a metric anomaly or an alert).
    const act = actionable(incident);
    if (act) diagnosed.add(incident.id);
    try {
      const now = clock.now();
      const reopened = reopenedAt.get(incident.id);
      const onset = reopened ?? incident.openedAtMs;
      const [during, baseline] = await Promise.all([
        tracesBetween(onset - 60_000, now).catch(() => observed),
        tracesBetween(onset - 10 * 60_000, onset - 60_000).catch(() => undefined),
      ]);
      const declaredEdges = declared();
      const seen = new Set(during.edges.map((e) => `${e.parent}>${e.child}`));
      const evidence = manager.evidence(incident.id, reopened);
      const causes = await localiseRootCauses({
        signals: evidence.signals,
        changes: evidence.changes,
        graph: {
          ...(during.nodes === undefined ? {} : { nodes: during.nodes }),
          edges: [...during.edges, ...declaredEdges.filter((e) => !seen.has(`${e.parent}>${e.child}`))],
        },
        ...(baseline === undefined ? {} : { baseline }),
        series: seriesOf,
        nowMs: now,
      });
      manager.setRootCauses(incident.id, causes);
      const top = causes[0];
      report({
        type: 'incident',
        phase: 'diagnosed',
        id: incident.id,
        services: [...incident.services],
        summary:
          top === undefined
            ? 'no root cause found'
            : `root cause ${top.service} (${top.kind}, ${top.score.toFixed(2)})`,
      });
      const current = manager.get(incident.id) ?? incident;
      if (act) await remediation.diagnose(await diagnosisOf(current, causes));
    } catch (error) {
      report({ type: 'anomaly-detection-warning', message: `diagnosis of ${id}: ${String(error)}` });
    }
  }

  /** A golden signal of one service over a window (saturation signals live detection does not watch). */
  async function seriesOf(service: string, signal: string, fromMs: number, toMs: number) {
    if (!(GOLDEN_SIGNAL_NAMES as readonly string[]).includes(signal)) return [];
    const { expr } = goldenSignalQuery(service, signal as GoldenSignalName, { window: '1m' });
    const step = Math.max(5_000, Math.ceil((toMs - fromMs) / 200));
    const result = await backend.metrics.rangeQuery(expr, fromMs, toMs, step);
    if (result.type !== 'matrix') return [];
    const series = result.series[0];
    return series === undefined ? [] : series.timestampsMs.map((t, i) => ({ t, v: series.values[i]! }));
  }

  async function diagnosisOf(incident: Incident, causes: readonly RootCause[]): Promise<Diagnosis> {
    const services = [...new Set([...incident.services, ...causes.map((c) => c.service)])];
    const usage = await replicaUsage(backend.metrics, services, clock.now());
    const replicas: Record<string, DiagnosisReplica[]> = {};
    for (const service of services)
      replicas[service] = options.replicasOf(service).map((r) => ({ ...usage.get(r.name), ...r }));
    const reopened = reopenedAt.get(incident.id);
    return {
      incidentId: incident.id,
      ...(reopened === undefined ? {} : { reopenedAtMs: reopened }),
      // Remediation names a dependency failure by what failed (the database, the provider), so that its
      // policies can reset its callers' pools; a service with a declared failover keeps its own name.
      rootCauses: causes.map((c) =>
        c.kind === 'dependency' && c.dependency !== undefined && failovers[c.service] === undefined
          ? {
              ...c,
              service: c.dependency,
              usedBy: [c.service],
              evidence: [`used by ${c.service}`, ...c.evidence],
            }
          : c,
      ),
      services,
      signals: incident.symptoms.flatMap((s) =>
        s.signal.type === 'anomaly'
          ? [
              {
                service: s.signal.anomaly.service,
                signal: s.signal.anomaly.signal,
                direction: s.signal.anomaly.direction,
              },
            ]
          : [],
      ),
      context: {
        changes: incident.changes.flatMap((c) => diagnosisChange(c)),
        replicas,
        requestRates: options.requestRates(),
        ...(options.currentRequestRates === undefined
          ? {}
          : { currentRequestRates: options.currentRequestRates() }),
      },
    };
  }

  function diagnosisChange(change: ChangeSignal): DiagnosisChange[] {
    const origin = change.origin === undefined ? {} : { origin: change.origin };
    switch (change.change) {
      case 'rollout-started':
      case 'rollout-promoted':
      case 'deploy':
        return [
          {
            ...(change.service === undefined ? {} : { service: change.service }),
            change: 'rollout',
            atMs: change.atMs,
            ...origin,
          },
        ];
      case 'config':
        return [
          {
            ...(change.service === undefined ? {} : { service: change.service }),
            change: 'config',
            atMs: change.atMs,
            ...origin,
          },
        ];
      case 'flag': {
        const seen = flagChanges.find((f) => f.flag === change.flag && f.atMs === change.atMs);
        if (change.flag === undefined || seen === undefined) return [];
        return [
          {
            change: 'flag',
            atMs: change.atMs,
            flag: change.flag,
            ...(seen.to === null ? {} : { variant: seen.to }),
            ...(seen.from === null ? {} : { previousVariant: seen.from }),
            ...origin,
          },
        ];
      }
      default:
        return [];
    }
  }

  function onStep(step: RemediationStep): void {
    const action = {
      type: step.action,
      target: step.target,
      at: step.at,
      result: step.phase,
      detail: step.detail,
    };
    try {
      if (step.phase === 'executing') manager.markMitigating(step.incidentId, action);
      else if (step.phase === 'verified') {
        manager.recordAction(step.incidentId, action);
        // The manager returns the resolution rather than calling onChange: report it like any other.
        handle(manager.markResolved(step.incidentId, { verified: true, detail: step.detail }));
      } else if (step.phase === 'escalated') manager.escalate(step.incidentId, step.detail);
      else manager.recordAction(step.incidentId, action);
    } catch {
      // The incident may have been merged away or forgotten; the step is still audited and reported.
    }
    report({
      type: 'remediation',
      incident: step.incidentId,
      phase: step.phase,
      action: step.action,
      target: step.target,
      detail: step.detail,
    });
  }

  const crashAlerts = createCrashAlerts();
  const alertTransitions = createAlertTransitions();
  let lastSave = clock.now();
  let timer: TimerHandle | null = null;
  const save = () =>
    file
      .save({ version: 1, incidents: manager.snapshot(), remediation: remediation.snapshot() })
      .catch((error: unknown) =>
        report({ type: 'anomaly-detection-warning', message: `incidents not saved: ${String(error)}` }),
      );
  const loop = () => {
    timer = clock.after(GRAPH_REFRESH_MS, () => {
      if (stopped) return;
      void refreshGraph();
      if (clock.now() - lastSave >= 60_000) {
        lastSave = clock.now();
        void save();
      }
      loop();
    });
  };
  loop();
  // Incidents that were open when the runtime stopped are diagnosed again if they never were.
  for (const incident of manager.list())
    if (incident.status === 'open' && incident.rootCauses.length === 0) scheduleDiagnosis(incident);
    else diagnosed.add(incident.id);

  const api: IncidentApi = {
    list: ({ status, limit }): IncidentJson[] =>
      manager
        .list()
        .filter((i) =>
          status === undefined ? true : status === 'active' ? i.status !== 'resolved' : i.status === status,
        )
        .slice(0, limit)
        .map(incidentJson),
    get: (id): IncidentJson | undefined => {
      const incident = manager.get(id);
      return incident === undefined ? undefined : incidentJson(incident);
    },
    proposals: () =>
      remediation.pending().map((p): RemediationProposalJson => ({
        ...p,
        proposedAt: new Date(p.proposedAtMs).toISOString(),
        expiresAt: new Date(p.expiresAtMs).toISOString(),
      })),
    approve: async (id, by) => {
      const incidentId = remediation.pending().find((p) => p.id === id)?.incidentId;
      const execution = remediation.approve(id, by);
      // An unknown or expired proposal is refused at once; the approved action may take minutes (a rolling
      // restart waits for every replica): answer once it is under way — its steps go on the incident's timeline.
      const early = await Promise.race([
        execution.then(
          (status) => ({ status }),
          (error: unknown) => ({ error }),
        ),
        new Promise<undefined>((resolve) => setImmediate(() => resolve(undefined))),
      ]);
      if (early === undefined) {
        execution.catch((error: unknown) =>
          report({ type: 'anomaly-detection-warning', message: `approved proposal ${id}: ${String(error)}` }),
        );
        return (
          (incidentId === undefined ? undefined : remediation.incident(incidentId)) ?? { proposalId: id }
        );
      }
      if ('status' in early) return early.status;
      if (early.error instanceof ProposalNotFoundError)
        throw new ControlRequestError(early.error.message, 'not-found');
      throw early.error;
    },
    reject: (id, by, reason) => {
      try {
        return Promise.resolve(remediation.reject(id, by, reason));
      } catch (error) {
        if (error instanceof ProposalNotFoundError) throw new ControlRequestError(error.message, 'not-found');
        throw error;
      }
    },
  };

  return {
    api,
    event(event) {
      const signal = changeSignalOf(event, clock.now());
      if (signal !== undefined) {
        const origin =
          signal.origin ??
          (event.type === 'autoscaled'
            ? 'autoscaler'
            : actedLately(signal.service)
              ? 'remediation'
              : undefined);
        ingest(origin === undefined ? signal : { ...signal, origin });
      }
      // After the exit's change signal, so the incident it opens starts with that context.
      const crash = crashAlerts(event, clock.now());
      if (crash !== undefined) ingest(crash);
    },
    anomaly({ kind, event }) {
      // Faster, fewer errors, less CPU: a departure, but not a symptom (often the knock-on of less traffic).
      if (event.direction === 'below' && IMPROVEMENTS.has(event.kind)) return;
      if (kind !== 'resolved' && options.scheduledDown?.(event.service) === true) return;
      ingest({
        type: 'anomaly',
        atMs: clock.now(),
        anomaly: kind === 'resolved' ? { ...event, state: 'resolved' } : event,
      });
    },
    logEvent(event) {
      ingest({ type: 'log', atMs: event.atMs, event });
    },
    alerts(alerts) {
      for (const signal of alertTransitions(alerts, clock.now())) ingest(signal);
    },
    serviceChanged(service, fields, revision) {
      const deploy = fields.some((f) => f === 'command' || f === 'env.SERVICE_VERSION' || f === 'image');
      ingest({
        type: 'change',
        atMs: clock.now(),
        service,
        change: deploy ? 'deploy' : 'config',
        detail: `${service} → ${revision} (${fields.join(', ')})`,
      });
    },
    flagChanged(flag, from, to) {
      const atMs = clock.now();
      flagChanges.push({ atMs, flag, from, to });
      if (flagChanges.length > 200) flagChanges.shift();
      ingest({
        type: 'change',
        atMs,
        change: 'flag',
        flag,
        detail: `flag ${flag}: ${from ?? '(none)'} → ${to ?? '(none)'}`,
        ...(actedLately(`flag:${flag}`) ? { origin: 'remediation' } : {}),
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      timer?.cancel();
      for (const t of diagnosisTimers.values()) t.cancel();
      diagnosisTimers.clear();
      remediation.stop();
      manager.close();
      await save();
    },
  };
}

/** The spec's flag definitions, as far as remediation reads them. */
function flagDefinitionsOf(spec: SystemSpec): Record<string, FlagDefinitionFacts> {
  return (spec.flags as { flags?: Record<string, FlagDefinitionFacts> } | undefined)?.flags ?? {};
}

/** Per dependency, the services that can do without it (`optionalDependencies`): whose circuit may open. */
export function circuitCallersOf(spec: SystemSpec): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [caller, service] of Object.entries(spec.services))
    for (const dependency of service.optionalDependencies) (out[dependency] ??= []).push(caller);
  return out;
}

/** Each failover switch the spec declares (a flag with `metadata.failoverFor: <dependency>`): dependency → its alternative variant. */
function failoversOf(spec: SystemSpec): Record<string, string> {
  const out: Record<string, string> = {};
  for (const flag of Object.values(flagDefinitionsOf(spec))) {
    const dependency = flag.metadata?.failoverFor;
    if (typeof dependency !== 'string') continue;
    const alternative = Object.keys(flag.variants ?? {}).find((v) => v !== flag.defaultVariant);
    if (alternative !== undefined) out[dependency] = alternative;
  }
  return out;
}
