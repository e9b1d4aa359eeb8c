import type { Clock } from '@opsloop/kit';
import type { Labels } from '../model/labels.js';
import type { PostableAlert } from './alert-types.js';
import type { NotifierConfigInput } from './notifier-config.js';
import type { SilenceStore } from './silences.js';
import type { WebhookFetch } from './webhook-sender.js';

/** Options of {@link createAlertNotifier}. */
export interface AlertNotifierOptions {
  /** Validated with `parseNotifierConfig`: a NotifierConfigError when invalid. */
  config: NotifierConfigInput;
  clock: Clock;
  /** Node's fetch by default. Only the configured webhook URLs are ever requested. */
  fetch?: WebhookFetch;
  /** Our own URL, sent as `externalURL`; `http://localhost:9093` by default. */
  externalURL?: string;
  /** Called when a webhook delivery fails for good (after retries); for logs and metrics. */
  onDeliveryError?: (failure: {
    receiver: string;
    url: string;
    groupKey: string;
    error: string;
    attempts: number;
  }) => void;
  /** Silence ids (tests); random UUIDs by default. Ignored when `silences` is given. */
  newSilenceId?: () => string;
  /** The silence store (e.g. `createPersistentSilenceStore`); an in-memory one on `clock` by default. */
  silences?: SilenceStore;
  /** First retry delay of webhook deliveries; 1 s. */
  initialBackoffMs?: number;
}

/** An alert as the notifier shows it (`GET /api/v2/alerts`). */
export interface NotifierAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  /** When the alert was last received. */
  readonly updatedAtMs: number;
  readonly generatorURL: string;
  readonly receivers: readonly string[];
  readonly status: {
    readonly state: 'active' | 'suppressed';
    readonly silencedBy: readonly string[];
    readonly inhibitedBy: readonly string[];
  };
}

/** Counters of webhook deliveries. */
export interface NotifierStats {
  readonly notificationsSent: number;
  readonly notificationsFailed: number;
}

/** A small Alertmanager: routing, grouping, silences, inhibition and webhook delivery. */
export interface AlertNotifier {
  /** Accepts alerts (the rule evaluator's `notify`); returns at once, delivery happens on the group timers. */
  receive(alerts: readonly PostableAlert[]): void;
  /** Alerts not yet resolved, with whether (and why) they are muted. */
  alerts(): NotifierAlert[];
  readonly silences: SilenceStore;
  stats(): NotifierStats;
  /** Resolves once no delivery is in flight (tests; with a manual clock, retries wait for it to move). */
  idle(): Promise<void>;
  /** Cancels the group timers and waits for in-flight deliveries. */
  stop(): Promise<void>;
}
