import { describe, expect, it } from 'vitest';
import {
  backupIdOf,
  backupsToPrune,
  compareIds,
  isBackupId,
  type BackupManifest,
} from './backup-manifest.js';

const manifest = (id: string, ok: boolean) => ({ id, ok }) as BackupManifest;

describe('backup manifests', () => {
  it('names backups by their UTC start time', () => {
    expect(backupIdOf(Date.UTC(2026, 11, 7, 19, 0, 5, 999))).toBe('20261207T190005Z');
    expect(isBackupId('20261207T190005Z-3')).toBe(true);
    expect(isBackupId('../20261207T190005Z')).toBe(false);
    expect(compareIds('20261207T190005Z-2', '20261207T190005Z')).toBeGreaterThan(0);
    expect(compareIds('20261207T190005Z-10', '20261207T190005Z-9')).toBeGreaterThan(0);
  });

  it('prunes good backups beyond keep and failed ones older than the oldest kept', () => {
    const all = [
      manifest('20260101T000005Z', true),
      manifest('20260101T000004Z', false),
      manifest('20260101T000003Z', true),
      manifest('20260101T000002Z', false),
      manifest('20260101T000001Z', true),
    ];
    expect(backupsToPrune(all, 2).sort()).toEqual(['20260101T000001Z', '20260101T000002Z']);
    expect(backupsToPrune(all, 10)).toEqual([]);
  });

  it('never prunes the only good backup, nor anything when none is good', () => {
    expect(
      backupsToPrune([manifest('20260101T000002Z', false), manifest('20260101T000001Z', true)], 1),
    ).toEqual([]);
    expect(
      backupsToPrune([manifest('20260101T000002Z', false), manifest('20260101T000001Z', false)], 1),
    ).toEqual([]);
  });
});
