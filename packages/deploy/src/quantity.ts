import { DEFAULT_CPU_REQUEST_CORES, DEFAULT_MEMORY_REQUEST_BYTES } from '@opsloop/contracts';

const MI = 2 ** 20;

/** Bytes as a Kubernetes quantity: `Gi`/`Mi` when exact, else plain bytes. */
export function memoryQuantity(bytes: number): string {
  const rounded = Math.ceil(bytes);
  if (rounded % 2 ** 30 === 0) return `${rounded / 2 ** 30}Gi`;
  if (rounded % MI === 0) return `${rounded / MI}Mi`;
  return String(rounded);
}

/** Cores as a Kubernetes quantity in millicores (`250m`), at least 1m. */
export function cpuQuantity(cores: number): string {
  return `${Math.max(1, Math.round(cores * 1000))}m`;
}

/** A plain number as a quantity: integers as is, fractions in milli-units (`12.5` → `12500m`). */
export function numberQuantity(value: number): string {
  return Number.isInteger(value) ? String(value) : `${Math.round(value * 1000)}m`;
}

/** Default memory limit when the spec gives none (a Node.js service's usual need; budgets price it too). */
export const DEFAULT_MEMORY_BYTES = DEFAULT_MEMORY_REQUEST_BYTES;

/** Default CPU request when the spec gives none. */
export const DEFAULT_CPU_CORES = DEFAULT_CPU_REQUEST_CORES;
