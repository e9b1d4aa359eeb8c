/** An error answer of the control API (RFC 9457 problem+json), or a failure to reach it. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the API could not be reached. */
    readonly status: number,
    /** The problem's stable `type` URI (or `about:blank`). */
    readonly type: string,
    /** What a person should read. */
    readonly detail: string,
  ) {
    super(detail);
  }

  /** The token was refused: sign in again. */
  get unauthorised(): boolean {
    return this.status === 401;
  }

  /** The token's role may not do this. */
  get forbidden(): boolean {
    return this.status === 403;
  }
}

interface ProblemDocument {
  type?: unknown;
  title?: unknown;
  detail?: unknown;
}

/** The ApiError of a non-2xx answer, reading its problem document when there is one. */
export async function problemOf(response: Response): Promise<ApiError> {
  let problem: ProblemDocument = {};
  try {
    const text = await response.text();
    if (text !== '') problem = JSON.parse(text) as ProblemDocument;
  } catch {
    // Not JSON: the status line says enough.
  }
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : `${response.status} ${response.statusText}`.trim();
  return new ApiError(
    response.status,
    typeof problem.type === 'string' ? problem.type : 'about:blank',
    detail,
  );
}
