/**
 * Errors of the identity module. Messages name the service, instance or limit at fault and never contain
 * key material, so they are safe to log and to return from the API.
 */

/** Why an identity operation was refused. */
export type IdentityProblem = 'service-name' | 'instance-name' | 'ttl' | 'ca-expiring' | 'options' | 'closed';

/** Raised for a bad request to the CA or issuer (name, ttl, options) or one it can no longer serve. */
export class IdentityError extends Error {
  override readonly name: string = 'IdentityError';
  /** What is wrong, for callers that react differently (e.g. an expiring CA versus a bad name). */
  readonly problem: IdentityProblem;
  constructor(problem: IdentityProblem, message: string) {
    super(message);
    this.problem = problem;
  }
}
