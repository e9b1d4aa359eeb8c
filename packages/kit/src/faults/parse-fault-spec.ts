import { faultSpecSchema, type ParsedFaultSpec } from './fault-spec.js';

/** One invalid field of a fault spec. */
export interface FaultSpecIssue {
  /** Dotted path in the spec (`params.ms`), `(root)` for the whole. */
  path: string;
  message: string;
}

/** Raised for a fault spec that does not validate (the endpoint answers a 400 problem instead). */
export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  /** Every invalid field. */
  readonly issues: readonly FaultSpecIssue[];
  constructor(issues: readonly FaultSpecIssue[]) {
    super(`invalid fault: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`);
    this.issues = issues;
  }
}

/** Validates a fault spec (see `faultSpecSchema`), applying defaults; throws {@link FaultSpecError}. */
export function parseFaultSpec(value: unknown): ParsedFaultSpec {
  const result = faultSpecSchema.safeParse(value);
  if (result.success) return result.data;
  throw new FaultSpecError(
    result.error.issues.map((issue) => ({
      path: issue.path.map(String).join('.') || '(root)',
      message: issue.message,
    })),
  );
}
