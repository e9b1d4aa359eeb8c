/**
 * What compute costs by its requests, the way Fargate-like pricing bills it: CPU cores and memory reserved,
 * per hour, whether used or not. One formula for the budget forecast (`opsloop budget`), the Kubernetes
 * run-rate rule and the local runtime's run rate, so they cannot disagree.
 */

/** Hours in a budget month (365 × 24 / 12), as cloud providers bill a month. */
export const HOURS_PER_MONTH = 730;

/** Bytes in a GiB: memory prices are per GiB-hour. */
export const BYTES_PER_GIB = 2 ** 30;

/** Prices of requested resources, per hour. */
export interface ComputePrices {
  readonly cpuCoreHour: number;
  readonly memoryGiBHour: number;
}

/** What one replica requests. */
export interface ComputeRequests {
  readonly cpuCores: number;
  readonly memoryBytes: number;
}

/**
 * Requests of a container whose spec sets none: what the Kubernetes render puts on it (a Node.js service's
 * usual need), and so what the forecast and the local run rate price.
 */
export const DEFAULT_CPU_REQUEST_CORES = 0.1;
export const DEFAULT_MEMORY_REQUEST_BYTES = 256 * 2 ** 20;

/**
 * What a replica requests, given the spec's `resources` (cores and bytes, either absent): the defaults
 * filled in and rounded as Kubernetes quantities are rendered (millicores, at least 1m; whole bytes).
 */
export function computeRequests(resources: {
  cpu?: number | undefined;
  memory?: number | undefined;
}): ComputeRequests {
  return {
    cpuCores: Math.max(1, Math.round((resources.cpu ?? DEFAULT_CPU_REQUEST_CORES) * 1000)) / 1000,
    memoryBytes: Math.ceil(resources.memory ?? DEFAULT_MEMORY_REQUEST_BYTES),
  };
}

/** Hourly cost of `replicas` replicas (fractions allowed: a share of the week) that each request `requests`. */
export function hourlyComputeCost(
  replicas: number,
  requests: ComputeRequests,
  prices: ComputePrices,
): number {
  return (
    replicas *
    (requests.cpuCores * prices.cpuCoreHour + (requests.memoryBytes / BYTES_PER_GIB) * prices.memoryGiBHour)
  );
}
