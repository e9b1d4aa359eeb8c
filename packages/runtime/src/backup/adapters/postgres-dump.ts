import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  sha256OfFile,
  verifyBackupFiles,
  type DataBackup,
  type DataBackupResult,
  type PreparedRestore,
} from '../data-backup.js';

/** Options of {@link createPostgresDump}. */
export interface PostgresDumpOptions {
  /** `postgres://user:password@host:port/db`; the password goes to the tools in PGPASSWORD, never in argv or logs. */
  url: string;
  /** The service's schema. */
  schema: string;
  /** Where pg_dump, pg_restore and psql are (default: on PATH). */
  binDir?: string;
  now?: () => number;
  /** Bound of each tool run (10 min by default). */
  timeoutMs?: number;
}

const DUMP_FILE = 'dump.pgc';

/** The URL without its password, and the password (for PGPASSWORD). */
function splitPassword(url: string): { safeUrl: string; password: string | undefined } {
  const parsed = new URL(url);
  const password = parsed.password === '' ? undefined : decodeURIComponent(parsed.password);
  parsed.password = '';
  return { safeUrl: parsed.toString(), password };
}

/** The URL as shown in messages: no password. */
export function describePostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}${parsed.pathname}`;
  } catch {
    return 'an unparsable PostgreSQL URL';
  }
}

/**
 * Logical backups of one schema: `pg_dump --format=custom --schema=<schema>`. Restore moves the live schema
 * aside (`<schema>_before_restore_<id>`, never dropped), then `pg_restore --single-transaction --exit-on-error`
 * creates the schema from the dump; a failed restore rolls back and the live schema is moved back.
 */
export function createPostgresDump(options: PostgresDumpOptions): DataBackup {
  const { schema } = options;
  const now = options.now ?? Date.now;
  const { safeUrl, password } = splitPassword(options.url);
  const tool = (name: string) => (options.binDir === undefined ? name : join(options.binDir, name));
  const redact = (text: string) => (password === undefined ? text : text.split(password).join('***'));

  const run = (name: string, args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(tool(name), args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          ...(password === undefined ? {} : { PGPASSWORD: password }),
          PGCONNECT_TIMEOUT: '10',
        },
      });
      let stderr = '';
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        if (stdout.length < 100_000) stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        if (stderr.length < 4_000) stderr += chunk.toString('utf8');
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 600_000);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${name}: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(stdout);
        const why = redact(stderr.trim().split('\n').slice(-3).join(' ')) || `exit ${code ?? signal}`;
        reject(new Error(`${name} failed on ${describePostgresUrl(options.url)}: ${why}`));
      });
    });
  const psql = async (statement: string) =>
    (
      await run('psql', ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', safeUrl, '-c', statement])
    ).trim();

  return {
    method: 'postgres',
    source: `${describePostgresUrl(options.url)} schema ${schema}`,
    async backup(into): Promise<DataBackupResult> {
      const capturedAtMs = now();
      const file = join(into, DUMP_FILE);
      await run('pg_dump', [
        '--format=custom',
        `--schema=${schema}`,
        '--no-owner',
        `--file=${file}`,
        `--dbname=${safeUrl}`,
      ]);
      const bytes = (await stat(file)).size;
      return {
        method: 'postgres',
        files: [{ path: DUMP_FILE, bytes, sha256: await sha256OfFile(file) }],
        dirs: [],
        bytes,
        copiedBytes: bytes,
        pausedMs: null,
        capturedAtMs,
      };
    },
    async prepareRestore(from, result, id): Promise<PreparedRestore> {
      await verifyBackupFiles(from, result.files);
      const stem = `${schema}_before_restore_${id.toLowerCase().replace(/[^a-z0-9]/g, '')}`.slice(0, 60);
      return {
        async apply() {
          const existing = new Set(
            (await psql(`select nspname from pg_namespace where nspname like '${schema}%'`)).split('\n'),
          );
          let aside: string | null = null;
          if (existing.has(schema)) {
            aside = stem;
            for (let n = 2; existing.has(aside); n++) aside = `${stem}_${n}`;
            // The schema is moved, not dropped: the data it held stays there for whoever needs it.
            await psql(`alter schema "${schema}" rename to "${aside}"`);
          }
          try {
            await run('pg_restore', [
              '--single-transaction',
              '--exit-on-error',
              '--no-owner',
              `--dbname=${safeUrl}`,
              join(from, DUMP_FILE),
            ]);
          } catch (error) {
            if (aside !== null)
              await psql(`alter schema "${aside}" rename to "${schema}"`).catch(() => undefined);
            throw error;
          }
          return { movedAside: aside === null ? null : `schema ${aside}` };
        },
        async discard() {},
      };
    },
  };
}
