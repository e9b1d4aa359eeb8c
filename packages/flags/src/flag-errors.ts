/** One problem in a flag document, located by a JSON path such as `flags.new-checkout.defaultVariant`. */
export interface FlagIssue {
  /** Dotted path into the document (`(root)` for the document itself). */
  readonly path: string;
  readonly message: string;
}

/** A flag document, or a change to one, is invalid; every problem is listed with its path. */
export class FlagDefinitionError extends Error {
  override readonly name: string = 'FlagDefinitionError';
  /** Every problem found, in document order. */
  readonly issues: readonly FlagIssue[];
  constructor(issues: readonly FlagIssue[], options?: ErrorOptions) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '), options);
    this.issues = issues;
  }
}

/** A change named a flag key the document does not have (a 404 at the HTTP edge). */
export class UnknownFlagError extends FlagDefinitionError {
  override readonly name: string = 'UnknownFlagError';
  /** The key that was asked for. */
  readonly key: string;
  constructor(key: string, known: readonly string[]) {
    const hint =
      known.length > 0 ? ` (known: ${known.slice(0, 10).join(', ')})` : ' (the document has no flags)';
    super([{ path: `flags.${key}`, message: `no such flag${hint}` }]);
    this.key = key;
  }
}

/** A flag file could not be read or holds an invalid document. */
export class FlagFileError extends Error {
  override readonly name = 'FlagFileError';
  /** The file that was read. */
  readonly file: string;
  /** The document problems, when the file was readable but invalid. */
  readonly issues: readonly FlagIssue[];
  constructor(file: string, detail: string, issues: readonly FlagIssue[], options?: ErrorOptions) {
    super(`flag file ${file}: ${detail}`, options);
    this.file = file;
    this.issues = issues;
  }
}

/** An argument, option, query parameter or environment variable has a bad value; `field` names it. */
export class FlagsArgumentError extends Error {
  override readonly name = 'FlagsArgumentError';
  /** The offending argument (`timeoutMs`, `watch`, `OPSLOOP_FLAGS_URL`, …). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** The flag provider could not load flags from the runtime. */
export class FlagProviderError extends Error {
  override readonly name = 'FlagProviderError';
}
