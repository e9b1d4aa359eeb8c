import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { setGlobalErrorHandler } from '@opentelemetry/core';
import type { Logger } from '../logger.js';

/** Options of {@link createTracingErrorReporter}. */
export interface TracingErrorReporterOptions {
  log?: Logger | undefined;
  /** Current time in ms; `Date.now` by default. */
  now?: () => number;
  /** At most one line per this many ms after the first; default 60 000. */
  intervalMs?: number;
}

/** Reports problems of the tracing SDK (export failures, dropped spans) without flooding the log. */
export interface TracingErrorReporter {
  /** Records one problem; logs it when it is the first, or the first after `intervalMs`. */
  report(problem: unknown): void;
  /** Problems recorded so far (logged or not). */
  readonly count: number;
}

function describe(problem: unknown): string {
  if (problem instanceof Error) return `${problem.name}: ${problem.message}`;
  return typeof problem === 'string' ? problem : JSON.stringify(problem);
}

/**
 * A reporter that logs the first problem at once and then at most one line per interval, with the number
 * of problems suppressed since the last line: an unreachable collector must cost neither the service nor
 * its log (spans are dropped, the requests go on).
 */
export function createTracingErrorReporter(options: TracingErrorReporterOptions = {}): TracingErrorReporter {
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? 60_000;
  let count = 0;
  let suppressed = 0;
  let lastLogged: number | undefined;
  return {
    report(problem) {
      count++;
      const at = now();
      if (lastLogged !== undefined && at - lastLogged < intervalMs) {
        suppressed++;
        return;
      }
      lastLogged = at;
      try {
        options.log?.warn(
          { problem: describe(problem).slice(0, 500), suppressed },
          'tracing: spans could not be exported or were dropped; the service is not affected',
        );
      } catch {
        // Never throw into the SDK, which called us from its own error path.
      }
      suppressed = 0;
    },
    get count() {
      return count;
    },
  };
}

/**
 * Routes the SDK's global error handler (failed exports) and its diagnostic warnings (a full queue dropping
 * spans) to `reporter`. Both are process-wide, like the tracer provider.
 */
export function installTracingErrorReporter(reporter: TracingErrorReporter): void {
  setGlobalErrorHandler((error) => reporter.report(error));
  const ignore = () => {};
  const logger: DiagLogger = {
    error: (message) => reporter.report(message),
    warn: (message) => reporter.report(message),
    info: ignore,
    debug: ignore,
    verbose: ignore,
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
}
