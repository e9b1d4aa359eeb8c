// The control API's chaos answers (`GET /v1/chaos/faults`, `GET|POST /v1/chaos/injections`), which
// `opsloop chaos list` prints too. Built by @opsloop/chaos and the runtime, read by the dashboard.

/** A fault parameter. */
export interface FaultParamInfo {
  name: string;
  type: 'integer' | 'number' | 'string' | 'boolean';
  description: string;
  /** Absent for required params. */
  default?: string | number | boolean;
  required: boolean;
  /** Inclusive bounds as text (`1..600000`), for numbers. */
  range?: string;
  /** The allowed values, for enumerations (numbers for numeric ones such as an HTTP status). */
  values?: (string | number)[];
  /** The pattern a string must match, if any. */
  pattern?: string;
}

/**
 * The root cause an ideal diagnosis names for a fault; `service` is relative to the injection (`target`: the
 * service injected into; `caller`: a service that calls it).
 */
export interface FaultExpectedCause {
  service: 'target' | 'caller';
  kind: 'change' | 'saturation' | 'dependency' | 'traffic' | 'failure';
}

/** One entry of the fault catalogue (`GET /v1/chaos/faults` → `{ faults }`). */
export interface FaultInfo {
  name: string;
  summary: string;
  scope: 'replica' | 'service';
  /** 'replica-endpoint' (the kit's fault endpoint of each replica) or 'runtime' (a platform operation). */
  mechanism: 'replica-endpoint' | 'runtime';
  /** The platform operation a runtime fault uses (e.g. 'releaseVersion'). */
  operation?: string;
  /** 0 = until cleared. */
  defaultDurationMs: number;
  /** Happens at once (a crash): takes no duration. */
  instant: boolean;
  expectedCause: FaultExpectedCause;
  params: FaultParamInfo[];
}

export type InjectionStatus = 'active' | 'ended' | 'cleared' | 'failed';

/** An injection with ISO times (`GET /v1/chaos/injections` → `{ injections }`, newest first). */
export interface InjectionJson {
  /** `inj-` and 8 hex digits. */
  id: string;
  fault: string;
  target: string;
  replica?: string;
  params: Record<string, string | number | boolean>;
  /** 0 = until cleared. */
  durationMs: number;
  startedAt: string | null;
  endsAt: string | null;
  endedAt: string | null;
  status: InjectionStatus;
  /** The replicas it reached (for runtime faults: the replicas killed). */
  replicas: string[];
  errors?: string[];
}
