import { z } from 'zod';

/**
 * The discovery API between the runtime's registry and the service kit's resolver. It mirrors the shape of
 * Kubernetes EndpointSlices: a list of ready endpoints per service with a resource version for watching.
 */

/** One ready replica a client may send requests to. */
export const endpointSchema = z.object({
  /** Replica name, unique within the system (e.g. `catalog-2`). */
  instance: z.string(),
  /** Base URL, always loopback for the local runtime (e.g. `http://127.0.0.1:41234`). */
  url: z.url(),
  /** The service version the replica runs. */
  version: z.string(),
  /**
   * Share of new requests relative to other replicas of the same service, for traffic splits (canary,
   * blue-green). 100 is one ordinary replica's share and the value when absent; 0 sends no new requests;
   * e.g. canary replicas at 10 and stable ones at 90 give the canary 10 % when both have as many replicas.
   */
  weight: z.number().int().min(0).max(10_000).optional(),
  /** The template revision the replica runs (rollouts split traffic by revision). */
  revision: z.string().optional(),
});

/** One ready replica of a service. */
export type Endpoint = z.infer<typeof endpointSchema>;

/** `GET /v1/endpoints/{service}` response. */
export const endpointListSchema = z.object({
  service: z.string(),
  /** Increases on every change of this service's endpoints; pass it back as `watch` to wait for the next. */
  resourceVersion: z.number().int().nonnegative(),
  endpoints: z.array(endpointSchema),
});

/** The ready endpoints of one service at one resource version. */
export type EndpointList = z.infer<typeof endpointListSchema>;

/** Service names: DNS-1035 labels, as Kubernetes requires for Service names. */
export const serviceNameSchema = z
  .string()
  .regex(
    /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/,
    'expected a DNS-1035 label: lowercase letters, digits and -, starting with a letter',
  );
