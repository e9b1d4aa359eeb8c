// Shapes of the control API's delivery answers the dashboard reads besides those in @opsloop/contracts
// (rollouts, releases, the fault catalogue and injections are there, shared with the runtime): events and the
// flagd document (packages/flags/src/flag-store.ts), and the request bodies the pages send.
import type { RuntimeEventRecord } from './types.js';

/** `GET /v1/events`. */
export interface EventsAnswer {
  events: RuntimeEventRecord[];
  last: number;
}

/** A flag as written in the flagd document. */
export interface FlagdFlag {
  state: 'ENABLED' | 'DISABLED';
  variants: Record<string, unknown>;
  defaultVariant?: string | null;
  targeting?: Record<string, unknown>;
  metadata?: Record<string, string | number | boolean>;
}

/** `GET /v1/flags`: the flagd document and its version. */
export interface FlagsSnapshot {
  resourceVersion: number;
  document: {
    $schema?: string;
    flags: Record<string, FlagdFlag>;
    $evaluators?: Record<string, unknown>;
    metadata?: Record<string, string | number | boolean>;
  };
}

/** The body of `PATCH /v1/flags/{key}` (at least one field). */
export interface FlagPatch {
  defaultVariant?: string;
  state?: 'ENABLED' | 'DISABLED';
}

/** The body of `POST /v1/chaos/injections`. */
export interface InjectBody {
  fault: string;
  target: string;
  replica?: string;
  params: Record<string, string | number | boolean>;
  durationSeconds?: number;
}
