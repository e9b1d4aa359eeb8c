import { createWriteStream, mkdirSync, renameSync, statSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

/** Which output stream of a replica a line came from. */
export type LogStream = 'stdout' | 'stderr';

/** Where replica output goes: one call per line. */
export interface LogSink {
  line(replica: string, stream: LogStream, text: string): void;
  /** The last lines kept in memory for `replica`, oldest first. */
  tail(replica: string): readonly string[];
  close(): Promise<void>;
}

/** Options of {@link createFileLogSink}. */
export interface FileLogSinkOptions {
  /** Directory of the per-replica files `<replica>.log`. */
  dir: string;
  /** Also hand each line to this callback (the CLI prints it, prefixed). */
  forward?: (replica: string, stream: LogStream, text: string) => void;
  /** Rotate a file to `<replica>.log.1` past this size. */
  maxFileBytes?: number;
  /** Lines kept in memory per replica. */
  tailLines?: number;
}

/**
 * Keeps every replica's output: appended to `<dir>/<replica>.log` (rotated once past the size limit, so disk
 * use is bounded), kept in a small in-memory tail, and forwarded.
 */
export function createFileLogSink(options: FileLogSinkOptions): LogSink {
  mkdirSync(options.dir, { recursive: true, mode: 0o700 });
  const maxBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
  const tailLines = options.tailLines ?? 200;
  const files = new Map<string, { stream: WriteStream; bytes: number }>();
  const tails = new Map<string, string[]>();

  const open = (replica: string) => {
    const path = join(options.dir, `${replica}.log`);
    let bytes = 0;
    try {
      bytes = statSync(path).size;
    } catch {
      // a new file
    }
    const file = { stream: createWriteStream(path, { flags: 'a', mode: 0o600 }), bytes };
    file.stream.on('error', () => files.delete(replica));
    files.set(replica, file);
    return file;
  };

  return {
    line(replica, stream, text) {
      let file = files.get(replica) ?? open(replica);
      if (file.bytes > maxBytes) {
        file.stream.end();
        try {
          renameSync(join(options.dir, `${replica}.log`), join(options.dir, `${replica}.log.1`));
        } catch {
          // rotation is best effort; keep appending
        }
        file = open(replica);
        file.bytes = 0;
      }
      const record = stream === 'stderr' && !text.startsWith('{') ? `[stderr] ${text}\n` : `${text}\n`;
      file.stream.write(record);
      file.bytes += Buffer.byteLength(record);
      let tail = tails.get(replica);
      if (!tail) tails.set(replica, (tail = []));
      tail.push(text);
      if (tail.length > tailLines) tail.shift();
      options.forward?.(replica, stream, text);
    },
    tail: (replica) => tails.get(replica) ?? [],
    async close() {
      await Promise.all(
        [...files.values()].map((f) => new Promise<void>((resolve) => f.stream.end(() => resolve()))),
      );
      files.clear();
    },
  };
}
