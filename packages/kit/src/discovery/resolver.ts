import type { Endpoint } from '@opsloop/contracts';

/**
 * The discovery port: where the ready replicas of a service are. Implementations keep a local cache that
 * they refresh in the background, so `endpoints()` is a cheap synchronous read on the request path.
 */
export interface Resolver {
  /** Starts tracking `service` (idempotent). Endpoints appear once the first answer arrives. */
  watch(service: string): void;
  /** The ready endpoints of `service` as last known; empty if none or not yet known. */
  endpoints(service: string): readonly Endpoint[];
  /** True once every watched service has been resolved at least once. */
  synced(): boolean;
  /** Stops background refreshes. */
  close(): Promise<void>;
}
