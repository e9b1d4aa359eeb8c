export {
  PROBLEM_TYPE_BASE,
  problemTypes,
  problemTypeUri,
  listProblemTypes,
  type ProblemTypeCode,
  type ProblemTypeDefinition,
} from './problem-types.js';
export {
  PROBLEM_CONTENT_TYPE,
  fieldErrorSchema,
  problemDocumentSchema,
  type FieldError,
  type ProblemDocument,
} from './problem-document.js';
export {
  currencySchema,
  moneySchema,
  productSchema,
  productPageSchema,
  productListQuerySchema,
  PRODUCT_PAGE_MAX,
  type Money,
  type Product,
  type ProductPage,
  type ProductListQuery,
} from './product.js';
export {
  endpointSchema,
  endpointListSchema,
  serviceNameSchema,
  type Endpoint,
  type EndpointList,
} from './discovery.js';
export {
  replicaStatusSchema,
  scheduleStatusSchema,
  serviceStatusSchema,
  systemStatusSchema,
  type ReplicaStatus,
  type ScheduleStatus,
  type ServiceStatus,
  type SystemStatus,
} from './runtime-status.js';
export type {
  AnalysisCheck,
  AnalysisCheckName,
  AnalysisRecord,
  ProgressStatus,
  ReleaseMemberState,
  ReleaseStatus,
  RolloutActionName,
  RolloutOutcomeStatus,
  RolloutStatus,
  RolloutVerdict,
} from './control-api/rollout-answers.js';
export type {
  IncidentActionJson,
  IncidentChangeJson,
  IncidentJson,
  IncidentSeverity,
  IncidentSignalJson,
  IncidentStatus,
  IncidentTimelineKind,
  RemediationActionJson,
  RemediationProposalJson,
  RootCauseJson,
  RootCauseKind,
  TimelineEntryJson,
} from './control-api/incident-answers.js';
export type {
  FaultExpectedCause,
  FaultInfo,
  FaultParamInfo,
  InjectionJson,
  InjectionStatus,
} from './control-api/chaos-answers.js';
export { renderErrorsDoc } from './render-errors-doc.js';
export { eventTypeNameSchema, eventMetadataSchema, type EventMetadata } from './events/envelope.js';
export {
  shopEventSchemas,
  parseShopEventData,
  orderPlacedV1,
  orderCancelledV1,
  paymentFailedV1,
  userRegisteredV1,
  type ShopEventType,
  type ShopEventData,
} from './events/shop-events.js';
export {
  LOYALTY_TIERS,
  MINOR_UNITS_PER_POINT,
  loyaltyDiscountPercent,
  loyaltyPointsForTotal,
  type LoyaltyTier,
} from './loyalty.js';
export {
  BUDGET_RULE_INTERVAL,
  budgetAlertName,
  budgetAlertSeverity,
  budgetAmount,
  weeklyAverageExpr,
} from './budget-alerts.js';
export {
  BYTES_PER_GIB,
  DEFAULT_CPU_REQUEST_CORES,
  DEFAULT_MEMORY_REQUEST_BYTES,
  HOURS_PER_MONTH,
  computeRequests,
  hourlyComputeCost,
  type ComputePrices,
  type ComputeRequests,
} from './compute-cost.js';
// eslint-disable-next-line no-restricted-syntax -- the generated gRPC contracts, as one namespace
export * as rpc from './rpc.js';
export {
  WeeklyWindowError,
  isWithinWeeklyWindows,
  localWeekMinute,
  parseWeeklyWindows,
  toCronWindows,
  weeklyCoverage,
  weeklyWindowsProblem,
  type CronWindow,
  type WeeklyWindow,
  type WeeklyWindows,
} from './weekly-windows.js';
