import { createLogger } from '@opsloop/kit';
import { describe, expect, it } from 'vitest';
import { silentFlagsLog, type FlagsLog } from './flags-log.js';

describe('FlagsLog', () => {
  it("accepts kit's pino logger as it is", () => {
    const lines: string[] = [];
    const log: FlagsLog = createLogger({
      service: 'flags-test',
      version: '0',
      instance: 'i-1',
      destination: { write: (line: string) => void lines.push(line) },
    });
    log.warn({ url: 'http://127.0.0.1/v1/flags' }, 'flags stale');
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 'warn',
      msg: 'flags stale',
      url: 'http://127.0.0.1/v1/flags',
    });
    expect(() => silentFlagsLog.error({}, 'dropped')).not.toThrow();
  });
});
