/**
 * Typed PromQL errors. Each carries the `errorType` Prometheus's HTTP API reports, so the edge can map it to
 * a status code (bad_data → 400, execution → 422, timeout → 503, internal → 500) without string matching.
 */

/** The error classes of Prometheus's query API. */
export type PromqlErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

/** A character range of the query text (0-based, end exclusive). */
export interface PositionRange {
  readonly start: number;
  readonly end: number;
}

/** Base class of every error the PromQL engine throws on purpose. */
export class PromqlError extends Error {
  override readonly name: string = 'PromqlError';
  /** Prometheus's error class, e.g. `bad_data`. */
  readonly errorType: PromqlErrorType;

  constructor(errorType: PromqlErrorType, message: string) {
    super(message);
    this.errorType = errorType;
  }
}

/**
 * A query that does not parse or type-check. The message is Prometheus's `line:column: parse error: …`
 * form; `position` holds the offending character range and `detail` the bare description.
 */
export class PromqlParseError extends PromqlError {
  override readonly name = 'PromqlParseError';
  /** Offending range of the query text. */
  readonly position: PositionRange;
  /** The description without the position prefix, e.g. `unexpected end of input`. */
  readonly detail: string;

  constructor(query: string, position: PositionRange, detail: string) {
    super('bad_data', `${lineColumn(query, position.start)} parse error: ${detail}`);
    this.position = position;
    this.detail = detail;
  }
}

/** A failure while evaluating a parsed query (too many samples, timeout, bad function argument, …). */
export class PromqlExecutionError extends PromqlError {
  override readonly name = 'PromqlExecutionError';

  constructor(message: string, errorType: PromqlErrorType = 'execution') {
    super(errorType, message);
  }
}

/** Prometheus's `line:col:` prefix: lines and columns count from 1, columns restart after each newline. */
function lineColumn(query: string, offset: number): string {
  if (offset < 0 || offset > query.length) return 'invalid position:';
  let line = 1;
  let lastBreak = -1;
  for (let i = 0; i < offset; i++) {
    if (query.charCodeAt(i) === 10) {
      line++;
      lastBreak = i;
    }
  }
  return `${line}:${offset - lastBreak}:`;
}
