import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { tryPidLock, type Logger } from '@opsloop/kit';
import { createPgliteTemplate, type PgliteTemplate } from './pglite-database.js';

/** How long a process waits for another one that is making the shared template (initdb takes ~4–8 s). */
const TEMPLATE_WAIT_MS = 120_000;
const TEMPLATE_POLL_MS = 100;

async function readTemplate(path: string): Promise<PgliteTemplate | undefined> {
  try {
    return { archive: new Blob([await readFile(path)]) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The PGlite template shared by every service of one data directory (`<DATA_DIR>/.pglite-template.tar`):
 * read when present, else made once (one initdb in WebAssembly) by whichever process takes the lock first,
 * while the others wait for the file. A fresh service database then starts from the archive (~0.6 s) instead
 * of its own initdb (several seconds of CPU each, which on a small machine adds up across services).
 */
export async function loadOrCreatePgliteTemplateFile(path: string, log?: Logger): Promise<PgliteTemplate> {
  mkdirSync(dirname(path), { recursive: true });
  const lockPath = `${path}.lock`;
  const deadline = Date.now() + TEMPLATE_WAIT_MS;
  for (;;) {
    const existing = await readTemplate(path);
    if (existing) return existing;
    const lock = tryPidLock(lockPath);
    if ('release' in lock) {
      try {
        const again = await readTemplate(path);
        if (again) return again;
        const template = await createPgliteTemplate();
        const temporary = `${path}.${process.pid}.tmp`;
        writeFileSync(temporary, new Uint8Array(await template.archive.arrayBuffer()));
        renameSync(temporary, path);
        log?.info({ path }, 'PGlite template created');
        return template;
      } finally {
        lock.release();
      }
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the PGlite template ${path}`);
    await sleep(TEMPLATE_POLL_MS);
  }
}
