import type { MetricsSource } from '@opsloop/telemetry';

/** What one replica uses now, by its name (the `instance` label its metrics are scraped with). */
export interface ReplicaUsage {
  /** CPU, cores (rate over the last minute). */
  readonly cpu?: number;
  /** Resident memory, bytes. */
  readonly memoryBytes?: number;
}

/**
 * Every replica's CPU and resident memory of `services` (from their own process metrics), so that remediation
 * restarts the replica that holds the CPU or the memory rather than the first by name. A failed or empty query
 * leaves the figures out: remediation then picks by readiness and restarts alone.
 */
export async function replicaUsage(
  metrics: MetricsSource,
  services: readonly string[],
  nowMs: number,
): Promise<Map<string, ReplicaUsage>> {
  const usage = new Map<string, { cpu?: number; memoryBytes?: number }>();
  const names = services.filter((s) => /^[a-z0-9-]+$/.test(s));
  if (names.length === 0) return usage;
  const selector = `{service=~"${names.join('|')}"}`;
  const read = async (expr: string, field: 'cpu' | 'memoryBytes') => {
    const result = await metrics.instantQuery(expr, nowMs).catch(() => undefined);
    if (result?.type !== 'vector') return;
    for (const sample of result.samples) {
      const instance = sample.labels.instance;
      if (instance === undefined || !Number.isFinite(sample.value)) continue;
      usage.set(instance, { ...usage.get(instance), [field]: sample.value });
    }
  };
  await Promise.all([
    read(`sum by (instance) (rate(process_cpu_seconds_total${selector}[1m]))`, 'cpu'),
    read(`max by (instance) (process_resident_memory_bytes${selector})`, 'memoryBytes'),
  ]);
  return usage;
}
