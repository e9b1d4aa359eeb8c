import { readFile, rename, writeFile } from 'node:fs/promises';
import type { DetectorContext, DetectorFactory } from '@opsloop/aiops';
import { CliError } from '../cli-error.js';
import { CsvInputError, parseDetectCsv, type CsvPoint } from './detect-csv.js';

/** Options of `opsloop detect`. */
export interface DetectOptions {
  /** A detector name (`--detector`). */
  detector: string;
  /** The detectors to choose from. */
  detectors: readonly DetectorFactory[];
  /** A CSV file, or `-` / undefined for standard input. */
  input?: string;
  /** A CSV file (written whole, atomically), or undefined for standard output. */
  output?: string;
  /** The series' known minimum and maximum (NAB's convention); unknown by default. */
  min?: number;
  max?: number;
}

async function readInput(input: string | undefined): Promise<string> {
  if (input !== undefined && input !== '-') {
    try {
      return await readFile(input, 'utf8');
    } catch (error) {
      throw new CliError(`cannot read ${input}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Scores every point with a fresh detector: the output rows are the input rows plus `anomaly_score`. */
export function scorePoints(
  factory: DetectorFactory,
  points: readonly CsvPoint[],
  context: DetectorContext,
): string {
  const detector = factory.create(context);
  const lines = ['timestamp,value,anomaly_score'];
  for (const p of points) {
    const score = detector.update(p.timestampMs, p.value);
    lines.push(`${p.timestampText},${p.valueText},${Number(score.toFixed(6))}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `opsloop detect`: reads `timestamp,value` CSV, runs one detector over it point by point (as it would run
 * live) and writes `timestamp,value,anomaly_score`. Every bad row is an error naming its line; nothing is
 * written then.
 */
export async function detect(options: DetectOptions): Promise<number> {
  const factory = options.detectors.find((d) => d.name === options.detector);
  if (factory === undefined)
    throw new CliError(
      `unknown detector "${options.detector}" (one of: ${options.detectors.map((d) => d.name).join(', ')})`,
    );
  if (options.min !== undefined && options.max !== undefined && options.min > options.max)
    throw new CliError(`--min ${options.min} is greater than --max ${options.max}`);
  const source = options.input === undefined || options.input === '-' ? 'stdin' : options.input;
  let points: CsvPoint[];
  try {
    points = parseDetectCsv(await readInput(options.input));
  } catch (error) {
    if (error instanceof CsvInputError) throw new CliError(`${source}: ${error.message}`);
    throw error;
  }
  if (points.length === 0) throw new CliError(`${source}: no rows (expected timestamp,value lines)`);
  const context: DetectorContext = {
    ...(options.min === undefined ? {} : { inputMin: options.min }),
    ...(options.max === undefined ? {} : { inputMax: options.max }),
  };
  const csv = scorePoints(factory, points, context);
  if (options.output === undefined) {
    process.stdout.write(csv);
  } else {
    const temp = `${options.output}.${process.pid}.tmp`;
    try {
      await writeFile(temp, csv);
      await rename(temp, options.output);
    } catch (error) {
      throw new CliError(
        `cannot write ${options.output}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      );
    }
  }
  return 0;
}
