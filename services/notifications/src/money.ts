const digitsCache = new Map<string, number>();

/** The number of minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0, KWD 3); 2 when unknown. */
export function minorDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
        .maximumFractionDigits;
    } catch {
      digits = 2;
    }
    digitsCache.set(currency, digits ?? 2);
  }
  return digits ?? 2;
}

/**
 * Formats an amount in integer minor units as `12,345.67 EUR`, with string arithmetic only (no float ever
 * touches money). Amounts may be bigints: a line total (quantity × unit price) can exceed 2^53.
 */
export function formatMoney(amountMinor: number | bigint, currency: string): string {
  const value = BigInt(amountMinor);
  const negative = value < 0n;
  const digits = minorDigits(currency);
  const text = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = text.slice(0, text.length - digits);
  const fraction = text.slice(text.length - digits);
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}${grouped}${digits > 0 ? `.${fraction}` : ''} ${currency}`;
}
