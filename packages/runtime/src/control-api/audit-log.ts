import { open, readFile, type FileHandle } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

/** One audited control API call: who, what, when, and the result. */
export interface AuditRecord {
  /** ISO time the answer was sent. */
  at: string;
  /** The token's name and role; null when no valid token was presented. */
  actor: { name: string; role: string } | null;
  method: string;
  /** The route pattern (e.g. `/v1/services/:service/scale`), or the raw path when no route matched. */
  route: string;
  /** Route parameters (names of services, flags, tokens — never bodies, which may hold secrets). */
  params: Record<string, string>;
  status: number;
  /** `ok` (2xx/3xx), `refused` (401/403), `rejected` (other 4xx), `failed` (5xx). */
  result: 'ok' | 'refused' | 'rejected' | 'failed';
  /** What the call changed, in a few words, when the handler said so. */
  summary?: string;
}

/** The append-only audit log of the control API (JSON lines, mode 0600). */
export interface AuditLog {
  append(record: AuditRecord): Promise<void>;
  /** The last `limit` records, oldest first. */
  tail(limit: number): Promise<AuditRecord[]>;
  close(): Promise<void>;
}

/** The result class of an HTTP status. */
export function resultOf(status: number): AuditRecord['result'] {
  if (status === 401 || status === 403) return 'refused';
  if (status >= 500) return 'failed';
  if (status >= 400) return 'rejected';
  return 'ok';
}

/**
 * Opens (creating) the audit log at `file`. Records are appended one line each, in call order, through an
 * `O_APPEND` handle: the log is only ever added to, and a crash can at worst cut the last line short (which
 * `tail` skips).
 */
export async function openAuditLog(file: string): Promise<AuditLog> {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const handle: FileHandle = await open(file, 'a', 0o600);
  let chain: Promise<void> = Promise.resolve();
  let closed = false;
  return {
    append(record) {
      if (closed) return Promise.resolve();
      const line = `${JSON.stringify(record)}\n`;
      chain = chain.then(async () => {
        await handle.write(line);
      });
      return chain;
    },
    async tail(limit) {
      await chain;
      const text = await readFile(file, 'utf8');
      const records: AuditRecord[] = [];
      for (const line of text.split('\n').slice(-(limit + 1))) {
        if (line.trim() === '') continue;
        try {
          records.push(JSON.parse(line) as AuditRecord);
        } catch {
          // A line cut short by a crash: skipped, the rest stays readable.
        }
      }
      return records.slice(-limit);
    },
    async close() {
      if (closed) return;
      closed = true;
      await chain.catch(() => undefined);
      await handle.close();
    },
  };
}
