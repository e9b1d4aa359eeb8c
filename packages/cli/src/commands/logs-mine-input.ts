import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { compileLogFormat, LogFormatError, parseJsonLogLine } from '@opsloop/aiops';
import { CliError } from '../cli-error.js';

/** A line that cannot be mined: the message names the line (1-based, physical) and shows its start. */
export class LogLineError extends Error {
  override readonly name = 'LogLineError';
}

/** The message of a line, or undefined for a blank line (skipped; line numbers still count it). */
export type ContentOf = (line: string, lineNumber: number) => string | undefined;

const SNIPPET = 80;

/** The start of a line, quoted so that control characters cannot break the one-line error. */
export function snippet(line: string): string {
  const text = line.trim();
  return JSON.stringify(text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text);
}

/**
 * How each line becomes the message the miner sees: the `<Content>` field of a header format, the `msg` or
 * `message` field of a JSON line, or the whole (trimmed) line. A line that does not fit throws
 * {@link LogLineError}; a bad format string throws {@link CliError} at once, before any input is read.
 */
export function contentParser(options: { format?: string; json?: boolean }): ContentOf {
  if (options.format !== undefined && options.json === true)
    throw new CliError('give --format or --json, not both');
  if (options.format !== undefined) {
    let parse;
    try {
      parse = compileLogFormat(options.format);
    } catch (error) {
      if (error instanceof LogFormatError) throw new CliError(`--format: ${error.message}`);
      throw error;
    }
    const format = JSON.stringify(options.format);
    return (line, lineNumber) => {
      if (line.trim() === '') return undefined;
      const parsed = parse(line);
      if (parsed === undefined)
        throw new LogLineError(`line ${lineNumber} does not match --format ${format}: ${snippet(line)}`);
      return parsed.content;
    };
  }
  if (options.json === true) {
    return (line, lineNumber) => {
      if (line.trim() === '') return undefined;
      const parsed = parseJsonLogLine(line);
      if (parsed === undefined)
        throw new LogLineError(`line ${lineNumber} ${jsonProblem(line)}: ${snippet(line)}`);
      return parsed.content;
    };
  }
  return (line) => {
    const text = line.trim();
    return text === '' ? undefined : text;
  };
}

/** What to do with a line that does not fit `--format` or is not a JSON log line. */
export type UnmatchedMode = 'error' | 'whole' | 'skip';
export const UNMATCHED_MODES: readonly UnmatchedMode[] = ['error', 'whole', 'skip'];

/**
 * A parser that mines such a line whole (trimmed, as logparser's benchmark does with Drain) or skips it
 * (no row; later LineIds do not change), calling `onUnmatched` for each; `error` leaves the parser as it is.
 */
export function tolerating(contentOf: ContentOf, mode: UnmatchedMode, onUnmatched = () => {}): ContentOf {
  if (mode === 'error') return contentOf;
  return (line, lineNumber) => {
    try {
      return contentOf(line, lineNumber);
    } catch (error) {
      if (!(error instanceof LogLineError)) throw error;
      onUnmatched();
      return mode === 'whole' ? line.trim() : undefined;
    }
  };
}

/** Why a line is not a JSON log line (only asked on the error path). */
function jsonProblem(line: string): string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return 'is not JSON';
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not a JSON object';
  return 'has no string "msg" or "message" field';
}

/** Where the lines come from: a file (read twice, see logs-mine.ts) or a stream. */
export type LineSource = { readonly file: string } | { readonly stream: Readable };

/**
 * The lines of a source with their 1-based numbers, streamed (CRLF and LF both end a line). A file that
 * cannot be read is a {@link CliError} naming it and the reason (ENOENT, EISDIR, EACCES…).
 */
export async function* readLines(source: LineSource, name: string): AsyncGenerator<[string, number]> {
  const input = 'file' in source ? createReadStream(source.file) : source.stream;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) yield [line, ++lineNumber];
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new CliError(`cannot read ${name}: ${code}`);
    throw error;
  } finally {
    lines.close();
    // A file we opened is ours to close, also when the caller stops early; stdin is not.
    if ('file' in source) input.destroy();
  }
}
