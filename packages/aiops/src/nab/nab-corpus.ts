import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { columnIndex, parseCsv } from './nab-csv.js';
import { parseNabProfiles, type NabProfiles } from './nab-profiles.js';
import { parseNabTimestamp } from './nab-timestamp.js';
import { resolveNabRoot } from './nab-root.js';

/** A labelled anomaly window as data-row indices, both ends included. */
export interface NabWindow {
  readonly left: number;
  readonly right: number;
}

/** What the scorer needs of one data file. */
export interface NabLabelledFile {
  /** `category/file.csv`, the key of labels/combined_windows.json. */
  readonly path: string;
  readonly rowCount: number;
  readonly windows: readonly NabWindow[];
}

/** What the scorer needs of the corpus: files in scoring order, the windows' count, the profiles. */
export interface NabLabels {
  readonly files: readonly NabLabelledFile[];
  /** Windows in the labels file (the "perfect" score counts them all, even those inside probation). */
  readonly windowCount: number;
  readonly profiles: NabProfiles;
}

/** One data file with its rows. */
export interface NabFile extends NabLabelledFile {
  readonly category: string;
  readonly fileName: string;
  /** The timestamp column as written (results files repeat it). */
  readonly timestamps: readonly string[];
  readonly timesMs: readonly number[];
  /** The value column as written, and parsed. */
  readonly rawValues: readonly string[];
  readonly values: readonly number[];
}

/** The NAB corpus: files sorted by path, like nabscore.py. */
export interface NabCorpus extends NabLabels {
  readonly root: string;
  readonly files: readonly NabFile[];
}

/** Where the corpus is and which parts to read. */
export interface LoadNabCorpusOptions {
  /** Defaults to {@link resolveNabRoot}. */
  readonly root?: string;
  /** labels/combined_windows.json by default; a smaller labels file scores a subset of the files. */
  readonly windowsFile?: string;
  /** config/profiles.json by default. */
  readonly profilesFile?: string;
}

/** Reads data files, windows and profiles (throws on a missing window timestamp or a bad value). */
export function loadNabCorpus(options: LoadNabCorpusOptions = {}): NabCorpus {
  const root = options.root ?? resolveNabRoot();
  const windowsFile = options.windowsFile ?? join(root, 'labels', 'combined_windows.json');
  const profilesFile = options.profilesFile ?? join(root, 'config', 'profiles.json');
  const profiles = parseNabProfiles(JSON.parse(readFileSync(profilesFile, 'utf8')), profilesFile);
  const labels = JSON.parse(readFileSync(windowsFile, 'utf8')) as Record<string, [string, string][]>;
  const files: NabFile[] = [];
  let windowCount = 0;
  for (const path of Object.keys(labels).sort()) {
    const windows = labels[path] ?? [];
    windowCount += windows.length;
    files.push(readNabFile(root, path, windows));
  }
  return { root, files, windowCount, profiles };
}

function readNabFile(root: string, path: string, labelled: readonly [string, string][]): NabFile {
  const source = join(root, 'data', path);
  const table = parseCsv(readFileSync(source, 'utf8'), source);
  const ti = columnIndex(table, 'timestamp', source);
  const vi = columnIndex(table, 'value', source);
  const timestamps: string[] = [];
  const timesMs: number[] = [];
  const rawValues: string[] = [];
  const values: number[] = [];
  // Python's `pos.setdefault(t, i)`: a window end names the first row with that timestamp.
  const firstRow = new Map<number, number>();
  table.rows.forEach((row, i) => {
    const ts = row[ti] ?? '';
    const raw = row[vi] ?? '';
    const parsed = parseNabTimestamp(ts);
    const value = raw.trim() === '' ? NaN : Number(raw);
    if (Number.isNaN(value) && !/^\s*[+-]?nan\s*$/i.test(raw)) {
      throw new Error(`${source}: row ${i + 2}: value ${JSON.stringify(raw)} is not a number`);
    }
    if (!firstRow.has(parsed.micros)) firstRow.set(parsed.micros, i);
    timestamps.push(ts);
    timesMs.push(parsed.ms);
    rawValues.push(raw);
    values.push(value);
  });
  const windows = labelled.map(([left, right]) => {
    const l = firstRow.get(parseNabTimestamp(left).micros);
    const r = firstRow.get(parseNabTimestamp(right).micros);
    if (l === undefined || r === undefined) throw new Error(`window ${left}..${right} not found in ${path}`);
    return { left: l, right: r };
  });
  const slash = path.lastIndexOf('/');
  return {
    path,
    category: path.slice(0, slash),
    fileName: path.slice(slash + 1),
    rowCount: timestamps.length,
    windows,
    timestamps,
    timesMs,
    rawValues,
    values,
  };
}
