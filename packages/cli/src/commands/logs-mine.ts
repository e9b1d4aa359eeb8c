import { createWriteStream } from 'node:fs';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { compileMaskPatterns, MaskPatternError, TemplateMiner } from '@opsloop/aiops';
import { CliError } from '../cli-error.js';
import { LineTemplates, type FinishedTemplates } from './logs-mine-ids.js';
import {
  contentParser,
  LogLineError,
  tolerating,
  type UnmatchedMode,
  readLines,
  type ContentOf,
  type LineSource,
} from './logs-mine-input.js';
import { ChunkWriter, CSV_HEADER, CsvRows, formatSummary } from './logs-mine-output.js';

/** Options of `opsloop logs mine`. */
export interface LogsMineOptions {
  /** A settings.json-style header format (`<Date> <Time> <Level> <Component>: <Content>`); none: whole lines. */
  format?: string;
  /** Regexes masked before tokenising (after the built-in timestamp and size masks, before the token rules). */
  mask?: readonly string[];
  /** Each line is a JSON object whose `msg` or `message` is mined. */
  json?: boolean;
  /** A log file, or `-` / undefined for standard input. */
  input?: string;
  /** A CSV file (written to a temporary name, renamed when complete), or undefined for standard output. */
  output?: string;
  /** How many templates the summary lists (default 10). */
  top?: number;
  /** A line that does not fit `--format`/`--json`: an error (default), mined whole, or skipped. */
  unmatched?: UnmatchedMode;
}

/**
 * `opsloop logs <service>` and `opsloop logs mine` share a command, so options of the former given to the
 * latter (`logs mine --tail 5`) would be taken by `logs` and silently ignored: refuse them instead.
 */
export function refuseServiceOptions(sub: Command, allowed: readonly string[] = []): void {
  const logs = sub.parent;
  if (logs === null) return;
  const given = logs.options.filter(
    (o) => !allowed.includes(o.attributeName()) && logs.getOptionValueSource(o.attributeName()) === 'cli',
  );
  if (given.length > 0)
    throw new CliError(
      `${given.map((o) => o.long ?? o.short).join(', ')}: an option of "logs <service>", not of "logs ${sub.name()}"`,
    );
}

/** The streams of a run (the process's by default; tests give their own). */
export interface LogsMineIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/**
 * `opsloop logs mine`: mines a log's templates and writes `LineId,EventId,EventTemplate,Parameters` (Loghub's
 * structured-log columns) for every non-blank line, then a summary of the top templates.
 *
 * Two passes. The first streams the lines through the miner and keeps only the template incarnation of each
 * line (4 bytes); the second reads the lines again and writes each with its template as it is at the end, after
 * every later merge, and its parameters in that template: what a batch parser such as Drain reports, and
 * without keeping the log in memory. Standard input is copied to a temporary file during the first pass so it
 * can be read twice. Every input error (a line that does not fit, an unreadable file) is found in the first
 * pass, so an error leaves no output at all.
 *
 * LineId is the physical line number (1-based, as in Loghub): blank lines get no row but are counted, so a
 * LineId always finds its line (`sed -n <LineId>p`) and error messages use the same numbers.
 */
export async function logsMine(options: LogsMineOptions, io: Partial<LogsMineIo> = {}): Promise<number> {
  const stdin = io.stdin ?? process.stdin;
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const strict = contentParser(options);
  const mode = options.unmatched ?? 'error';
  let unmatched = 0;
  const contentOf = tolerating(strict, mode, () => unmatched++);
  const again = tolerating(strict, mode);
  const masks = options.mask ?? [];
  try {
    compileMaskPatterns(masks);
  } catch (error) {
    if (error instanceof MaskPatternError) throw new CliError(`--mask: ${error.message}`);
    throw error;
  }
  const fromStdin = options.input === undefined || options.input === '-';
  const name = fromStdin ? 'stdin' : (options.input as string);

  // The output file is opened first, under a temporary name, so that a path that cannot be written fails at
  // once rather than after mining a large log; it is renamed into place only when complete.
  const output = options.output === undefined ? undefined : await openOutput(options.output);
  let spoolDir: string | undefined;
  try {
    if (fromStdin) spoolDir = await mkdtemp(join(tmpdir(), 'opsloop-logs-mine-stdin-'));
    const spool = spoolDir === undefined ? undefined : join(spoolDir, 'stdin.log');
    const source: LineSource = fromStdin ? { stream: stdin } : { file: options.input as string };
    const mined = await minePass(source, name, contentOf, masks, spool);
    const second: LineSource = { file: spool ?? (options.input as string) };
    const summary = formatSummary(
      name,
      { ...mined.counts, unmatched, mode },
      mined.templates.top(options.top ?? 10),
    );
    if (output === undefined) {
      await writeCsv(second, name, again, mined, new ChunkWriter(stdout));
      await write(stderr, summary);
    } else {
      await writeCsv(second, name, again, mined, output.writer).catch((error: unknown) => {
        throw error instanceof CliError ? error : output.cannotWrite(error);
      });
      await output.commit();
      await write(stdout, summary);
    }
    return 0;
  } catch (error) {
    await output?.abort();
    throw error;
  } finally {
    if (spoolDir !== undefined) await rm(spoolDir, { recursive: true, force: true });
  }
}

interface Mined {
  readonly templates: FinishedTemplates;
  /** Physical lines read: the second pass stops there (a file that grows meanwhile is read as it was). */
  readonly physicalLines: number;
  readonly counts: { lines: number; templates: number };
}

async function minePass(
  source: LineSource,
  name: string,
  contentOf: ContentOf,
  masks: readonly string[],
  spool: string | undefined,
): Promise<Mined> {
  const lines = new LineTemplates();
  const miner = new TemplateMiner({ masks, onEvict: (evicted) => lines.evicted(evicted) });
  const copy = spool === undefined ? undefined : new ChunkWriter(createWriteStream(spool));
  let physicalLines = 0;
  try {
    for await (const [line, lineNumber] of readLines(source, name)) {
      physicalLines = lineNumber;
      const copied = copy?.write(`${line}\n`);
      if (copied !== undefined) await copied;
      const content = contentOf(line, lineNumber);
      if (content !== undefined) lines.record(miner.mine(content));
    }
    await copy?.close();
  } catch (error) {
    copy?.destroy();
    if (error instanceof LogLineError) throw new CliError(`${name}: ${error.message}`);
    if (error instanceof CliError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined) throw new CliError(`cannot copy ${name} to a temporary file: ${code}`);
    throw error;
  }
  const templates = lines.finish(miner);
  return { templates, physicalLines, counts: { lines: templates.lines, templates: templates.templates } };
}

/** The second pass: every mined line with its final template and parameters. */
async function writeCsv(
  source: LineSource,
  name: string,
  contentOf: ContentOf,
  mined: Mined,
  out: ChunkWriter,
): Promise<void> {
  const rows = new CsvRows();
  await out.write(`${CSV_HEADER}\n`);
  let n = 0;
  const changed = () => new CliError(`${name} changed while it was being read; nothing written`);
  for await (const [line, lineNumber] of readLines(source, name)) {
    if (lineNumber > mined.physicalLines) break;
    let content;
    try {
      content = contentOf(line, lineNumber);
    } catch {
      throw changed();
    }
    if (content === undefined) continue;
    if (n >= mined.templates.lines) throw changed();
    const key = mined.templates.keyOfLine(n++);
    const { templateId, template } = mined.templates.final(key);
    const row = rows.row(lineNumber, key, templateId, template, content);
    const written = out.write(row);
    if (written !== undefined) await written;
  }
  if (n !== mined.templates.lines) throw changed();
  await out.flush();
}

interface OutputFile {
  readonly writer: ChunkWriter;
  readonly cannotWrite: (error: unknown) => CliError;
  /** Closes the temporary file and renames it to the output path. */
  commit(): Promise<void>;
  /** Removes the temporary file. */
  abort(): Promise<void>;
}

async function openOutput(output: string): Promise<OutputFile> {
  const temp = `${output}.${process.pid}.tmp`;
  const cannotWrite = (error: unknown) =>
    new CliError(`cannot write ${output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  const stream = createWriteStream(temp);
  await new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  }).catch((error: unknown) => {
    throw cannotWrite(error);
  });
  const writer = new ChunkWriter(stream);
  return {
    writer,
    cannotWrite,
    async commit() {
      try {
        await writer.close();
        await rename(temp, output);
      } catch (error) {
        throw cannotWrite(error);
      }
    },
    async abort() {
      writer.destroy();
      await rm(temp, { force: true });
    },
  };
}

function write(stream: Writable, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (stream.write(text)) resolve();
    else stream.once('drain', resolve);
  });
}
