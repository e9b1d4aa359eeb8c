import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SilenceFileError, createPersistentSilenceStore, readSilenceFile } from './silence-file.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 11, 6, 12);
const page = { name: 'severity', type: '=' as const, value: 'page' };
const input = { matchers: [page], endsAtMs: T0 + HOUR, createdBy: 'ana', comment: 'deploy' };

describe('persistent silences', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'silences-'));
    file = join(dir, 'alerting', 'silences.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('starts empty without a file, and a new store reads back every change', () => {
    let now = T0;
    let n = 0;
    const options = { file, now: () => now, newId: () => `s${++n}` };
    const first = createPersistentSilenceStore(options);
    expect(first.list()).toEqual([]);
    first.create(input);
    first.create({ ...input, startsAtMs: T0 + HOUR, endsAtMs: T0 + 2 * HOUR });
    now += 1_000;
    first.expire('s1');
    // No temporary file is left beside the snapshot.
    expect(readdirSync(join(dir, 'alerting'))).toEqual(['silences.json']);

    const second = createPersistentSilenceStore(options);
    expect(second.list()).toEqual(first.list());
    expect(second.get('s1')).toMatchObject({ state: 'expired', endsAtMs: T0 + 1_000 });
    expect(second.mutedBy({ severity: 'page' })).toEqual([]);
    now = T0 + HOUR + 1;
    expect(second.mutedBy({ severity: 'page' })).toEqual(['s2']);
  });

  it('drops at load the silences expired longer than the retention, and rewrites the file', () => {
    let now = T0;
    let n = 0;
    const store = createPersistentSilenceStore({ file, now: () => now, newId: () => `s${++n}` });
    store.create(input);
    store.create({ ...input, endsAtMs: T0 + 3 * HOUR });
    now = T0 + 2 * HOUR;
    const reloaded = createPersistentSilenceStore({ file, now: () => now, retentionMs: HOUR / 2 });
    expect(reloaded.list().map((s) => s.id)).toEqual(['s2']);
    expect(readSilenceFile(file).map((s) => s.id)).toEqual(['s2']);
  });

  it('refuses to start on a corrupt or invalid file, naming it and what is wrong', () => {
    const open = () => createPersistentSilenceStore({ file: join(dir, 'bad.json'), now: () => T0 });
    writeFileSync(join(dir, 'bad.json'), '{"version":1,"silences":[');
    expect(open).toThrow(SilenceFileError);
    expect(open).toThrow(/bad\.json is not JSON/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 1, silences: [{ id: 'x' }] }));
    expect(open).toThrow(/invalid at silences\.0\.matchers/);
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ version: 2, silences: [] }));
    expect(open).toThrow(/invalid at version/);
    // The bad file is left as it was for the operator to look at.
    expect(readFileSync(join(dir, 'bad.json'), 'utf8')).toBe('{"version":2,"silences":[]}');
  });
});
