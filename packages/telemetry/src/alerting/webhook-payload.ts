import type { Labels } from '../model/labels.js';

/** One alert of a webhook payload. */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Labels;
  readonly annotations: Labels;
  /** RFC 3339. */
  readonly startsAt: string;
  /** RFC 3339; Go's zero time (`0001-01-01T00:00:00Z`) while firing, as Alertmanager sends it. */
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
}

/** Alertmanager's webhook body, version 4 (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  /** Alerts left out by `maxAlerts`. */
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Labels;
  readonly commonLabels: Labels;
  readonly commonAnnotations: Labels;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

/** What {@link buildWebhookPayload} needs of an alert. */
export interface PayloadAlert {
  readonly fingerprint: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly generatorURL?: string;
}

/** Go's zero `time.Time`, which Alertmanager puts in `endsAt` of firing alerts. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

function common(maps: readonly Labels[]): Labels {
  const [first, ...rest] = maps;
  if (first === undefined) return {};
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(first)) {
    if (rest.every((m) => m[name] === value)) out[name] = value;
  }
  return out;
}

/** Builds the payload of one notification of a group (alerts firing first, then by start time). */
export function buildWebhookPayload(input: {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  externalURL: string;
  alerts: readonly PayloadAlert[];
  nowMs: number;
  /** 0 = no limit. */
  maxAlerts?: number;
}): WebhookPayload {
  const alerts = input.alerts
    .map((a): WebhookAlert => {
      const resolved = a.endsAtMs <= input.nowMs;
      return {
        status: resolved ? 'resolved' : 'firing',
        labels: a.labels,
        annotations: a.annotations,
        startsAt: new Date(a.startsAtMs).toISOString(),
        endsAt: resolved ? new Date(a.endsAtMs).toISOString() : GO_ZERO_TIME,
        generatorURL: a.generatorURL ?? '',
        fingerprint: a.fingerprint,
      };
    })
    .sort((a, b) =>
      a.status === b.status
        ? a.startsAt.localeCompare(b.startsAt) || a.fingerprint.localeCompare(b.fingerprint)
        : a.status === 'firing'
          ? -1
          : 1,
    );
  const limit = input.maxAlerts !== undefined && input.maxAlerts > 0 ? input.maxAlerts : alerts.length;
  return {
    version: '4',
    groupKey: input.groupKey,
    truncatedAlerts: Math.max(0, alerts.length - limit),
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: input.receiver,
    groupLabels: input.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL: input.externalURL,
    alerts: alerts.slice(0, limit),
  };
}
