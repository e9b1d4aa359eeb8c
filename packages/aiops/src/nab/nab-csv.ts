/** A CSV file's header (names trimmed) and its non-empty rows, like nabscore.py's `read_csv_columns`. */
export interface CsvTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** Splits simple comma-separated text (NAB's files have no quoting). */
export function parseCsv(text: string, source: string): CsvTable {
  const lines = text.split(/\r?\n/);
  const first = lines[0];
  if (first === undefined || first.trim() === '') throw new Error(`${source}: empty CSV file`);
  const header = first.split(',').map((h) => h.trim());
  const rows: string[][] = [];
  for (let i = 1; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line !== '') rows.push(line.split(','));
  }
  return { header, rows };
}

/** The index of a named column, or a clear error. */
export function columnIndex(table: CsvTable, name: string, source: string): number {
  const index = table.header.indexOf(name);
  if (index < 0) throw new Error(`${source}: no "${name}" column (header: ${table.header.join(',')})`);
  return index;
}
