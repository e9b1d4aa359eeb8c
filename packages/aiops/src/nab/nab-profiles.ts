/** A NAB cost matrix (config/profiles.json). */
export interface NabCostMatrix {
  readonly tpWeight: number;
  readonly fnWeight: number;
  readonly fpWeight: number;
  readonly tnWeight: number;
}

/** Profile name → cost matrix, in the order scores are reported. */
export type NabProfiles = ReadonlyMap<string, NabCostMatrix>;

/** The profiles NAB reports first, in this order; any others follow in file order. */
export const NAB_PROFILE_ORDER = ['standard', 'reward_low_FP_rate', 'reward_low_FN_rate'] as const;

/** Reads config/profiles.json's content (`{ name: { CostMatrix: {...} } }`). */
export function parseNabProfiles(json: unknown, source = 'profiles.json'): NabProfiles {
  if (typeof json !== 'object' || json === null) throw new Error(`${source}: not an object`);
  const entries = Object.entries(json as Record<string, unknown>);
  const known = NAB_PROFILE_ORDER.filter((name) => entries.some(([n]) => n === name)) as string[];
  const ordered = [...known, ...entries.map(([n]) => n).filter((n) => !known.includes(n))];
  const profiles = new Map<string, NabCostMatrix>();
  for (const name of ordered) {
    const cost = ((json as Record<string, { CostMatrix?: Record<string, unknown> }>)[name] ?? {}).CostMatrix;
    const weight = (key: string): number => {
      const value = cost?.[key];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new Error(`${source}: ${name}.CostMatrix.${key} must be a finite number`);
      }
      return value;
    };
    profiles.set(name, {
      tpWeight: weight('tpWeight'),
      fnWeight: weight('fnWeight'),
      fpWeight: weight('fpWeight'),
      tnWeight: weight('tnWeight'),
    });
  }
  return profiles;
}
