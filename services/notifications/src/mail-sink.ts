import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** The file name of a mail in the sink: its id, so every rewrite of one mail lands on the same file. */
export function mailFileName(mailId: string): string {
  if (!/^[0-9a-f-]{36}$/.test(mailId)) throw new RangeError(`not a mail id: ${mailId}`);
  return `${mailId}.eml`;
}

const TEMP_PREFIX = '.';
const TEMP_SUFFIX = '.tmp';

/** A directory of `.eml` files (the local stand-in for an SMTP relay). */
export interface MailSink {
  readonly dir: string;
  /**
   * Writes `content` as `<mailId>.eml` atomically: a temporary file in the same directory, fsynced, renamed
   * over the final name, then the directory fsynced. Readers see the old file or the new one, never a part;
   * writing the same mail again replaces it.
   */
  write(mailId: string, content: string): Promise<string>;
  /** Removes temporary files older than `olderThanMs` (left by a crash between write and rename). */
  removeStaleTemporaries(olderThanMs: number, nowMs: number): Promise<number>;
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}

/** Opens (creating it when missing) the mail sink directory `dir`. */
export async function openMailSink(dir: string): Promise<MailSink> {
  await mkdir(dir, { recursive: true });
  return {
    dir,
    async write(mailId, content) {
      const target = join(dir, mailFileName(mailId));
      const temporary = join(dir, `${TEMP_PREFIX}${mailId}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
      const handle = await open(temporary, 'w', 0o644);
      try {
        await handle.writeFile(content, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await rename(temporary, target);
      } catch (error) {
        await rm(temporary, { force: true });
        throw error;
      }
      await fsyncDir(dir);
      return target;
    },
    async removeStaleTemporaries(olderThanMs, nowMs) {
      let removed = 0;
      for (const name of await readdir(dir)) {
        if (!name.startsWith(TEMP_PREFIX) || !name.endsWith(TEMP_SUFFIX)) continue;
        const path = join(dir, name);
        try {
          const info = await stat(path);
          if (nowMs - info.mtimeMs >= olderThanMs) {
            await rm(path, { force: true });
            removed++;
          }
        } catch {
          // Renamed or removed meanwhile by another writer.
        }
      }
      return removed;
    },
  };
}
