import type { Client } from '@openfeature/server-sdk';
import type { Logger } from '@opsloop/kit';
import { PRIMARY_PROVIDER } from './payments.js';

/**
 * The string flag that picks the card provider of **new** authorizations (failover): `primary` or
 * `secondary`. Captures, voids and refunds always go to the provider that authorized the payment.
 */
export const CARD_PROVIDER_FLAG = 'payments-card-provider';

/** Options of {@link providerFromFlag}. */
export interface ProviderFlagOptions {
  /** The service's OpenFeature client (bound to its provider's domain). */
  flags: Pick<Client, 'getStringValue'>;
  /** The provider names there are. */
  known: readonly string[];
  log: Logger;
}

/**
 * The provider selector of the payments domain: the flag's value (targeting key: the order id) when it names
 * a known provider, else {@link PRIMARY_PROVIDER} (a bad value is logged, never obeyed). Logs every switch,
 * so the logs say from when authorizations went where.
 */
export function providerFromFlag(
  options: ProviderFlagOptions,
): (input: { orderId: string }) => Promise<string> {
  const { flags, known, log } = options;
  let last = PRIMARY_PROVIDER;
  return async ({ orderId }) => {
    let value: string;
    try {
      value = await flags.getStringValue(CARD_PROVIDER_FLAG, PRIMARY_PROVIDER, { targetingKey: orderId });
    } catch (error) {
      log.warn({ err: error, flag: CARD_PROVIDER_FLAG }, 'flag not evaluated; primary provider used');
      return PRIMARY_PROVIDER;
    }
    if (!known.includes(value)) {
      log.warn(
        { flag: CARD_PROVIDER_FLAG, value, known },
        'flag names no known card provider; primary provider used',
      );
      value = PRIMARY_PROVIDER;
    }
    if (value !== last) {
      log.warn(
        { flag: CARD_PROVIDER_FLAG, from: last, provider: value },
        'new authorizations switch provider',
      );
      last = value;
    }
    return value;
  };
}
