/**
 * @opsloop/chaos — the fault library: what can be broken, how it is parameterised, and the injection manager that
 * applies faults through a platform port (the local runtime's adapter) and records every injection.
 */
export { ChaosApplyError, ChaosInputError, ChaosTargetError, UnknownInjectionError } from './chaos-errors.js';
export {
  createChaosManager,
  type ChaosManager,
  type ChaosManagerOptions,
  type InjectRequest,
} from './chaos-manager.js';
export type {
  ChaosLoad,
  ChaosPlatform,
  ChaosReplica,
  PlatformUndo,
  ReplicaFaultKind,
  ReplicaFaultRequest,
} from './chaos-platform.js';
export { FAULTS, faultByName, listFaults, type FaultInfo } from './fault-catalogue.js';
export {
  defineFault,
  faultParamInfo,
  type CauseKind,
  type ExpectedCause,
  type FaultDefinition,
  type FaultDefinitionInput,
  type FaultMechanism,
  type FaultParamInfo,
  type FaultScope,
  type FaultValidationContext,
  type ReplicaFaultSpec,
  type RuntimeFaultContext,
  type RuntimeFaultOutcome,
} from './fault-definition.js';
export { MAX_FAULT_DURATION_MS, checkFaultDuration, parseFaultDuration } from './fault-duration.js';
export { parseFaultParams, parseParamPairs, type RawParamValue } from './fault-params.js';
export type { ChaosEvent, FaultParams, Injection, InjectionStatus } from './injection.js';
