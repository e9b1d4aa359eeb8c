/**
 * Errors of the secrets module. Messages name the file, field or reference at fault and never contain a
 * secret value or key material, so they are safe to log and to return from the API.
 */

/** Base class of every error raised by the secrets module. */
export class SecretsError extends Error {
  override readonly name: string = 'SecretsError';
}

/** Why a key file was refused. */
export type SecretKeyProblem = 'missing' | 'exists' | 'permissions' | 'owner' | 'invalid' | 'io';

/** The user's key file is missing, malformed, or too widely readable. */
export class SecretKeyError extends SecretsError {
  override readonly name: string = 'SecretKeyError';
  /** The key file at fault. */
  readonly path: string;
  /** What is wrong, for callers that react differently (e.g. create a missing key). */
  readonly problem: SecretKeyProblem;
  constructor(path: string, problem: SecretKeyProblem, message: string) {
    super(message);
    this.path = path;
    this.problem = problem;
  }
}

/** The encrypted store file cannot be read, parsed or written. */
export class SecretStoreError extends SecretsError {
  override readonly name: string = 'SecretStoreError';
  /** The store file at fault. */
  readonly file: string;
  constructor(file: string, message: string) {
    super(message);
    this.file = file;
  }
}

/**
 * An entry (or the whole store) does not decrypt: the key is not the one the store was written with, or
 * the file was altered. AES-GCM cannot tell these apart, and neither do we.
 */
export class SecretDecryptError extends SecretStoreError {
  override readonly name: string = 'SecretDecryptError';
  /** The secret whose entry failed, if the failure is about one entry. */
  readonly secret: string | undefined;
  constructor(file: string, secret?: string, detail?: string) {
    const what = secret === undefined ? file : `secret "${secret}" in ${file}`;
    super(
      file,
      `cannot decrypt ${what}: wrong key or tampered file${detail === undefined ? '' : ` (${detail})`}`,
    );
    this.secret = secret;
  }
}

/** A secret name, key name or value that the store does not accept; `field` names what is wrong. */
export class SecretInputError extends SecretsError {
  override readonly name: string = 'SecretInputError';
  /** `name`, `key` or `value`. */
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** A service's references to secrets or config maps cannot be resolved; one line per problem. */
export class ConfigRefError extends SecretsError {
  override readonly name: string = 'ConfigRefError';
  /** The service whose references failed. */
  readonly service: string;
  /** e.g. `inject[0] (secret "db", key "password"): secret "db" not found`. */
  readonly problems: readonly string[];
  constructor(service: string, problems: readonly string[]) {
    super(`service "${service}": ${problems.join('; ')}`);
    this.service = service;
    this.problems = problems;
  }
}

/** A file path that would land outside the replica's directory (absolute, or through `..`). */
export class FilePathError extends SecretsError {
  override readonly name: string = 'FilePathError';
  /** The offending path, as given. */
  readonly path: string;
  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}
