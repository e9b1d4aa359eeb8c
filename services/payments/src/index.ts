export {
  paymentsService,
  paymentsConfigSchema,
  SECONDARY_FAULT_POINT,
  SECONDARY_PROVIDER,
  type PaymentsConfig,
  type PaymentsServiceOptions,
} from './app.js';
export {
  createPayments,
  InvalidPaymentInput,
  IDEMPOTENCY_KEY_PATTERN,
  MAX_AMOUNT_MINOR,
  MAX_IDEMPOTENCY_KEY_LENGTH,
  PRIMARY_PROVIDER,
  type AuthorizeInput,
  type ConflictReason,
  type Payment,
  type PaymentActionInput,
  type PaymentResult,
  type Payments,
  type PaymentsOptions,
} from './payments.js';
export { paymentsMigrations } from './migrations.js';
export {
  createSeededRandom,
  createSimulatedProvider,
  InvalidProviderSettings,
  MAX_PROVIDER_LATENCY_MS,
  ProviderUnavailableError,
  type CardProvider,
  type Money,
  type ProviderAuthorization,
  type ProviderCallCounts,
  type ProviderPaymentRequest,
  type ProviderSettings,
  type SimulatedProvider,
  type SimulatedProviderOptions,
} from './provider.js';
export {
  createProviderCallMetrics,
  instrumentProvider,
  type ProviderCallMetrics,
  type ProviderCallOutcome,
  type ProviderOperation,
} from './provider-metrics.js';
export { CARD_PROVIDER_FLAG, providerFromFlag, type ProviderFlagOptions } from './provider-selection.js';
export {
  registerPaymentsRoutes,
  authorizeBodySchema,
  providerSettingsBodySchema,
  PROVIDER_RETRY_AFTER_SECONDS,
} from './routes.js';
export type { IdempotencyState, PaymentOperation, PaymentStatus, PaymentsTables } from './tables.js';
