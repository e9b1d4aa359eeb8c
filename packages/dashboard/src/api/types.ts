// Shapes of the control API's answers that the dashboard reads. The API is the contract: these mirror
// docs/runtime.md and docs/aiops.md (status shapes come from @opsloop/contracts, shared with the runtime).
import type { ReplicaStatus, ServiceStatus, SystemStatus } from '@opsloop/contracts';

export type { ReplicaStatus, ServiceStatus, SystemStatus };

/** Roles of control API tokens, least to most. */
export type Role = 'viewer' | 'operator' | 'admin';

/** `GET /v1/whoami`. */
export interface WhoAmI {
  name: string;
  role: Role | 'discovery';
}

/** A runtime event (`GET /v1/events`, `GET /v1/stream`): its type decides the other fields. */
export interface RuntimeEventRecord {
  type: string;
  seq: number;
  at: string;
  service?: string;
  replica?: string;
  [field: string]: unknown;
}

/** One series of a Prometheus `query_range` answer. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: [number, string][];
}

/** One series of a Prometheus instant `query` answer. */
export interface VectorSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** `GET /v1/signals`: the golden signals as PromQL (one series per service, label `service`). */
export interface SignalQuery {
  name: string;
  kind: string;
  title: string;
  unit: string;
  expr: string;
}
