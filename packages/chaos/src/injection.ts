/** Where an injection is: applied and running, over by its timer, cleared on request, or never applied. */
export type InjectionStatus = 'active' | 'ended' | 'cleared' | 'failed';

/** Resolved fault params (defaults filled in). */
export type FaultParams = Readonly<Record<string, string | number | boolean>>;

/** The record of one injection: what was broken, where, and when. Times are clock ms. */
export interface Injection {
  /** `inj-` and 8 hex digits. */
  id: string;
  /** The catalogue name (e.g. 'latency'). */
  fault: string;
  /** The service. */
  target: string;
  /** The one replica it was aimed at, if it was. */
  replica?: string;
  params: FaultParams;
  /** 0 = until cleared. */
  durationMs: number;
  startedAt: number;
  /** When the timer ends it; absent for until-cleared faults. */
  endsAt?: number;
  /** When it ended, was cleared or failed. */
  endedAt?: number;
  status: InjectionStatus;
  /** The replicas it reached (for runtime faults: the replicas killed; empty otherwise). */
  replicas: string[];
  /** One line per failure (`cart-2: connect ECONNREFUSED …`), applying or clearing. */
  errors?: string[];
}

/**
 * What the manager reports: an injection started, ended (status 'ended', 'cleared' or 'failed'), or something
 * went wrong after the fact (`error`: a clear, a re-application or the record file failed).
 */
export type ChaosEvent =
  | { event: 'start'; injection: Injection }
  | { event: 'end'; injection: Injection }
  | { event: 'error'; injection?: Injection; error: string };
