/**
 * Kubernetes resource quantities (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
 * memory in bytes with binary (`Ki Mi Gi Ti`) or decimal (`k K M G T`) suffixes, CPU in cores or millicores (`500m`).
 */
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/;
const MEMORY_FACTORS: Record<string, number> = {
  '': 1,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
};

/** Bytes of a memory quantity (`256Mi`, `1G`, `1048576`), or undefined when it is not one. */
export function parseMemoryQuantity(value: string | number): number | undefined {
  const text = String(value).trim();
  const match = MEMORY.exec(text);
  if (match === null) return undefined;
  const bytes = Number(match[1]) * (MEMORY_FACTORS[match[2] ?? ''] ?? 1);
  return Number.isFinite(bytes) ? Math.round(bytes) : undefined;
}

/** Cores of a CPU quantity (`500m` → 0.5, `2` → 2, `1.5` → 1.5), or undefined when it is not one. */
export function parseCpuQuantity(value: string | number): number | undefined {
  const text = String(value).trim();
  const match = /^(\d+(?:\.\d+)?)(m)?$/.exec(text);
  if (match === null) return undefined;
  const cores = Number(match[1]) / (match[2] === 'm' ? 1000 : 1);
  return Number.isFinite(cores) ? cores : undefined;
}

/** A byte count for messages: `300 MiB`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (bytes >= 2 ** 20) return `${Math.round(bytes / 2 ** 20)} MiB`;
  if (bytes >= 2 ** 10) return `${Math.round(bytes / 2 ** 10)} KiB`;
  return `${bytes} B`;
}
