import { Gauge, type Registry } from 'prom-client';
import type { FaultRegistry } from './fault-registry.js';

/** Name of the gauge of active faults. */
export const FAULTS_ACTIVE_METRIC = 'faults_active';

/**
 * Registers `faults_active{kind,point}` on a service's registry, read from `faults` at each scrape. It is
 * there for operators (is a game day still running?); the AIOps analysis must never read it: it would be
 * told the answer it has to find.
 */
export function registerFaultMetrics(registry: Registry, faults: FaultRegistry): void {
  if (registry.getSingleMetric(FAULTS_ACTIVE_METRIC) !== undefined) return;
  new Gauge({
    name: FAULTS_ACTIVE_METRIC,
    help: 'Faults injected on purpose and in force in this replica, by kind and point (chaos experiments).',
    labelNames: ['kind', 'point'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const fault of faults.list()) this.inc({ kind: fault.kind, point: fault.point });
    },
  });
}
