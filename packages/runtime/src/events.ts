/** Something the runtime did or saw, for the CLI to print and (later) the AIOps layer to correlate. */
export type RuntimeEvent =
  | { type: 'replica-started'; replica: string; service: string; pid: number; port: number }
  | { type: 'replica-ready'; replica: string; service: string; url: string }
  | { type: 'replica-unready'; replica: string; service: string; reason: string }
  | {
      type: 'replica-exited';
      replica: string;
      service: string;
      reason: string;
      code: number | null;
      signal: string | null;
      restartInMs: number | null;
    }
  | { type: 'replica-killed'; replica: string; service: string; reason: string }
  | { type: 'service-exposed'; service: string; url: string }
  | { type: 'service-scaled'; service: string; from: number; to: number }
  | { type: 'rollout-blocked'; service: string; reason: string }
  | { type: 'spec-applied'; changes: string[] }
  | { type: 'rollout-action'; service: string; action: string }
  | { type: 'rollout-step'; service: string; revision: string; weight: number; step: number; of: number }
  | {
      type: 'rollout-analysis';
      service: string;
      revision: string;
      weight: number;
      verdict: 'pass' | 'fail' | 'inconclusive';
      /** One line per check, with its numbers. */
      summary: string;
    }
  | { type: 'rollout-paused'; service: string; revision: string; reason: string }
  | { type: 'rollout-promoted'; service: string; revision: string; from: string }
  | { type: 'rollout-aborted'; service: string; revision: string; from: string; reason: string }
  | { type: 'release-group'; group: string; phase: string; message: string }
  | { type: 'identity-error'; replica: string; service: string; message: string }
  | { type: 'autoscaled'; service: string; from: number; to: number; reason: string }
  | { type: 'autoscaling-error'; service: string; message: string }
  /** The schedule (`runtime.schedule`) scaled a service: entering downtime, or restoring it at uptime. */
  | {
      type: 'scheduled-scaling';
      service: string;
      from: number;
      to: number;
      reason: 'downtime' | 'uptime';
      /** The uptime windows, as the spec writes them. */
      uptime: string;
    }
  | { type: 'telemetry-warning'; message: string }
  | {
      type: 'anomaly';
      phase: 'opened' | 'resolved';
      /** The episode's id (`GET /v1/anomalies`). */
      id: string;
      service: string;
      signal: string;
      unit: string;
      score: number;
      value: number;
      expected: number;
    }
  | { type: 'anomaly-detection-warning'; message: string }
  | { type: 'log-event'; kind: 'new-template' | 'error-burst'; service: string; summary: string }
  | {
      type: 'incident';
      phase: 'opened' | 'reopened' | 'diagnosed' | 'resolved';
      id: string;
      services: string[];
      summary: string;
    }
  | {
      type: 'remediation';
      incident: string;
      phase: string;
      action: string;
      target: string;
      detail: string;
    }
  | { type: 'chaos'; phase: 'start' | 'end' | 'error'; id: string; detail: string }
  /** Remediation opened (or it closed) the circuit from `caller` to `service`: `caller` sees no endpoint. */
  | { type: 'circuit'; phase: 'opened' | 'closed'; caller: string; service: string }
  /** A flag's default variant changed (the API, a spec, chaos or remediation). */
  | { type: 'flag-changed'; flag: string; from: string | null; to: string | null }
  /** A backup was made or failed (no service), or a service was restored from one (`opsloop backup`). */
  | {
      type: 'backup';
      phase: 'created' | 'failed' | 'restored' | 'restore-failed';
      id: string;
      service?: string;
      detail: string;
    }
  | { type: 'control-api'; url: string };

/** Receives runtime events. */
export type EventListener = (event: RuntimeEvent) => void;
