/** The Service page's time ranges, seconds. */
export const RANGES = { '15m': 900, '1h': 3600, '6h': 21_600, '24h': 86_400 } as const;
export type RangeKey = keyof typeof RANGES;
