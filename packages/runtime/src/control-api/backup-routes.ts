import { z } from 'zod';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parseInput, ProblemError } from '@opsloop/kit';
import { BackupBusyError, BackupNotFoundError, BackupRequestError } from '../backup/backup-controller.js';
import { BackupCorruptError } from '../backup/data-backup.js';
import type { Role } from './tokens.js';

/** What `opsloop backup …` reaches (the runtime's backup controller). */
export interface BackupApi {
  list(): Promise<readonly BackupSummarySource[]>;
  create(): Promise<BackupSummarySource>;
  restore(
    id: string,
    services?: readonly string[],
  ): Promise<{
    id: string;
    tookMs: number;
    services: readonly { service: string; ok: boolean; error?: string }[];
  }>;
}

/** The fields of a backup manifest the routes read (the rest is passed through). */
interface BackupSummarySource {
  id: string;
  ok: boolean;
  services: Record<string, { error?: string; files?: unknown[]; dirs?: unknown[] }>;
}

/** What {@link registerBackupRoutes} needs from the control API. */
export interface BackupRoutesOptions {
  backups: BackupApi;
  readers: readonly Role[];
  operators: readonly Role[];
  admins: readonly Role[];
  /** Says in a few words what a call changed (for the audit log). */
  summarise(request: FastifyRequest, summary: string): void;
}

/** A manifest without its per-file lists (thousands of lines for a PGlite directory): counts instead. */
function summaryOf(manifest: BackupSummarySource): unknown {
  return {
    ...manifest,
    services: Object.fromEntries(
      Object.entries(manifest.services).map(([service, { files, dirs: _dirs, ...entry }]) => [
        service,
        { ...entry, ...(files === undefined ? {} : { fileCount: files.length }) },
      ]),
    ),
  };
}

/** Maps the backup controller's errors to problems. */
function problemOf(error: unknown): never {
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof BackupNotFoundError) throw new ProblemError('backupNotFound', { detail });
  if (error instanceof BackupBusyError) throw new ProblemError('backupInProgress', { detail });
  if (error instanceof BackupCorruptError) throw new ProblemError('backupCorrupt', { detail });
  if (error instanceof BackupRequestError) throw new ProblemError('conflict', { detail });
  throw error;
}

const idParams = z.object({
  id: z.string().regex(/^\d{8}T\d{6}Z(-\d+)?$/, 'expected a backup id such as 20261207T190000Z'),
});
const serviceName = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a service name');

/**
 * `GET /v1/backups` (viewer), `POST /v1/backups` (operator) and `POST /v1/backups/{id}/restore` (admin only:
 * it replaces live data).
 */
export function registerBackupRoutes(app: FastifyInstance, options: BackupRoutesOptions): void {
  const { backups } = options;
  app.get('/v1/backups', { config: { roles: options.readers } }, async () => ({
    backups: (await backups.list()).map(summaryOf),
  }));

  app.post('/v1/backups', { config: { roles: options.operators } }, async (request, reply) => {
    const manifest = await backups.create().catch(problemOf);
    options.summarise(request, `backup ${manifest.id} ${manifest.ok ? 'created' : 'failed'}`);
    if (!manifest.ok)
      throw new ProblemError('backupFailed', {
        detail:
          Object.entries(manifest.services)
            .filter(([, entry]) => entry.error !== undefined)
            .map(([service, entry]) => `${service}: ${entry.error}`)
            .join('; ')
            .slice(0, 2_000) || 'no service has backup: in the spec',
        extensions: summaryOf(manifest) as Record<string, unknown>,
      });
    return reply.code(201).send(summaryOf(manifest));
  });

  app.post('/v1/backups/:id/restore', { config: { roles: options.admins } }, async (request) => {
    const { id } = parseInput(idParams, request.params, 'path');
    const body = parseInput(
      z.strictObject({ services: z.array(serviceName).max(100).optional() }).default({}),
      request.body ?? {},
      'body',
    );
    const result = await backups.restore(id, body.services).catch(problemOf);
    const failed = result.services.filter((s) => !s.ok);
    options.summarise(
      request,
      `restore of ${id}: ${result.services.map((s) => `${s.service} ${s.ok ? 'restored' : 'failed'}`).join(', ')}`.slice(
        0,
        500,
      ),
    );
    if (failed.length > 0)
      throw new ProblemError('restoreFailed', {
        detail: failed
          .map((s) => `${s.service}: ${s.error ?? 'failed'}`)
          .join('; ')
          .slice(0, 2_000),
        extensions: { ...result },
      });
    return result;
  });
}
