/**
 * Correlates symptoms into incidents and keeps their lifecycle (docs/aiops.md, "Incidents and root cause"):
 * a symptom joins an open incident active within the window whose services are within k hops of its own
 * (or that shares a trace id); a signal that links two incidents merges them; changes are context only.
 */
import type { Clock, TimerHandle } from '@opsloop/kit';
import type { RootCause } from '../rca/rca-types.js';
import { IncidentSignalError, IncidentSnapshotError, UnknownIncidentError } from './incident-errors.js';
import { ulid } from './incident-id.js';
import type {
  Incident,
  IncidentAction,
  IncidentChange,
  IncidentSeverity,
  IncidentStatus,
  IncidentSymptom,
  TimelineEntry,
} from './incident.js';
import { signalSummary } from './signal-summary.js';
import {
  signalService,
  symptomKey,
  type AnomalySignal,
  type AnomalySignalData,
  type ChangeSignal,
  type Signal,
  type SymptomSignal,
} from './signal.js';

/** The edges the correlation reads (a telemetry `DependencyGraph` or the declared graph fit). */
export interface CorrelationGraph {
  readonly edges: readonly { readonly parent: string; readonly child: string }[];
}

/** Windows and bounds of the correlation and lifecycle. */
export interface IncidentOptions {
  /** A symptom joins an incident active this recently, ms (default 5 minutes). */
  windowMs?: number;
  /** …whose services are within this many hops in the undirected graph (default 2). */
  hops?: number;
  /** Changes this long before an incident's onset are attached to it, ms (default 10 minutes). */
  changeLookbackMs?: number;
  /** Quiet time, with every anomaly and alert resolved, before an incident resolves; also the reopen window (default 60 s). */
  holdMs?: number;
  /** Timeline entries kept per incident; the oldest symptom entries are folded first (default 500). */
  maxTimeline?: number;
  /** Incidents kept; the oldest resolved ones go first (default 200). */
  maxIncidents?: number;
  /** Changes kept for attaching to later incidents (default 1000). */
  maxChanges?: number;
  /** Trace ids kept per incident (default 200). */
  maxTraceIds?: number;
  /**
   * Symptoms that join incidents but never open one, never merge two and never keep one alive (default:
   * anomalies of traffic, log-template rates and saturation (CPU) — a load that changes moves them all, and
   * they are the knock-on of a fault more often than its sign). Held for `windowMs` in case an incident
   * opens that they belong to.
   */
  weakSymptom?: (signal: SymptomSignal) => boolean;
}

/** Anomaly kinds that are context rather than harm (see {@link IncidentOptions.weakSymptom}). */
const WEAK_KINDS = new Set(['traffic', 'logs', 'saturation']);

/** The default {@link IncidentOptions.weakSymptom}. */
export function isWeakSymptom(signal: SymptomSignal): boolean {
  return signal.type === 'anomaly' && WEAK_KINDS.has(signal.anomaly.kind);
}

/** What {@link createIncidentManager} needs. */
export interface IncidentManagerOptions {
  clock: Clock;
  /** The current service graph (observed and declared edges). */
  graph: () => CorrelationGraph;
  options?: IncidentOptions;
  /** Called with what a timer-driven check changed (resolutions after the hold time). */
  onChange?: (changes: readonly IncidentChange[]) => void;
  /** State to continue from ({@link IncidentManager.snapshot}). */
  snapshot?: IncidentManagerSnapshot;
}

/** An action as the remediation side reports it. */
export interface ActionInput {
  readonly type: string;
  readonly target: string;
  /** When it happened, ms (default now). */
  readonly at?: number;
  readonly result?: string;
  readonly detail?: string;
}

/** The whole state as JSON. */
export interface IncidentManagerSnapshot {
  readonly version: 1;
  readonly incidents: readonly Incident[];
  readonly changes: readonly ChangeSignal[];
  readonly aliases: readonly (readonly [string, string])[];
}

/** The incident manager. */
export interface IncidentManager {
  /** Takes one signal; returns what it changed (nothing for a change event that touches no incident). */
  ingest(signal: Signal): IncidentChange[];
  /** Applies the time-driven transitions due now (also run by ingest and by a timer on the clock). */
  tick(): IncidentChange[];
  /** Every incident kept, newest first. */
  list(): Incident[];
  /** One incident (a merged-away id finds the incident it went into). */
  get(id: string): Incident | undefined;
  /** An action is being verified: records it (result `pending` unless given) and sets `mitigating`. */
  markMitigating(id: string, action: ActionInput): IncidentChange[];
  /** Records an action and its result (the status is unchanged). */
  recordAction(id: string, action: ActionInput): IncidentChange[];
  /** Remediation verified the fix: `resolved` now, `verified: true`. */
  markResolved(id: string, verification: { verified: true; detail?: string }): IncidentChange[];
  /** Remediation gave up: `escalated` until every symptom has ended, then `resolved`. */
  escalate(id: string, reason: string): IncidentChange[];
  /** Stores the ranked causes (a diagnosis entry; a repeated top cause refreshes it). */
  setRootCauses(id: string, causes: readonly RootCause[]): IncidentChange[];
  /** Adds a note to the timeline. */
  note(id: string, text: string): IncidentChange[];
  /** The symptoms and changes of an incident as root-cause input signals. */
  /**
   * What the incident holds for root-cause analysis: its symptoms (with their first onset) and changes. With
   * `sinceMs` (a reopening), only the symptoms seen since, with their onsets no earlier than it.
   */
  evidence(id: string, sinceMs?: number): { signals: SymptomSignal[]; changes: ChangeSignal[] };
  snapshot(): IncidentManagerSnapshot;
  /** Cancels the timer. */
  close(): void;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

interface Row extends Mutable<
  Omit<Incident, 'symptoms' | 'timeline' | 'services' | 'changes' | 'traceIds' | 'actions' | 'mergedFrom'>
> {
  actions: IncidentAction[];
  mergedFrom: string[];
  symptoms: Map<string, Mutable<IncidentSymptom>>;
  timeline: Mutable<TimelineEntry>[];
  services: string[];
  changes: ChangeSignal[];
  traceIds: string[];
  /** When every anomaly and alert had resolved (null while any fires). */
  quietSinceMs: number | null;
  /** When the status became resolved (for the reopen window). */
  closedAtMs: number | null;
}

const DEFAULTS: Required<IncidentOptions> = {
  windowMs: 5 * 60_000,
  hops: 2,
  changeLookbackMs: 10 * 60_000,
  holdMs: 60_000,
  maxTimeline: 500,
  maxIncidents: 200,
  maxChanges: 1000,
  maxTraceIds: 200,
  weakSymptom: isWeakSymptom,
};

const SIGNAL_TYPES = new Set(['anomaly', 'log', 'alert', 'change']);

/** Creates an {@link IncidentManager}. */
export function createIncidentManager(options: IncidentManagerOptions): IncidentManager {
  return new Manager(options);
}

class Manager implements IncidentManager {
  readonly #clock: Clock;
  readonly #graph: () => CorrelationGraph;
  readonly #o: Required<IncidentOptions>;
  readonly #onChange: ((changes: readonly IncidentChange[]) => void) | undefined;
  #rows: Row[] = [];
  /** Weak symptoms that joined no incident yet (newest last). */
  #pending: SymptomSignal[] = [];
  #changes: ChangeSignal[] = [];
  readonly #aliases = new Map<string, string>();
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  constructor(options: IncidentManagerOptions) {
    this.#clock = options.clock;
    this.#graph = options.graph;
    this.#o = { ...DEFAULTS, ...options.options };
    this.#onChange = options.onChange;
    if (options.snapshot !== undefined) this.#restore(options.snapshot);
    this.#schedule();
  }

  ingest(signal: Signal): IncidentChange[] {
    checkSignal(signal);
    const changes = this.#due();
    if (signal.type === 'change') changes.push(...this.#ingestChange(signal));
    else changes.push(...this.#ingestSymptom(signal));
    this.#trim();
    this.#schedule();
    return dedupeChanges(changes);
  }

  tick(): IncidentChange[] {
    const changes = this.#due();
    this.#trim();
    this.#schedule();
    return changes;
  }

  list(): Incident[] {
    return [...this.#rows].sort((a, b) => b.openedAtMs - a.openedAtMs || (a.id < b.id ? 1 : -1)).map(view);
  }

  get(id: string): Incident | undefined {
    const row = this.#find(id);
    return row === undefined ? undefined : view(row);
  }

  markMitigating(id: string, action: ActionInput): IncidentChange[] {
    const row = this.#need(id);
    this.#recordAction(row, { ...action, result: action.result ?? 'pending' });
    if (row.status !== 'resolved' && row.status !== 'mitigating')
      this.#setStatus(row, 'mitigating', `mitigating: ${action.type} ${action.target}`);
    return [{ type: 'updated', incident: view(row) }];
  }

  recordAction(id: string, action: ActionInput): IncidentChange[] {
    return this.#recordAction(this.#need(id), action);
  }

  markResolved(id: string, verification: { verified: true; detail?: string }): IncidentChange[] {
    const row = this.#need(id);
    const now = this.#clock.now();
    const detail = verification.detail ?? 'verified by remediation';
    this.#push(row, {
      atMs: now,
      kind: 'verification',
      summary: detail,
      data: { verified: verification.verified },
    });
    if (row.status === 'resolved') {
      row.verified = verification.verified;
      return [{ type: 'updated', incident: view(row) }];
    }
    row.verified = verification.verified;
    row.resolvedAtMs = now;
    row.closedAtMs = now;
    this.#setStatus(row, 'resolved', 'resolved (verified)');
    this.#schedule();
    return [{ type: 'resolved', incident: view(row) }];
  }

  escalate(id: string, reason: string): IncidentChange[] {
    const row = this.#need(id);
    row.escalationReason = reason;
    if (row.status !== 'resolved') this.#setStatus(row, 'escalated', `escalated: ${reason}`);
    else
      this.#push(row, {
        atMs: this.#clock.now(),
        kind: 'note',
        summary: `escalation after resolution: ${reason}`,
      });
    return [{ type: 'updated', incident: view(row) }];
  }

  setRootCauses(id: string, causes: readonly RootCause[]): IncidentChange[] {
    const row = this.#need(id);
    row.rootCauses = causes.map((c) => ({ ...c, evidence: [...c.evidence] }));
    const top = causes[0];
    const summary =
      top === undefined
        ? 'root cause unknown'
        : `root cause: ${top.service} (${top.kind}, score ${top.score.toFixed(2)})`;
    const last = [...row.timeline].reverse().find((e) => e.kind === 'diagnosis');
    // A re-run that names the same cause is not news: refresh the entry instead of adding one.
    if (last !== undefined && last.summary === summary) {
      last.count = (last.count ?? 1) + 1;
      last.lastAtMs = this.#clock.now();
      last.data = { causes: row.rootCauses };
    } else
      this.#push(row, {
        atMs: this.#clock.now(),
        kind: 'diagnosis',
        summary,
        data: { causes: row.rootCauses },
      });
    return [{ type: 'updated', incident: view(row) }];
  }

  note(id: string, text: string): IncidentChange[] {
    const row = this.#need(id);
    this.#push(row, { atMs: this.#clock.now(), kind: 'note', summary: text });
    return [{ type: 'updated', incident: view(row) }];
  }

  evidence(id: string, sinceMs?: number): { signals: SymptomSignal[]; changes: ChangeSignal[] } {
    const row = this.#need(id);
    const symptoms = [...row.symptoms.values()].filter((s) => sinceMs === undefined || s.lastAtMs >= sinceMs);
    const signals = symptoms.map((s): SymptomSignal => {
      const sig = structuredClone(s.signal);
      // A series that fired several episodes started with its first one: the onset order is what counts.
      const first = sinceMs === undefined ? s.firstAtMs : Math.max(s.firstAtMs, sinceMs);
      if (sig.type === 'anomaly' && first < sig.anomaly.startsAtMs)
        return { ...sig, anomaly: { ...sig.anomaly, startsAtMs: first } };
      return sig;
    });
    return { signals, changes: structuredClone(row.changes) };
  }

  snapshot(): IncidentManagerSnapshot {
    return {
      version: 1,
      incidents: this.#rows.map(view),
      changes: structuredClone(this.#changes),
      aliases: [...this.#aliases],
    };
  }

  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  // ---- symptoms

  #ingestSymptom(signal: SymptomSignal): IncidentChange[] {
    const key = symptomKey(signal);
    const service = signalService(signal);
    const resolving =
      (signal.type === 'anomaly' && signal.anomaly.state === 'resolved') ||
      (signal.type === 'alert' && signal.alert.state === 'resolved');
    if (resolving) {
      // A resolution never opens anything: it ends a symptom of whichever incident holds it.
      const row =
        this.#rows.find((r) => r.symptoms.get(key)?.active === true) ??
        this.#rows.find((r) => r.symptoms.has(key));
      if (row === undefined) {
        this.#pending = this.#pending.filter((p) => symptomKey(p) !== key);
        return [];
      }
      const s = row.symptoms.get(key)!;
      s.active = false;
      s.lastAtMs = Math.max(s.lastAtMs, signal.atMs);
      if (signal.type === 'anomaly' && s.signal.type === 'anomaly')
        s.signal = {
          ...s.signal,
          anomaly: {
            ...s.signal.anomaly,
            state: 'resolved',
            endsAtMs: signal.anomaly.endsAtMs ?? signal.atMs,
          },
        };
      else s.signal = signal;
      this.#push(row, { atMs: signal.atMs, kind: 'signal', summary: signalSummary(signal) });
      this.#quiet(row);
      return [{ type: 'updated', incident: view(row) }];
    }

    const topo = topology(this.#graph());
    const traces = new Set(signal.traceIds ?? []);
    const live = this.#rows.filter((r) => r.status !== 'resolved');
    const owner = live.find((r) => r.symptoms.has(key));
    if (owner === undefined && signal.type === 'anomaly') {
      const outlived = this.#outlivedEpisode(signal, key);
      if (outlived !== undefined) {
        // The tail of an episode its incident was verified recovered from (the detector's windows are
        // slower than the check): neither a new fault nor a relapse, unless it grows worse than it was.
        outlived.count++;
        outlived.lastAtMs = Math.max(outlived.lastAtMs, signal.atMs);
        return [];
      }
    }
    const linked = live.filter(
      (r) =>
        r === owner ||
        (signal.atMs - r.lastActivityMs <= this.#o.windowMs &&
          ((service !== undefined && near(topo.adj, service, r.services, this.#o.hops)) ||
            r.traceIds.some((t) => traces.has(t)))),
    );
    const changes: IncidentChange[] = [];
    if (this.#o.weakSymptom(signal)) {
      // Context, not a sign of its own: it goes with the incident it belongs to, or waits for one.
      const home = owner ?? linked.sort((a, b) => a.openedAtMs - b.openedAtMs || (a.id < b.id ? -1 : 1))[0];
      if (home === undefined) {
        this.#pending = [...this.#pending.filter((p) => symptomKey(p) !== key), signal].filter(
          (p) => signal.atMs - p.atMs <= this.#o.windowMs,
        );
        return [];
      }
      this.#addSymptom(home, signal, key, service, topo, true);
      return [{ type: 'updated', incident: view(home) }];
    }
    let row: Row;
    let type: IncidentChange['type'] = 'updated';
    if (linked.length > 0) {
      linked.sort((a, b) => a.openedAtMs - b.openedAtMs || (a.id < b.id ? -1 : 1));
      row = linked[0]!;
      for (const other of linked.slice(1)) {
        this.#merge(row, other, signal);
        changes.push({ type: 'merged', incident: view(row), mergedId: other.id });
      }
    } else {
      const now = this.#clock.now();
      const recent = this.#rows
        .filter(
          (r) =>
            r.status === 'resolved' &&
            r.closedAtMs !== null &&
            now - r.closedAtMs <= this.#o.holdMs &&
            // The same symptom again (a flapping series, a burst that comes back); another symptom, even
            // on one of its services, is another fault until correlation says otherwise.
            r.symptoms.has(key),
        )
        .sort((a, b) => (b.closedAtMs ?? 0) - (a.closedAtMs ?? 0))[0];
      if (recent !== undefined) {
        row = recent;
        row.resolvedAtMs = null;
        row.closedAtMs = null;
        row.verified = false;
        this.#setStatus(row, 'open', `reopened: ${signalSummary(signal)}`);
        type = 'reopened';
        // What changed while it was resolved (the next deploy, the next flag flip) may be why it is back.
        this.#attachChanges(row, topo.adj);
      } else {
        row = this.#open(signal);
        type = 'opened';
      }
    }
    this.#addSymptom(row, signal, key, service, topo);
    // Weak symptoms seen just before, near the incident's services, were its first signs.
    const near_ = (p: SymptomSignal) => {
      const s = signalService(p);
      return s !== undefined && near(topo.adj, s, row.services, this.#o.hops);
    };
    const joining = this.#pending.filter((p) => signal.atMs - p.atMs <= this.#o.windowMs && near_(p));
    if (joining.length > 0) {
      this.#pending = this.#pending.filter((p) => !joining.includes(p));
      for (const p of joining) this.#addSymptom(row, p, symptomKey(p), signalService(p), topo, true);
    }
    changes.push({ type, incident: view(row) });
    return changes;
  }

  #open(signal: SymptomSignal): Row {
    const row: Row = {
      id: ulid(signal.atMs),
      openedAtMs: signal.type === 'anomaly' ? Math.min(signal.atMs, signal.anomaly.startsAtMs) : signal.atMs,
      resolvedAtMs: null,
      status: 'open',
      verified: false,
      severity: 'info',
      services: [],
      lastActivityMs: signal.atMs,
      symptoms: new Map(),
      changes: [],
      traceIds: [],
      rootCauses: [],
      actions: [],
      timeline: [],
      mergedFrom: [],
      quietSinceMs: null,
      closedAtMs: null,
    };
    this.#rows.push(row);
    this.#push(row, { atMs: row.openedAtMs, kind: 'status', summary: 'opened' });
    return row;
  }

  /**
   * The still-active symptom of a resolved incident that holds `signal`'s very episode, when `signal` is no
   * worse than that episode was (a worse value is a relapse and reopens).
   */
  #outlivedEpisode(signal: AnomalySignal, key: string): Mutable<IncidentSymptom> | undefined {
    for (const row of this.#rows) {
      if (row.status !== 'resolved') continue;
      const held = row.symptoms.get(key);
      if (held === undefined || !held.active || held.signal.type !== 'anomaly') continue;
      const seen = held.signal.anomaly;
      if (seen.id !== signal.anomaly.id) continue;
      const off = (a: AnomalySignalData) =>
        Math.max(Math.abs(a.value - a.expected), Math.abs((a.worst ?? a.value) - a.expected));
      return off(signal.anomaly) > off(seen) ? undefined : held;
    }
    return undefined;
  }

  #addSymptom(
    row: Row,
    signal: SymptomSignal,
    key: string,
    service: string | undefined,
    topo: Topology,
    weak = false,
  ): void {
    const active = signal.type !== 'log';
    const existing = row.symptoms.get(key);
    if (existing === undefined) {
      row.symptoms.set(key, {
        key,
        type: signal.type,
        ...(service === undefined ? {} : { service }),
        firstAtMs: signal.type === 'anomaly' ? Math.min(signal.atMs, signal.anomaly.startsAtMs) : signal.atMs,
        lastAtMs: signal.atMs,
        count: 1,
        active,
        summary: signalSummary(signal),
        signal,
      });
    } else {
      existing.count++;
      existing.lastAtMs = Math.max(existing.lastAtMs, signal.atMs);
      existing.active = active || existing.active;
      // Keep the episode with the highest score; for alerts and logs the latest tells most.
      if (
        signal.type !== 'anomaly' ||
        existing.signal.type !== 'anomaly' ||
        signal.anomaly.score >= existing.signal.anomaly.score
      )
        existing.signal = signal;
    }
    const entry = row.timeline.find((e) => e.key === key);
    if (entry === undefined)
      this.#push(row, { atMs: signal.atMs, kind: 'signal', summary: signalSummary(signal), key, count: 1 });
    else {
      entry.count = (entry.count ?? 1) + 1;
      entry.lastAtMs = signal.atMs;
    }
    if (service !== undefined && !row.services.includes(service)) {
      row.services.push(service);
      this.#attachChanges(row, topo.adj);
    }
    if (weak) return;
    row.lastActivityMs = Math.max(row.lastActivityMs, signal.atMs);
    row.openedAtMs = Math.min(
      row.openedAtMs,
      signal.type === 'anomaly' ? signal.anomaly.startsAtMs : signal.atMs,
    );
    for (const t of signal.traceIds ?? []) if (!row.traceIds.includes(t)) row.traceIds.push(t);
    if (row.traceIds.length > this.#o.maxTraceIds)
      row.traceIds.splice(0, row.traceIds.length - this.#o.maxTraceIds);
    if (active) row.quietSinceMs = null;
    else this.#quiet(row);
    row.severity = severity(row, topo);
  }

  #merge(into: Row, other: Row, signal: SymptomSignal): void {
    for (const [key, s] of other.symptoms) {
      const mine = into.symptoms.get(key);
      if (mine === undefined) into.symptoms.set(key, s);
      else {
        mine.count += s.count;
        mine.active = mine.active || s.active;
        mine.firstAtMs = Math.min(mine.firstAtMs, s.firstAtMs);
        mine.lastAtMs = Math.max(mine.lastAtMs, s.lastAtMs);
      }
    }
    for (const s of other.services) if (!into.services.includes(s)) into.services.push(s);
    for (const c of other.changes) if (!into.changes.includes(c)) into.changes.push(c);
    for (const t of other.traceIds) if (!into.traceIds.includes(t)) into.traceIds.push(t);
    into.actions.push(...other.actions);
    into.timeline.push(...other.timeline);
    into.timeline.sort((a, b) => a.atMs - b.atMs);
    into.openedAtMs = Math.min(into.openedAtMs, other.openedAtMs);
    into.lastActivityMs = Math.max(into.lastActivityMs, other.lastActivityMs);
    into.mergedFrom.push(other.id, ...other.mergedFrom);
    if ([...into.symptoms.values()].some((s) => s.active)) into.quietSinceMs = null;
    this.#rows = this.#rows.filter((r) => r !== other);
    this.#aliases.set(other.id, into.id);
    for (const [from, to] of this.#aliases) if (to === other.id) this.#aliases.set(from, into.id);
    this.#push(into, {
      atMs: signal.atMs,
      kind: 'status',
      summary: `merged ${other.id} (${other.services.join(', ')}): linked by ${signalSummary(signal)}`,
      data: { merged: other.id },
    });
  }

  // ---- changes

  #ingestChange(change: ChangeSignal): IncidentChange[] {
    this.#changes.push(change);
    const horizon = this.#clock.now() - Math.max(this.#o.changeLookbackMs, this.#o.windowMs) * 3;
    this.#changes = this.#changes.filter((c) => c.atMs >= horizon).slice(-this.#o.maxChanges);
    const topo = topology(this.#graph());
    const out: IncidentChange[] = [];
    for (const row of this.#rows) {
      if (row.status === 'resolved' || !touches(change, row.services, topo.adj)) continue;
      if (change.atMs < row.openedAtMs - this.#o.changeLookbackMs) continue;
      this.#attach(row, change);
      out.push({ type: 'updated', incident: view(row) });
    }
    return out;
  }

  #attachChanges(row: Row, adjacency: Map<string, Set<string>>): void {
    for (const c of this.#changes) {
      if (c.atMs < row.openedAtMs - this.#o.changeLookbackMs || row.changes.includes(c)) continue;
      if (touches(c, row.services, adjacency)) this.#attach(row, c);
    }
  }

  #attach(row: Row, change: ChangeSignal): void {
    if (row.changes.some((c) => sameChange(c, change))) return;
    row.changes.push(change);
    row.changes.sort((a, b) => a.atMs - b.atMs);
    this.#push(row, { atMs: change.atMs, kind: 'change', summary: signalSummary(change), data: change });
  }

  // ---- lifecycle

  #recordAction(row: Row, action: ActionInput): IncidentChange[] {
    const a: IncidentAction = {
      type: action.type,
      target: action.target,
      atMs: action.at ?? this.#clock.now(),
      result: action.result ?? 'pending',
      ...(action.detail === undefined ? {} : { detail: action.detail }),
    };
    row.actions.push(a);
    this.#push(row, {
      atMs: a.atMs,
      kind: 'action',
      summary: `${a.type} ${a.target}: ${a.result}${a.detail === undefined ? '' : ` (${a.detail})`}`,
      data: a,
    });
    return [{ type: 'updated', incident: view(row) }];
  }

  #setStatus(row: Row, status: IncidentStatus, summary: string): void {
    row.status = status;
    this.#push(row, { atMs: this.#clock.now(), kind: 'status', summary });
  }

  /** Marks the start of quiet when nothing fires any more. */
  #quiet(row: Row): void {
    // A weak symptom still firing (a new level of traffic) does not hold an incident open.
    if ([...row.symptoms.values()].some((s) => s.active && !this.#o.weakSymptom(s.signal)))
      row.quietSinceMs = null;
    else
      row.quietSinceMs ??= Math.max(row.lastActivityMs, ...[...row.symptoms.values()].map((s) => s.lastAtMs));
  }

  #due(): IncidentChange[] {
    const now = this.#clock.now();
    const out: IncidentChange[] = [];
    for (const row of this.#rows) {
      if (row.status === 'resolved') continue;
      this.#quiet(row);
      const since = row.quietSinceMs;
      if (since === null || now - Math.max(since, row.lastActivityMs) < this.#o.holdMs) continue;
      row.resolvedAtMs = since;
      row.closedAtMs = now;
      this.#setStatus(
        row,
        'resolved',
        `resolved: every symptom ended and it stayed quiet for ${Math.round(this.#o.holdMs / 1000)} s`,
      );
      out.push({ type: 'resolved', incident: view(row) });
    }
    return out;
  }

  #schedule(): void {
    let next = Infinity;
    for (const row of this.#rows) {
      if (row.status === 'resolved' || row.quietSinceMs === null) continue;
      next = Math.min(next, Math.max(row.quietSinceMs, row.lastActivityMs) + this.#o.holdMs);
    }
    if (next === this.#timerAt) return;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#timerAt = next;
    if (next === Infinity) return;
    this.#timer = this.#clock.after(Math.max(0, next - this.#clock.now()), () => {
      this.#timerAt = Infinity;
      this.#timer = undefined;
      const changes = this.tick();
      if (changes.length > 0) this.#onChange?.(changes);
    });
  }

  #push(row: Row, entry: Mutable<TimelineEntry>): void {
    row.timeline.push(entry);
    const n = row.timeline.length;
    if (n > 1 && row.timeline[n - 2]!.atMs > entry.atMs) row.timeline.sort((a, b) => a.atMs - b.atMs);
    while (row.timeline.length > this.#o.maxTimeline) {
      // Fold the oldest plain symptom entry (a resolution or a repeat) first; the story entries stay.
      const i = row.timeline.findIndex((e) => e.kind === 'signal' && e.key === undefined);
      const j = i >= 0 ? i : row.timeline.findIndex((e) => e.kind === 'signal');
      row.timeline.splice(j >= 0 ? j : 0, 1);
    }
  }

  #trim(): void {
    const excess = this.#rows.length - this.#o.maxIncidents;
    if (excess <= 0) return;
    const resolved = this.#rows
      .filter((r) => r.status === 'resolved')
      .sort((a, b) => a.openedAtMs - b.openedAtMs);
    const drop = new Set(resolved.slice(0, excess));
    this.#rows = this.#rows.filter((r) => !drop.has(r));
    for (const [from, to] of this.#aliases)
      if (!this.#rows.some((r) => r.id === to)) this.#aliases.delete(from);
  }

  #find(id: string): Row | undefined {
    const target = this.#aliases.get(id) ?? id;
    return this.#rows.find((r) => r.id === target);
  }

  #need(id: string): Row {
    const row = this.#find(id);
    if (row === undefined) throw new UnknownIncidentError(id);
    return row;
  }

  #restore(snapshot: IncidentManagerSnapshot): void {
    if (
      snapshot === null ||
      typeof snapshot !== 'object' ||
      snapshot.version !== 1 ||
      !Array.isArray(snapshot.incidents)
    )
      throw new IncidentSnapshotError('not an incident manager snapshot (version 1)');
    const copy = structuredClone(snapshot);
    this.#rows = copy.incidents.map((i) => {
      if (typeof i?.id !== 'string' || !Array.isArray(i.symptoms) || !Array.isArray(i.timeline))
        throw new IncidentSnapshotError('incident snapshot entry without id, symptoms or timeline');
      const symptoms = i.symptoms as readonly IncidentSymptom[];
      const timeline = i.timeline as readonly TimelineEntry[];
      const row: Row = {
        ...(i as Mutable<Incident>),
        symptoms: new Map(symptoms.map((s) => [s.key, { ...s }])),
        timeline: [...timeline],
        services: [...i.services],
        changes: [...i.changes],
        traceIds: [...i.traceIds],
        rootCauses: [...i.rootCauses],
        actions: [...i.actions],
        mergedFrom: [...i.mergedFrom],
        quietSinceMs: null,
        closedAtMs: i.status === 'resolved' ? (i.resolvedAtMs ?? i.lastActivityMs) : null,
      };
      this.#quiet(row);
      return row;
    });
    this.#changes = [...(copy.changes ?? [])];
    for (const [from, to] of copy.aliases ?? []) this.#aliases.set(from, to);
  }
}

function view(row: Row): Incident {
  const incident: Incident = {
    id: row.id,
    openedAtMs: row.openedAtMs,
    resolvedAtMs: row.resolvedAtMs,
    status: row.status,
    verified: row.verified,
    severity: row.severity,
    services: row.services,
    lastActivityMs: row.lastActivityMs,
    symptoms: [...row.symptoms.values()],
    changes: row.changes,
    traceIds: row.traceIds,
    rootCauses: row.rootCauses,
    actions: row.actions,
    timeline: row.timeline,
    mergedFrom: row.mergedFrom,
    ...(row.escalationReason === undefined ? {} : { escalationReason: row.escalationReason }),
  };
  return structuredClone(incident);
}

function checkSignal(signal: Signal): void {
  if (
    signal === null ||
    typeof signal !== 'object' ||
    !SIGNAL_TYPES.has((signal as { type?: string }).type ?? '')
  )
    throw new IncidentSignalError('a signal needs a type: anomaly, log, alert or change');
  if (!Number.isFinite(signal.atMs))
    throw new IncidentSignalError(`a ${signal.type} signal needs a finite atMs`);
  if (
    signal.type === 'anomaly' &&
    (typeof signal.anomaly?.service !== 'string' || typeof signal.anomaly.signal !== 'string')
  )
    throw new IncidentSignalError('an anomaly signal needs anomaly.service and anomaly.signal');
  if (signal.type === 'log' && typeof signal.event?.service !== 'string')
    throw new IncidentSignalError('a log signal needs event.service');
  if (
    signal.type === 'alert' &&
    (typeof signal.alert?.name !== 'string' || typeof signal.alert.labels !== 'object')
  )
    throw new IncidentSignalError('an alert signal needs alert.name and alert.labels');
  if (signal.type === 'change' && typeof signal.change !== 'string')
    throw new IncidentSignalError('a change signal needs change');
}

function dedupeChanges(changes: IncidentChange[]): IncidentChange[] {
  // The last state of each incident is what callers want; opened/resolved/merged events all stay.
  const out: IncidentChange[] = [];
  for (let i = 0; i < changes.length; i++) {
    const c = changes[i]!;
    if (c.type === 'updated' && changes.slice(i + 1).some((d) => d.incident.id === c.incident.id)) continue;
    out.push(c);
  }
  return out;
}

/** The graph as undirected adjacency, and which services have callers. */
interface Topology {
  readonly adj: Map<string, Set<string>>;
  readonly called: Set<string>;
}

function topology(graph: CorrelationGraph): Topology {
  const adj = new Map<string, Set<string>>();
  const called = new Set<string>();
  const add = (a: string, b: string) => {
    const set = adj.get(a) ?? new Set<string>();
    set.add(b);
    adj.set(a, set);
  };
  for (const e of graph?.edges ?? []) {
    if (e.parent === e.child) continue;
    add(e.parent, e.child);
    add(e.child, e.parent);
    called.add(e.child);
  }
  return { adj, called };
}

/** Whether `service` is within `hops` of any of `services`. */
function near(
  adj: Map<string, Set<string>>,
  service: string,
  services: readonly string[],
  hops: number,
): boolean {
  const targets = new Set(services);
  if (targets.has(service)) return true;
  let frontier = [service];
  const seen = new Set(frontier);
  for (let d = 0; d < hops && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const s of frontier)
      for (const n of adj.get(s) ?? []) {
        if (targets.has(n)) return true;
        if (!seen.has(n)) {
          seen.add(n);
          next.push(n);
        }
      }
    frontier = next;
  }
  return false;
}

/** A change touches an incident when it is global or on one of its services or their neighbours. */
function touches(change: ChangeSignal, services: readonly string[], adj: Map<string, Set<string>>): boolean {
  if (change.service === undefined) return true;
  return near(adj, change.service, services, 1);
}

function sameChange(a: ChangeSignal, b: ChangeSignal): boolean {
  return a.atMs === b.atMs && a.service === b.service && a.change === b.change && a.detail === b.detail;
}

function severity(row: Row, topology: Topology): IncidentSeverity {
  let level: IncidentSeverity = 'info';
  // An entry service is called by nobody: its errors are what users see.
  const entry = (service: string | undefined) =>
    service !== undefined && topology.adj.has(service) && !topology.called.has(service);
  for (const s of row.symptoms.values()) {
    const sig = s.signal;
    if (sig.type === 'alert') {
      const sev = sig.alert.severity ?? sig.alert.labels['severity'];
      if (sev === 'critical' || /down|burn|slo/i.test(sig.alert.name)) return 'critical';
      level = 'warning';
    } else if (sig.type === 'anomaly') {
      const errors = /error/.test(sig.anomaly.signal) && sig.anomaly.direction === 'above';
      if (errors && entry(s.service)) return 'critical';
      level = 'warning';
    } else if (sig.event.kind === 'error-burst') level = 'warning';
  }
  return level;
}
