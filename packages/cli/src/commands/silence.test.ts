import { describe, expect, it } from 'vitest';
import { formatSilences, parseMatcherArgument } from './silence.js';

describe('opsloop silence', () => {
  it('parses the four matcher operators, quotes optional', () => {
    expect(parseMatcherArgument('alertname=ServiceDown')).toEqual({
      name: 'alertname',
      value: 'ServiceDown',
      isRegex: false,
      isEqual: true,
    });
    expect(parseMatcherArgument('service!=orders')).toMatchObject({ isRegex: false, isEqual: false });
    expect(parseMatcherArgument('severity=~"page|ticket"')).toEqual({
      name: 'severity',
      value: 'page|ticket',
      isRegex: true,
      isEqual: true,
    });
    expect(parseMatcherArgument('job!~canary.*')).toMatchObject({
      value: 'canary.*',
      isRegex: true,
      isEqual: false,
    });
    expect(parseMatcherArgument('route=')).toMatchObject({ value: '' });
  });

  it('refuses what is not a matcher with a one-line message', () => {
    for (const bad of ['alertname', '=x', '1abc=x', 'a b=c'])
      expect(() => parseMatcherArgument(bad)).toThrow(/is not a matcher/);
  });

  it('lists silences with their matchers, time left and comment', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    const text = formatSilences(
      [
        {
          id: 'a1',
          matchers: [{ name: 'alertname', value: 'ServiceDown', isRegex: false, isEqual: true }],
          startsAt: '2026-12-06T11:00:00Z',
          endsAt: '2026-12-06T14:00:00Z',
          createdBy: 'ana',
          comment: 'db maintenance',
          status: { state: 'active' },
        },
        {
          id: 'b2',
          matchers: [{ name: 'service', value: 'cart|orders', isRegex: true, isEqual: true }],
          startsAt: '2026-12-06T13:00:00Z',
          endsAt: '2026-12-08T13:00:00Z',
          createdBy: 'bo',
          comment: 'deploy',
          status: { state: 'pending' },
        },
      ],
      now,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+STATE\s+MATCHERS\s+ENDS\s+BY\s+COMMENT$/);
    expect(lines[1]).toMatch(/^a1\s+ACTIVE\s+alertname="ServiceDown"\s+2h left\s+ana\s+db maintenance$/);
    expect(lines[2]).toMatch(/^b2\s+PENDING\s+service=~"cart\|orders"\s+starts in 60m\s+bo\s+deploy$/);
    expect(formatSilences([], now)).toBe('no silences\n');
  });
});
