import type { Labels } from '../model/labels.js';

/** An alert as Alertmanager receives it (`POST /api/v2/alerts`): what the rule evaluator sends. */
export interface PostableAlert {
  /** Identity of the alert (alertname included). */
  readonly labels: Labels;
  readonly annotations: Labels;
  /** When it started firing (ms since the epoch). */
  readonly startsAtMs: number;
  /**
   * When it resolved, or (while firing) until when it counts as firing without another update: senders
   * refresh firing alerts before this passes, so a silent sender's alerts resolve on their own.
   */
  readonly endsAtMs?: number;
  /** Link back to the expression that raised it. */
  readonly generatorURL?: string;
}

/** Prometheus's alert states (resolved alerts are `inactive` with a resolvedAt). */
export type AlertState = 'inactive' | 'pending' | 'firing';

/** One instance of an alerting rule, as Prometheus's `/api/v1/alerts` shows it. */
export interface RuleAlert {
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly state: AlertState;
  /** The expression's value at the last evaluation that returned this series. */
  readonly value: number;
  /** When the condition was first seen (the start of `pending`). */
  readonly activeAtMs: number;
  readonly firedAtMs?: number;
  readonly resolvedAtMs?: number;
  /** Set while `keep_firing_for` holds a firing alert whose condition has cleared. */
  readonly keepFiringSinceMs?: number;
}
