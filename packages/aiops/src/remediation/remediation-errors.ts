/** Engine or limit options out of range. */
export class RemediationOptionsError extends Error {
  override readonly name = 'RemediationOptionsError';
}

/** A snapshot of the engine's counters that cannot be restored. */
export class RemediationSnapshotError extends Error {
  override readonly name = 'RemediationSnapshotError';
}

/** `approve`/`reject` of a proposal that is not pending (unknown, decided, expired or cancelled). */
export class ProposalNotFoundError extends Error {
  override readonly name = 'ProposalNotFoundError';
}

/** A call to an engine that was stopped. */
export class RemediationStoppedError extends Error {
  override readonly name = 'RemediationStoppedError';
}
