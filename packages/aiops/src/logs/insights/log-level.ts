// One reading of log levels for the platform and the dashboard: defined in @opsloop/contracts.
export { atLeast, levelOf, levelOfPlainLine, type LogLevel } from '@opsloop/contracts/log-level';
