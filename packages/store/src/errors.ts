/** SQLSTATE codes the store's predicates recognise (PostgreSQL appendix A). */
export const SQLSTATE = Object.freeze({
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  notNullViolation: '23502',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  undefinedTable: '42P01',
} as const);

const SQLSTATE_PATTERN = /^[0-9A-Z]{5}$/;
const MAX_CAUSE_DEPTH = 8;

/**
 * The SQLSTATE of a database error, or `undefined` when `err` is not one. Works for `pg` errors and PGlite
 * errors (both carry the five-character code in `code`) and follows `cause` chains, so an error wrapped by
 * the store (a {@link MigrationError}) or by application code is still recognised.
 */
export function sqlState(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SQLSTATE_PATTERN.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Whether `err` is a unique-constraint violation (SQLSTATE 23505): a duplicate key. */
export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === SQLSTATE.uniqueViolation;
}

/** Whether `err` is a foreign-key violation (SQLSTATE 23503). */
export function isForeignKeyViolation(err: unknown): boolean {
  return sqlState(err) === SQLSTATE.foreignKeyViolation;
}

/** Whether `err` is a check-constraint violation (SQLSTATE 23514). */
export function isCheckViolation(err: unknown): boolean {
  return sqlState(err) === SQLSTATE.checkViolation;
}

/**
 * Whether `err` means "run the transaction again": a serialization failure (40001) or a detected deadlock
 * (40P01). {@link Database.transaction} retries these itself.
 */
export function isSerializationFailure(err: unknown): boolean {
  const code = sqlState(err);
  return code === SQLSTATE.serializationFailure || code === SQLSTATE.deadlockDetected;
}
