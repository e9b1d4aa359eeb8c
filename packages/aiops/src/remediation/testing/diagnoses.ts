import type { RootCauseKind } from '../../rca/rca-types.js';
import type { Diagnosis, DiagnosisChange, DiagnosisReplica } from '../diagnosis.js';

/** Parts of a test diagnosis besides the one root cause. */
export interface TestDiagnosisOptions {
  changes?: DiagnosisChange[];
  replicas?: Record<string, DiagnosisReplica[]>;
  services?: string[];
  signals?: Diagnosis['signals'];
  requestRates?: Record<string, number>;
  extraCauses?: Diagnosis['rootCauses'];
}

/** Three ready replicas of `service` with the given CPU (cores). */
export function replicasOf(service: string, cpus: number[] = [0.2, 0.3, 0.25]): DiagnosisReplica[] {
  return cpus.map((cpu, i) => ({
    name: `${service}-${i + 1}`,
    ready: true,
    restarts: 0,
    cpu,
    startedAtMs: 0,
  }));
}

/** A diagnosis with one root cause of `kind` in `service`, its latency above baseline. */
export function diagnosisOf(
  incidentId: string,
  kind: RootCauseKind,
  service: string,
  options: TestDiagnosisOptions = {},
): Diagnosis {
  return {
    incidentId,
    rootCauses: [
      { service, kind, score: 0.9, evidence: [`${kind} in ${service}`] },
      ...(options.extraCauses ?? []),
    ],
    services: options.services ?? [service],
    signals: options.signals ?? [{ service, signal: 'latency_p95', direction: 'above' }],
    context: {
      changes: options.changes ?? [],
      replicas: options.replicas ?? { [service]: replicasOf(service) },
      ...(options.requestRates ? { requestRates: options.requestRates } : {}),
    },
  };
}
