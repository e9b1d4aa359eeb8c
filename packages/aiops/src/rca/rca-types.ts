/** Inputs and outputs of root-cause localisation (docs/aiops.md, "Incidents and root cause"). */
import type { ChangeSignal, Signal } from '../incidents/signal.js';

/** What kind of fault a root cause is. */
export type RootCauseKind = 'change' | 'saturation' | 'dependency' | 'traffic' | 'failure';

/** Every {@link RootCauseKind}, in the order ties are broken. */
export const ROOT_CAUSE_KINDS: readonly RootCauseKind[] = [
  'change',
  'saturation',
  'dependency',
  'traffic',
  'failure',
];

/** One ranked candidate. */
export interface RootCause {
  readonly service: string;
  readonly kind: RootCauseKind;
  /** In 0..1; the scores of one ranking sum to at most 1. */
  readonly score: number;
  /** Human-readable reasons, strongest first. */
  readonly evidence: readonly string[];
  /** For `dependency`: what `service` failed to use (a database, a provider, a service), when the traces name it. */
  readonly dependency?: string;
}

/** Per-edge figures (the trace store's `DependencyEdge`, every figure optional). */
export interface RcaEdge {
  readonly parent: string;
  readonly child: string;
  readonly calls?: number | null;
  readonly errors?: number | null;
  readonly p50Ms?: number | null;
  readonly p99Ms?: number | null;
  readonly ratePerSecond?: number | null;
  /** Declared in the spec (`dependsOn`) rather than, or as well as, seen in traces. */
  readonly declared?: boolean;
  /** Messages (events on the bus): failures do not flow back to the producer, load flows on. */
  readonly async?: boolean;
}

/** A node of the graph (the trace store's `DependencyNode`). */
export interface RcaNode {
  readonly service: string;
  readonly spans?: number | null;
  readonly errors?: number | null;
  /**
   * Whether the node is one of ours (sends spans, has replicas). Absent: it is when it sent spans, has
   * signals of its own or is on a declared edge; otherwise it is a peer (a database, an external API) whose
   * failures are its callers' dependency failures.
   */
  readonly instrumented?: boolean;
}

/** The service dependency graph: trace-derived and declared edges (structurally a telemetry `DependencyGraph`). */
export interface RcaGraph {
  readonly nodes?: readonly RcaNode[];
  readonly edges: readonly RcaEdge[];
}

/** One point of a metric window. */
export interface SeriesPoint {
  readonly t: number;
  readonly v: number;
}

/** Reads a short metric window of one service's signal (the runtime's metrics source); may reject. */
export type SeriesFetcher = (
  service: string,
  signal: string,
  fromMs: number,
  toMs: number,
) => Promise<readonly SeriesPoint[]>;

/** What {@link localiseRootCauses} reads. */
export interface RcaInput {
  /** The incident's symptoms (anomalies, log events, alerts); repeats and resolutions are fine. */
  readonly signals: readonly Signal[];
  /** Changes and replica lifecycle events around the incident (before and during it). */
  readonly changes?: readonly ChangeSignal[];
  /** The graph during the incident. */
  readonly graph: RcaGraph;
  /** The graph just before the incident (to tell a new error ratio or latency from the usual one). */
  readonly baseline?: RcaGraph;
  /** Metric windows, for robust change scores of saturation and traffic signals that did not alert. */
  readonly series?: SeriesFetcher;
  /** Now (the end of metric windows); defaults to the latest signal. */
  readonly nowMs?: number;
  readonly options?: RcaOptions;
}

/** Weights and windows of the method; every one has a documented default ({@link DEFAULT_RCA_OPTIONS}). */
export interface RcaOptions {
  /** A callee's onset may follow its caller's by this much and still explain it (detection lag), ms. */
  readonly onsetToleranceMs?: number;
  /** Changes this long before the onset are candidates, ms. */
  readonly changeLookbackMs?: number;
  /** Changes up to this long after the onset still count (an event reported late), ms. */
  readonly changeGraceMs?: number;
  /** Multiplier of a service's location score when a change on it preceded the onset (the change prior). */
  readonly changeBoost?: number;
  /** Weight of a traffic drop as a symptom (a drop is usually a knock-on of failures upstream). */
  readonly trafficDropWeight?: number;
  /** How far a caller's anomaly is explained by an earlier anomalous callee (0: not at all, 1: fully). */
  readonly explainWeight?: number;
  /** Personalised PageRank restart probability. */
  readonly restart?: number;
  /** An edge error ratio this high is a failing edge. */
  readonly edgeErrorRatio?: number;
  /** An edge latency this many times its baseline is a slow edge. */
  readonly edgeLatencyFactor?: number;
  /** …and this many milliseconds longer: a doubling of a few milliseconds is noise on a busy machine. */
  readonly edgeLatencyMinMs?: number;
  /** Signals read through `series` for each symptomatic service. */
  readonly seriesSignals?: readonly string[];
  /** Robust z-score of a metric window's new level that counts as a change. */
  readonly seriesZ?: number;
  /**
   * Request signals read through `series` for the callees of symptomatic services that have no symptom yet
   * (a slow callee often shows in its callers first); a rise must also be material to count.
   */
  readonly calleeSignals?: readonly string[];
  /** Candidates returned. */
  readonly maxCauses?: number;
}

/** The defaults of {@link RcaOptions}. */
export const DEFAULT_RCA_OPTIONS: Required<RcaOptions> = {
  onsetToleranceMs: 60_000,
  changeLookbackMs: 10 * 60_000,
  changeGraceMs: 5_000,
  changeBoost: 4,
  trafficDropWeight: 0.3,
  explainWeight: 0.9,
  restart: 0.15,
  edgeErrorRatio: 0.05,
  edgeLatencyFactor: 2,
  edgeLatencyMinMs: 50,
  seriesSignals: ['cpu', 'memory_rss', 'memory_rss_max', 'heap_used', 'event_loop_lag_p99', 'traffic'],
  seriesZ: 4,
  calleeSignals: ['latency_p95', 'errors', 'rpc_latency_p95', 'rpc_errors'],
  maxCauses: 5,
};
