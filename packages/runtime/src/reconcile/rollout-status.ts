// The rollout answer is a control API contract, shared with the CLI and the dashboard: runtime.ts builds it
// against this one definition, so a drift fails the type-check.
export type { RolloutActionName, RolloutStatus } from '@opsloop/contracts';
