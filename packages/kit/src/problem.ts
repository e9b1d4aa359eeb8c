import {
  PROBLEM_CONTENT_TYPE,
  problemTypes,
  problemTypeUri,
  type FieldError,
  type ProblemDocument,
  type ProblemTypeCode,
} from '@opsloop/contracts';

/** Options of a {@link ProblemError}. */
export interface ProblemErrorOptions {
  /** Explanation specific to this occurrence; shown to clients, so never internal details. */
  detail?: string;
  /** Field errors of a `validation-failed` problem. */
  errors?: FieldError[];
  /** Extra members for the problem document (RFC 9457 extensions). */
  extensions?: Record<string, unknown>;
  /** Response headers to add (e.g. `retry-after`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

/**
 * A domain error that the edge turns into an RFC 9457 problem document. Throw it anywhere in a handler;
 * the kit's error handler renders it with the catalogue's `type`, `title` and `status`.
 */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly code: ProblemTypeCode;
  readonly status: number;
  readonly detail: string | undefined;
  readonly errors: FieldError[] | undefined;
  readonly extensions: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(code: ProblemTypeCode, options: ProblemErrorOptions = {}) {
    super(options.detail ?? problemTypes[code].title, { cause: options.cause });
    this.code = code;
    this.status = problemTypes[code].status;
    this.detail = options.detail;
    this.errors = options.errors;
    this.extensions = options.extensions ?? {};
    this.headers = options.headers ?? {};
  }

  /** The problem document for this error, for the request at `instance`. */
  toDocument(instance?: string, requestId?: string): ProblemDocument {
    const definition = problemTypes[this.code];
    return {
      ...this.extensions,
      type: problemTypeUri(this.code),
      title: definition.title,
      status: definition.status,
      ...(this.detail === undefined ? {} : { detail: this.detail }),
      ...(instance === undefined ? {} : { instance }),
      ...(requestId === undefined ? {} : { request_id: requestId }),
      ...(this.errors === undefined ? {} : { errors: this.errors }),
    };
  }
}

export { PROBLEM_CONTENT_TYPE };
