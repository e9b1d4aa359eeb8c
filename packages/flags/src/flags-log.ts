/** The logger the flag providers write to; a pino logger (such as kit's `createLogger()`) fits. */
export interface FlagsLog {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** A logger that drops everything: the default, since flags must never make noise a service did not ask for. */
export const silentFlagsLog: FlagsLog = { debug() {}, info() {}, warn() {}, error() {} };
