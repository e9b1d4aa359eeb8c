import { alertFingerprint, buildWebhookPayload, type WebhookPayload } from '@opsloop/telemetry';
import type { RemediationPhase, RemediationStep } from './remediation-step.js';

/** `alertname` of remediation notifications. */
export const REMEDIATION_ALERT = 'RemediationStep';

/** Where notifications say they come from. */
export interface RemediationNotificationOptions {
  /** The receiver named in the payload (`opsloop-remediation` by default). */
  receiver?: string;
  /** The dashboard's URL (`externalURL`), empty by default. */
  externalURL?: string;
  /** A link to the incident, `{incident}` replaced by its id (`generatorURL`), empty by default. */
  incidentURL?: string;
}

/** Phases that need a person's attention now. */
const CRITICAL: ReadonlySet<RemediationPhase> = new Set(['escalated', 'failed']);
const WARNING: ReadonlySet<RemediationPhase> = new Set([
  'not-effective',
  'refused',
  'expired',
  'undone',
  'proposed',
]);
/** Phases after which nothing more happens for the incident and nobody need act: the alert resolves. */
const RESOLVED: ReadonlySet<RemediationPhase> = new Set(['verified', 'rejected', 'skipped']);

/** The severity label of a step: `critical`, `warning` or `info`. */
export function stepSeverity(phase: RemediationPhase): 'critical' | 'warning' | 'info' {
  return CRITICAL.has(phase) ? 'critical' : WARNING.has(phase) ? 'warning' : 'info';
}

/**
 * The Alertmanager webhook payload (version 4) of one step, built by the telemetry package's builder so a
 * receiver of our alerts takes these too. One alert per step: its labels carry the phase, so every step is
 * its own alert, grouped by incident; the verified, rejected and skipped ones are sent resolved.
 */
export function remediationNotification(
  step: RemediationStep,
  options: RemediationNotificationOptions = {},
): WebhookPayload {
  const labels = {
    alertname: REMEDIATION_ALERT,
    incident: step.incidentId,
    service: step.service,
    action: step.action,
    phase: step.phase,
    severity: stepSeverity(step.phase),
  };
  const resolved = RESOLVED.has(step.phase);
  const groupLabels = { alertname: REMEDIATION_ALERT, incident: step.incidentId };
  return buildWebhookPayload({
    receiver: options.receiver ?? 'opsloop-remediation',
    groupKey: `{}:{alertname=${JSON.stringify(REMEDIATION_ALERT)}, incident=${JSON.stringify(step.incidentId)}}`,
    groupLabels,
    externalURL: options.externalURL ?? '',
    nowMs: step.at,
    alerts: [
      {
        fingerprint: alertFingerprint(labels),
        labels,
        annotations: {
          summary:
            `Remediation of ${step.incidentId}: ${step.phase}` +
            (step.target ? ` ${step.action} ${step.target}` : ''),
          description: step.detail,
        },
        startsAtMs: step.at,
        // Firing while in progress or waiting for a person; a step that closes the remediation resolves.
        endsAtMs: resolved ? step.at : step.at + 1,
        generatorURL: (options.incidentURL ?? '').replaceAll(
          '{incident}',
          encodeURIComponent(step.incidentId),
        ),
      },
    ],
  });
}
