import { join } from 'node:path';
import { loadConfig } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { mailSinkDirOf, notificationsConfigSchema } from './config.js';

describe('notifications config', () => {
  it('defaults the mail sink under DATA_DIR', () => {
    expect(mailSinkDirOf({})).toBe(join('.opsloop/data', 'mail-sink'));
    expect(mailSinkDirOf({ DATA_DIR: '/var/shop' })).toBe(join('/var/shop', 'mail-sink'));
    expect(mailSinkDirOf({ DATA_DIR: '/var/shop', MAIL_SINK_DIR: '/tmp/sink' })).toBe('/tmp/sink');
  });

  it('parses the retry back-off and refuses bad values', () => {
    const config = loadConfig(notificationsConfigSchema, { NOTIFICATIONS_RETRY_BACKOFF_MS: '0,250,1000' });
    expect(config.NOTIFICATIONS_RETRY_BACKOFF_MS).toEqual([0, 250, 1000]);
    expect(config.NOTIFICATIONS_MAX_DELIVER).toBe(5);
    expect(loadConfig(notificationsConfigSchema, {}).NOTIFICATIONS_RETRY_BACKOFF_MS).toEqual([
      1000, 5000, 30000,
    ]);
    expect(() => loadConfig(notificationsConfigSchema, { NOTIFICATIONS_RETRY_BACKOFF_MS: '1s' })).toThrow(
      /NOTIFICATIONS_RETRY_BACKOFF_MS/,
    );
    expect(() => loadConfig(notificationsConfigSchema, { MAIL_POLL_INTERVAL_MS: '5' })).toThrow(
      /MAIL_POLL_INTERVAL_MS/,
    );
    expect(() => loadConfig(notificationsConfigSchema, { MAIL_FROM: 'a\nb' })).toThrow(/MAIL_FROM/);
  });
});
