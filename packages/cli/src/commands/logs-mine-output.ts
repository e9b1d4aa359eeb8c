import type { Writable } from 'node:stream';
import { csvField, templateParameters } from '@opsloop/aiops';
import { formatTable } from '../format.js';

export const CSV_HEADER = 'LineId,EventId,EventTemplate,Parameters';

/**
 * The rows of the CSV: Parameters are the values of a message at the wildcards of its template, found as the
 * miner finds them; the quoted fields of a template are made once.
 */
export class CsvRows {
  readonly #fields = new Map<number, string>();

  /** One row; `key` identifies the template (the same key, the same template). */
  row(lineId: number, key: number, templateId: string, template: string, content: string): string {
    const parameters = JSON.stringify(templateParameters(template, content));
    // A JSON array always holds a quote or a comma once it is not empty: quote it then.
    const field = parameters === '[]' ? parameters : `"${parameters.replace(/"/g, '""')}"`;
    return `${lineId},${this.#of(key, templateId, template)}${field}\n`;
  }

  #of(key: number, templateId: string, template: string): string {
    let fields = this.#fields.get(key);
    if (fields === undefined) {
      fields = `${templateId},${csvField(template)},`;
      this.#fields.set(key, fields);
    }
    return fields;
  }
}

const CHUNK = 1 << 16;

/**
 * Writes text to a stream in large chunks, waiting when the stream's buffer is full (so a large output never
 * piles up in memory) and turning a stream error into a rejected write.
 */
export class ChunkWriter {
  readonly #stream: Writable;
  #buffer = '';
  #error: Error | undefined;

  constructor(stream: Writable) {
    this.#stream = stream;
    stream.on('error', (error: Error) => {
      this.#error ??= error;
    });
  }

  /** Buffers the text; a promise (to await) only when the buffer was handed to the stream. */
  write(text: string): Promise<void> | undefined {
    this.#buffer += text;
    return this.#buffer.length >= CHUNK ? this.flush() : undefined;
  }

  async flush(): Promise<void> {
    this.#throwIfFailed();
    const text = this.#buffer;
    this.#buffer = '';
    if (text !== '' && !this.#stream.write(text)) await this.#drained();
    this.#throwIfFailed();
  }

  /** Flushes, ends the stream and waits until everything is written (or throws the stream's error). */
  async close(): Promise<void> {
    await this.flush();
    await new Promise<void>((resolve, reject) => {
      if (this.#error !== undefined) return reject(this.#error);
      this.#stream.once('error', reject);
      this.#stream.end(() => resolve());
    });
  }

  /** Drops what is buffered and closes the stream (after an error). */
  destroy(): void {
    this.#buffer = '';
    this.#stream.destroy();
  }

  #throwIfFailed(): void {
    if (this.#error !== undefined) throw this.#error;
  }

  #drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#stream.off('drain', done);
        this.#stream.off('error', done);
        this.#stream.off('close', done);
        resolve();
      };
      this.#stream.on('drain', done);
      this.#stream.on('error', done);
      this.#stream.on('close', done);
    });
  }
}

/** The summary: lines and templates, then the top templates as a table (count, id, template). */
export function formatSummary(
  source: string,
  stats: { lines: number; templates: number; unmatched?: number; mode?: string },
  top: readonly { count: number; templateId: string; template: string }[],
): string {
  const unmatched = stats.unmatched ?? 0;
  const head = `${source}: ${stats.lines} lines, ${stats.templates} templates${
    top.length > 0 && top.length < stats.templates ? ` (top ${top.length})` : ''
  }${
    unmatched === 0
      ? ''
      : `; ${unmatched} line${unmatched === 1 ? '' : 's'} did not fit (${stats.mode === 'whole' ? 'mined whole' : 'skipped'})`
  }`;
  if (top.length === 0) return `${head}\n`;
  const width = Math.max(5, ...top.map((t) => String(t.count).length));
  const table = formatTable(
    ['COUNT'.padStart(width), 'ID', 'TEMPLATE'],
    top.map((t) => [String(t.count).padStart(width), t.templateId, t.template]),
  );
  return `${head}\n${table}\n`;
}
