// NAB's results layout: <results>/<category>/<detector>_<file>.csv, one row per data row.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NabFile, NabLabels, NabLabelledFile } from './nab-corpus.js';
import { columnIndex, parseCsv } from './nab-csv.js';
import type { NabScores } from './nab-score.js';

/** 1 for rows inside a labelled window, else 0 (NAB's `label` column). */
export function windowLabels(file: NabLabelledFile): Uint8Array {
  const labels = new Uint8Array(file.rowCount);
  for (const { left, right } of file.windows) labels.fill(1, left, right + 1);
  return labels;
}

/** `<category>/<detector>_<file>.csv` inside a detector's results folder. */
export function resultsFilePath(detector: string, file: Pick<NabFile, 'category' | 'fileName'>): string {
  return join(file.category, `${detector}_${file.fileName}`);
}

/** A results file: timestamp,value,anomaly_score,label with the data file's rows (scores round-trip exactly). */
export function formatResultsCsv(file: NabFile, anomalyScores: ArrayLike<number>): string {
  if (anomalyScores.length !== file.rowCount) {
    throw new Error(`${file.path}: ${anomalyScores.length} anomaly scores for ${file.rowCount} rows`);
  }
  const labels = windowLabels(file);
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < file.rowCount; i += 1) {
    lines.push(`${file.timestamps[i]},${file.rawValues[i]},${String(anomalyScores[i])},${labels[i]}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Reads a results folder like nabscore.py's load_results: `<category>/<detector>_<file>` or
 * `<category>/<file>`, its `anomaly_score` column, aligned to the data rows by position.
 */
export function readResultsDir(dir: string, detector: string, labels: NabLabels): NabScores {
  const scores = new Map<string, number[]>();
  for (const file of labels.files) {
    const slash = file.path.lastIndexOf('/');
    const category = file.path.slice(0, slash);
    const fileName = file.path.slice(slash + 1);
    const candidates = [join(dir, category, `${detector}_${fileName}`), join(dir, category, fileName)];
    const path = candidates.find((c) => existsSync(c));
    if (path === undefined)
      throw new Error(`no results file for ${file.path} (tried ${candidates.join(', ')})`);
    const table = parseCsv(readFileSync(path, 'utf8'), path);
    const ai = columnIndex(table, 'anomaly_score', path);
    if (table.rows.length !== file.rowCount) {
      throw new Error(`${path} has ${table.rows.length} rows, data file has ${file.rowCount}`);
    }
    scores.set(
      file.path,
      table.rows.map((row, i) => {
        const value = Number(row[ai]);
        if ((row[ai] ?? '').trim() === '' || Number.isNaN(value)) {
          throw new Error(`${path}: row ${i + 2}: anomaly_score ${JSON.stringify(row[ai])} is not a number`);
        }
        return value;
      }),
    );
  }
  return scores;
}
