import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Appends JSON lines to a file, one write at a time in call order. */
export interface RecordFile {
  /** Queues `value` as one line; resolves once it is written, rejects if that write failed. */
  append(value: unknown): Promise<void>;
  /** Resolves once every queued line is written (or failed). */
  flush(): Promise<void>;
}

/** A {@link RecordFile} at `path` (its directory is created on first write). */
export function createRecordFile(path: string): RecordFile {
  // One chain: concurrent appendFile calls may land out of order, and the record is read as a timeline.
  let tail: Promise<void> = Promise.resolve();
  let directoryMade = false;
  return {
    append(value) {
      const line = `${JSON.stringify(value)}\n`;
      const write = tail.then(async () => {
        if (!directoryMade) {
          await mkdir(dirname(path), { recursive: true });
          directoryMade = true;
        }
        await appendFile(path, line, 'utf8');
      });
      tail = write.catch(() => undefined);
      return write;
    },
    flush: () => tail,
  };
}
