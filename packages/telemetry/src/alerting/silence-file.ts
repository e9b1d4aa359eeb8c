import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { anchoredRegex } from '../model/labels.js';
import {
  createSilenceStore,
  type SilenceStore,
  type SilenceStoreOptions,
  type StoredSilence,
} from './silences.js';

/** A silence file that cannot be read back: the store refuses to start rather than forget silences. */
export class SilenceFileError extends Error {
  override readonly name = 'SilenceFileError';
}

const matcherSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['=', '!=', '=~', '!~']),
  value: z.string(),
});

const fileSchema = z.strictObject({
  version: z.literal(1),
  silences: z.array(
    z.strictObject({
      id: z.string().min(1),
      matchers: z.array(matcherSchema).min(1),
      startsAtMs: z.number().int(),
      endsAtMs: z.number().int(),
      createdBy: z.string(),
      comment: z.string(),
      updatedAtMs: z.number().int(),
    }),
  ),
});

/** Reads a silence snapshot; a missing file is an empty one. Throws a {@link SilenceFileError} otherwise. */
export function readSilenceFile(file: string): StoredSilence[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new SilenceFileError(`cannot read silence file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SilenceFileError(`silence file ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SilenceFileError(
      `silence file ${file} is invalid at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    );
  }
  for (const s of parsed.data.silences) {
    for (const m of s.matchers) {
      if (m.type !== '=~' && m.type !== '!~') continue;
      try {
        anchoredRegex(m.value);
      } catch {
        throw new SilenceFileError(`silence file ${file}: silence ${s.id} has a bad regex ${m.value}`);
      }
    }
  }
  return parsed.data.silences;
}

/**
 * Writes a snapshot atomically: a temporary file beside it, synced, then renamed over the old one, so a
 * crash leaves either the previous snapshot or the new one, never half of one.
 */
export function writeSilenceFile(file: string, silences: readonly StoredSilence[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${JSON.stringify({ version: 1, silences }, null, 1)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
}

/** Options of {@link createPersistentSilenceStore}. */
export interface PersistentSilenceStoreOptions extends Omit<SilenceStoreOptions, 'initial' | 'onChange'> {
  /** The snapshot file (its directory is created when missing), e.g. `<data dir>/silences.json`. */
  file: string;
}

/**
 * A {@link SilenceStore} kept in `file`: loaded at creation (silences expired longer than the retention
 * dropped), written after every change. A corrupt file throws a {@link SilenceFileError} here: starting
 * empty would quietly lift every silence and page people about what operators had muted.
 */
export function createPersistentSilenceStore(options: PersistentSilenceStoreOptions): SilenceStore {
  const { file, ...rest } = options;
  const initial = readSilenceFile(file);
  const store = createSilenceStore({
    ...rest,
    initial,
    onChange: (silences) => writeSilenceFile(file, silences),
  });
  // Persist the retention's effect at once, so the file does not keep long-expired silences until a change.
  const kept = store.list();
  if (kept.length !== initial.length)
    writeSilenceFile(
      file,
      kept.map(({ state: _state, ...s }) => s),
    );
  return store;
}
