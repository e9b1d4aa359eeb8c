import { z } from 'zod';

import type { RootCause } from '../rca/rca-types.js';

/** An anomalous signal of the incident (`orders latency_p95 above`). */
export interface DiagnosisSignal {
  readonly service: string;
  readonly signal: string;
  readonly direction: 'above' | 'below';
}

/**
 * A change seen shortly before the incident: `change` is `rollout`, `config` or `flag` (others are kept as
 * evidence but no default policy acts on them).
 */
export interface DiagnosisChange {
  readonly service?: string;
  readonly change: string;
  readonly atMs: number;
  readonly revision?: string;
  readonly flag?: string;
  /** The flag's variant after the change. */
  readonly variant?: string;
  /** The flag's variant before the change: what the kill switch sets it back to. */
  readonly previousVariant?: string;
  /** Who made it (`remediation`, `autoscaler`, `operator`, …): responses are never undone as causes. */
  readonly origin?: string;
}

/** One replica as the diagnosis saw it. `cpu` is in cores (a Node replica saturates near 1). */
export interface DiagnosisReplica {
  readonly name: string;
  readonly ready: boolean;
  readonly restarts: number;
  readonly cpu?: number;
  readonly memoryBytes?: number;
  readonly startedAtMs: number;
}

/**
 * A root cause as remediation sees it. A dependency failure is named by what failed (the database, the
 * provider); `usedBy` then says whose calls to it failed, so that only those callers' pools are reset (one
 * database name may stand for every service's own database).
 */
export interface DiagnosisCause extends RootCause {
  readonly usedBy?: readonly string[];
}

/** What the remediation engine is told about an incident (the lead maps incidents and RCA results to it). */
export interface Diagnosis {
  readonly incidentId: string;
  /**
   * When the incident last reopened, if it did: a diagnosis of a later reopening than the one its last
   * remediation handled starts anew once that remediation finished.
   */
  readonly reopenedAtMs?: number;
  readonly rootCauses: readonly DiagnosisCause[];
  /** Every service the incident touches. */
  readonly services: readonly string[];
  readonly signals: readonly DiagnosisSignal[];
  readonly context: {
    readonly changes: readonly DiagnosisChange[];
    readonly replicas: Readonly<Record<string, readonly DiagnosisReplica[]>>;
    /**
     * Request rate per service before the incident (requests/s), for load shedding at a fraction of it.
     * Optional: without it `shed-load` applies only with a fixed `requestsPerSecond`.
     */
    readonly requestRates?: Readonly<Record<string, number>>;
    /**
     * Request rate per service now (requests/s). With `requestRates`, tells saturation from load (more
     * requests than usual: add replicas, never restart one) from a sick replica (the usual load: restart it).
     */
    readonly currentRequestRates?: Readonly<Record<string, number>>;
  };
}

/** A diagnosis that does not have the documented shape. */
export class DiagnosisError extends Error {
  override readonly name = 'DiagnosisError';
}

const name = z.string().min(1);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const rates = z
  .record(
    z.string(),
    finite.refine((v) => v >= 0, 'must not be negative'),
  )
  .optional();

const diagnosisSchema = z.object({
  incidentId: name,
  reopenedAtMs: finite.optional(),
  rootCauses: z.array(
    z.object({
      service: name,
      kind: z.enum(['change', 'saturation', 'dependency', 'traffic', 'failure']),
      score: finite,
      evidence: z.array(z.string()),
      usedBy: z.array(name).optional(),
    }),
  ),
  services: z.array(name),
  signals: z.array(z.object({ service: name, signal: name, direction: z.enum(['above', 'below']) })),
  context: z.object({
    changes: z.array(
      z.object({
        service: name.optional(),
        change: name,
        atMs: finite,
        revision: z.string().optional(),
        flag: name.optional(),
        variant: z.string().optional(),
        previousVariant: z.string().optional(),
        origin: z.string().optional(),
      }),
    ),
    replicas: z.record(
      z.string(),
      z.array(
        z.object({
          name,
          ready: z.boolean(),
          restarts: z.number().int().min(0),
          cpu: finite.optional(),
          memoryBytes: finite.optional(),
          startedAtMs: finite,
        }),
      ),
    ),
    requestRates: rates,
    currentRequestRates: rates,
  }),
});

/** Checks a diagnosis' shape; throws a {@link DiagnosisError} naming the first problem. */
export function parseDiagnosis(input: unknown): Diagnosis {
  const result = diagnosisSchema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'diagnosis';
    throw new DiagnosisError(`bad diagnosis: ${where}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}
