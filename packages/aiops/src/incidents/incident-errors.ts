/** No incident has this id (nor had, before a merge). */
export class UnknownIncidentError extends Error {
  override readonly name = 'UnknownIncidentError';
  constructor(readonly id: string) {
    super(`no incident ${id}`);
  }
}

/** A signal the incident manager cannot use: a one-line reason. */
export class IncidentSignalError extends Error {
  override readonly name = 'IncidentSignalError';
}

/** A snapshot that is not one the incident manager wrote. */
export class IncidentSnapshotError extends Error {
  override readonly name = 'IncidentSnapshotError';
}
