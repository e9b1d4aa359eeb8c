import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { traceLogFields } from './tracing/log-fields.js';

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  service: string;
  version: string;
  instance: string;
  level?: LevelWithSilent;
  /** Where to write; stdout by default (the runtime captures it). */
  destination?: DestinationStream;
}

/**
 * A pino JSON logger whose every line carries `service`, `version` and `instance`, and `trace_id` and
 * `span_id` inside a trace; request loggers add `request_id`. Secrets in well-known places are redacted.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service, version: options.version, instance: options.instance },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      formatters: { level: (label) => ({ level: label }) },
      // trace_id / span_id of the active span (none outside a trace or with tracing off).
      mixin: traceLogFields,
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["idempotency-key"]',
          'res.headers["set-cookie"]',
          '*.token',
          '*.password',
        ],
        censor: '[redacted]',
      },
    },
    options.destination ?? stdoutDestination(),
  );
}

/**
 * Synchronous stdout whose write errors are dropped: when the supervisor that reads our stdout is gone
 * (EPIPE), logging must not throw into the program and stop it from shutting down cleanly.
 */
function stdoutDestination(): DestinationStream {
  const destination = pino.destination({ dest: 1, sync: true });
  destination.on('error', () => {});
  return destination;
}

export type { Logger };
