import { describe, expect, it } from 'vitest';
import { formatLogTemplates } from './log-templates.js';

describe('opsloop logs templates', () => {
  it('lists templates with counts per level, age, id and a shortened example', () => {
    const now = 3_600_000;
    const text = formatLogTemplates(
      [
        {
          templateId: 't1',
          template: 'order <*> placed',
          count: 120,
          levels: { info: 118, warn: 2 },
          firstSeenMs: 0,
          lastSeenMs: now - 5_000,
          example: 'order 42 placed',
        },
        {
          templateId: 't2',
          template: 'payment <*> failed: <*>',
          count: 3,
          levels: { error: 3 },
          firstSeenMs: now - 120_000,
          lastSeenMs: now - 60_000,
          example: `payment 7 failed: ${'x'.repeat(100)}`,
        },
      ],
      5,
      now,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^COUNT\s+LEVELS\s+FIRST SEEN\s+LAST SEEN\s+ID\s+TEMPLATE\s+EXAMPLE$/);
    expect(lines[1]).toMatch(
      /^120\s+info:118 warn:2\s+1h0m ago\s+5s ago\s+t1\s+order <\*> placed\s+order 42 placed$/,
    );
    expect(lines[2]).toMatch(/error:3\s+2m0s ago\s+1m0s ago\s+t2/);
    expect(lines[2]!.endsWith('…')).toBe(true);
    expect(lines[3]).toBe('(2 of 5 templates; --limit for more)');
    expect(formatLogTemplates([], 0, now)).toBe('no templates yet\n');
  });
});
