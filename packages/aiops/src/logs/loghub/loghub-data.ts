import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { parseCsv } from './csv.js';

/** The 16 Loghub-2k data sets, in the order of the Loghub papers' tables. */
export const LOGHUB_DATASETS: readonly string[] = [
  'HDFS',
  'Hadoop',
  'Spark',
  'Zookeeper',
  'BGL',
  'HPC',
  'Thunderbird',
  'Windows',
  'Linux',
  'Android',
  'HealthApp',
  'Apache',
  'Proxifier',
  'OpenSSH',
  'OpenStack',
  'Mac',
];

export type LoghubTruth = 'corrected' | 'original';

export interface LoghubSettings {
  readonly logFormat: string;
  readonly regex: readonly string[];
}

export class LoghubDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoghubDataError';
  }
}

/**
 * The Loghub folder: `LOGHUB_ROOT`, else `../shared/datasets/loghub` next to the repository, else
 * /work/shared/datasets/loghub. Throws a one-line error when none holds settings.json.
 */
export function resolveLoghubRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['LOGHUB_ROOT'];
  const repoRoot = fileURLToPath(new URL('../../../../../', import.meta.url));
  const candidates =
    fromEnv !== undefined && fromEnv !== ''
      ? [resolve(fromEnv)]
      : [resolve(repoRoot, '../shared/datasets/loghub'), '/work/shared/datasets/loghub'];
  const found = candidates.find((dir) => existsSync(join(dir, 'settings.json')));
  if (found === undefined) {
    throw new LoghubDataError(
      `Loghub data not found (no settings.json in ${candidates.join(' or ')}); set LOGHUB_ROOT`,
    );
  }
  return found;
}

/** Per-data-set `log_format` and masking regexes of settings.json. */
export function loadLoghubSettings(root: string): Map<string, LoghubSettings> {
  const raw = JSON.parse(readFileSync(join(root, 'settings.json'), 'utf8')) as {
    datasets: Record<string, { log_format: string; regex: string[] }>;
  };
  return new Map(
    Object.entries(raw.datasets).map(([name, s]) => [name, { logFormat: s.log_format, regex: s.regex }]),
  );
}

/** The raw lines of `<name>_2k.log` (CR of CRLF files dropped, no empty trailing line). */
export function loadLoghubLines(root: string, name: string): string[] {
  const text = readFileSync(join(root, name, `${name}_2k.log`), 'utf8');
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Ground-truth template per line (index = LineId - 1). */
export function loadLoghubTruth(root: string, name: string, which: LoghubTruth = 'corrected'): string[] {
  const file =
    which === 'corrected'
      ? join(root, name, `${name}_2k.log_structured.csv`)
      : join(root, name, `${name}_2k.log_structured_original.csv.gz`);
  const bytes = readFileSync(file);
  const rows = parseCsv((file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8'));
  const header = (rows[0] ?? []).map((h) => h.trim());
  const lineCol = header.indexOf('LineId');
  const tplCol = header.indexOf('EventTemplate');
  if (lineCol < 0 || tplCol < 0) throw new LoghubDataError(`${file}: no LineId or EventTemplate column`);
  const out: string[] = [];
  for (const row of rows.slice(1)) out[Number(row[lineCol]) - 1] = row[tplCol] ?? '';
  for (let i = 0; i < out.length; i++) out[i] ??= '';
  return out;
}
