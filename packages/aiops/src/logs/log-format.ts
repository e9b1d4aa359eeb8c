/** A settings.json-style header format turned into a line parser (Loghub/logparser convention). */
export interface ParsedLogLine {
  /** Every `<Field>` of the format except `Content`, by name. */
  readonly fields: Readonly<Record<string, string>>;
  /** The message part (the `<Content>` field): what the template miner parses. */
  readonly content: string;
}

/** A line parser: `undefined` when the line does not fit the format (callers decide: skip, or mine it whole). */
export type LogLineParser = (line: string) => ParsedLogLine | undefined;

export class LogFormatError extends Error {
  constructor(format: string, reason: string) {
    super(`bad log format ${JSON.stringify(format)}: ${reason}`);
    this.name = 'LogFormatError';
  }
}

const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Compiles a format like `<Date> <Time> <Level> <Component>: <Content>`. As in logparser: each `<Name>` matches
 * lazily, the literal text between fields is a regex fragment (so `\[<Pid>\]` and `(\[<PID>\])?` work) whose
 * runs of spaces match any whitespace run, and the pattern is anchored at both ends of the trimmed line.
 */
export function compileLogFormat(format: string): LogLineParser {
  const parts = format.split(/(<[^<>]*>)/);
  const names: string[] = [];
  let source = '';
  parts.forEach((part, index) => {
    if (index % 2 === 0) {
      source += part.replace(/ +/g, '\\s+');
      return;
    }
    const name = part.slice(1, -1);
    if (!FIELD_NAME.test(name))
      throw new LogFormatError(format, `field name ${JSON.stringify(part)} is not a word`);
    if (names.includes(name)) throw new LogFormatError(format, `field <${name}> appears twice`);
    names.push(name);
    source += `(?<${name}>.*?)`;
  });
  if (!names.includes('Content')) throw new LogFormatError(format, 'it has no <Content> field');
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^${source}$`, 's');
  } catch (error) {
    throw new LogFormatError(format, (error as Error).message);
  }
  return (line) => {
    const groups = pattern.exec(line.trim())?.groups;
    if (groups === undefined) return undefined;
    const fields: Record<string, string> = {};
    for (const name of names) if (name !== 'Content') fields[name] = groups[name] ?? '';
    return { fields, content: groups['Content'] ?? '' };
  };
}
