export { checkoutService, CHECKOUT_STREAMS, type CheckoutServiceOptions } from './app.js';
export { checkoutConfigSchema, RETRY_BACKOFF_MS, type CheckoutConfig } from './config.js';
export {
  createCheckout,
  requestHash,
  type Checkout,
  type CheckoutOptions,
  type CheckoutReply,
  type CheckoutRequest,
} from './checkout.js';
export { checkoutMigrations } from './migrations.js';
export type { CheckoutTables, StoredLine } from './tables.js';
export {
  BEST_EFFORT_STEPS,
  COMPENSATION_STEPS,
  FAILURE_REASONS,
  FIRST_STEP,
  FORWARD_STEPS,
  PIVOT_STEP,
  RETRYABLE_FAILURES,
  SAGA_STATES,
  SAGA_STEPS,
  compensationPlan,
  decide,
  isAfterPivot,
  isForwardStep,
  isTerminal,
  mayCompensate,
  nextForwardStep,
  type CompensationStep,
  type Decision,
  type FailureReason,
  type ForwardStep,
  type RetryPolicy,
  type SagaFailure,
  type SagaProgress,
  type SagaState,
  type SagaStep,
  type StepOutcome,
} from './saga-machine.js';
export {
  CRASH_POINTS,
  crashAt,
  isCrashPoint,
  noCrash,
  type CrashHook,
  type CrashPoint,
} from './crash-points.js';
export {
  ParticipantRejectedError,
  ParticipantUnavailableError,
  type CartParticipant,
  type InventoryParticipant,
  type Line,
  type Money,
  type OrderState,
  type OrdersParticipant,
  type Participants,
  type PaymentOperationResult,
  type PaymentStatus,
  type PaymentView,
  type PaymentsParticipant,
  type PricedCart,
  type PricedLine,
  type ReservationState,
  type Shortage,
} from './participants.js';
export {
  createSagaRepository,
  LeaseLostError,
  type ClaimOptions,
  type Lease,
  type NewSaga,
  type SagaAnswer,
  type SagaCounts,
  type SagaPatch,
  type SagaRecord,
  type SagaRepository,
  type SagaRepositoryOptions,
  type StepLogEntry,
} from './saga-repository.js';
export { createSagaRunner, type RunResult, type SagaRunner, type SagaRunnerOptions } from './saga-runner.js';
export { createRecoveryLoop, type RecoveryLoop, type RecoveryLoopOptions } from './recovery.js';
export { createSagaNotifier, type SagaNotifier } from './saga-notifier.js';
export { createBulkhead, type Bulkhead } from './bulkhead.js';
export { executeStep, type StepResult, type StepSettings } from './saga-steps.js';
export { cancelledEvent, paymentFailedEvent, placedEvent } from './saga-events.js';
export { completedAnswer, failureAnswer, sagaPath, RETRY_AFTER_SECONDS } from './answers.js';
export { derivedUuid, sagaIds, uuidv7, type SagaIds } from './ids.js';
export {
  checkoutBodySchema,
  operatorView,
  publicView,
  registerCheckoutRoutes,
  MAX_CHECKOUT_LINES,
  MAX_LINE_QUANTITY,
  MAX_USER_ID_LENGTH,
} from './routes.js';
export { createRpcParticipants, type RpcParticipantsOptions } from './adapters/rpc-participants.js';
