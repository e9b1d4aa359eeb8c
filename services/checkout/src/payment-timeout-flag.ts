import type { Client } from '@openfeature/server-sdk';
import type { Logger } from '@opsloop/kit';
import type { SagaRecord } from './saga-repository.js';

/**
 * The numeric flag that sets the deadline of the payment authorization, in milliseconds, evaluated per
 * checkout (targeting key: the saga id). Its fallback is `CHECKOUT_RPC_TIMEOUT_MS`, so an absent flag or a
 * runtime without flags changes nothing.
 */
export const PAYMENT_TIMEOUT_FLAG = 'checkout-payment-timeout-ms';

/** Longest deadline the flag may set (the config's own ceiling for a participant call). */
export const MAX_PAYMENT_TIMEOUT_MS = 60_000;

/** Options of {@link paymentTimeoutFromFlag}. */
export interface PaymentTimeoutFlagOptions {
  /** The service's OpenFeature client (bound to its provider's domain). */
  flags: Pick<Client, 'getNumberValue'>;
  /** `CHECKOUT_RPC_TIMEOUT_MS`: the fallback, and the answer to a value that is not a usable deadline. */
  configuredMs: number;
  log: Logger;
}

/**
 * The deadline of one saga's authorization: the flag's value when it is a whole number of milliseconds from
 * 1 to {@link MAX_PAYMENT_TIMEOUT_MS}, else the configured deadline (a malformed flag is logged, not obeyed).
 * Evaluation reads the provider's local copy: no network call per checkout.
 */
export function paymentTimeoutFromFlag(
  options: PaymentTimeoutFlagOptions,
): (saga: Pick<SagaRecord, 'id'>) => Promise<number> {
  const { flags, configuredMs, log } = options;
  return async (saga) => {
    let value: number;
    try {
      value = await flags.getNumberValue(PAYMENT_TIMEOUT_FLAG, configuredMs, { targetingKey: saga.id });
    } catch (error) {
      log.warn({ err: error, flag: PAYMENT_TIMEOUT_FLAG }, 'flag not evaluated; configured deadline used');
      return configuredMs;
    }
    if (!Number.isInteger(value) || value < 1 || value > MAX_PAYMENT_TIMEOUT_MS) {
      log.warn(
        { flag: PAYMENT_TIMEOUT_FLAG, value, saga_id: saga.id },
        'flag value is not a deadline in ms (1-60000); configured deadline used',
      );
      return configuredMs;
    }
    return value;
  };
}
