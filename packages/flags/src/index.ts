export {
  parseFlagDefinitions,
  asFlagSet,
  emptyFlagSet,
  changeFlag,
  changedFlagKeys,
  type FlagSet,
  type FlagDefinition,
  type FlagChange,
} from './flag-definitions.js';
export type {
  FlagdDocument,
  FlagdFlag,
  FlagState,
  FlagValueKind,
  FlagVariantValue,
} from './flag-document.js';
export {
  FlagDefinitionError,
  UnknownFlagError,
  FlagFileError,
  FlagsArgumentError,
  FlagProviderError,
  type FlagIssue,
} from './flag-errors.js';
export { createFlagStore, type FlagStore, type FlagStoreOptions, type FlagSnapshot } from './flag-store.js';
export { loadFlagFile } from './flag-file.js';
export {
  answerFlagsRequest,
  WATCH_PARAM,
  TIMEOUT_SECONDS_PARAM,
  type FlagsEndpointAnswer,
  type FlagsEndpointOptions,
} from './flags-endpoint.js';
export { evaluateFlag } from './evaluate.js';
export { FlagSetProvider } from './flag-set-provider.js';
export { OpsloopFlagProvider, type OpsloopFlagProviderOptions } from './opsloop-provider.js';
export { StaticFlagProvider, createStaticFlagProvider } from './static-provider.js';
export { flagsFromEnv, FLAGS_URL_ENV, FLAGS_TOKEN_ENV } from './flags-from-env.js';
export { silentFlagsLog, type FlagsLog } from './flags-log.js';
export { backoffDelay } from './backoff.js';
// Test support: the flags endpoint on loopback, for the suites of services (no test framework inside).
export {
  startTestFlagsServer,
  type TestFlagsServer,
  type TestFlagsServerOptions,
  type TestFlagsSource,
} from './test-flags-server.js';
