import { describe, expect, it } from 'vitest';
import { fallbackAddress, headerField, messageIdFor, renderEml, rfc5322Date } from './eml.js';

const unfold = (text: string) => text.replace(/\r\n(?=[ \t])/g, '');

describe('eml', () => {
  it('writes RFC 5322 dates in UTC', () => {
    expect(rfc5322Date(new Date('2030-01-02T03:04:05.678Z'))).toBe('Wed, 02 Jan 2030 03:04:05 +0000');
  });

  it('makes Message-IDs from event ids, escaping what a msg-id cannot hold', () => {
    expect(messageIdFor('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).toBe(
      '<0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@opsloop.invalid>',
    );
    expect(messageIdFor('a<b>@c')).toBe('<a=3Cb=3E=40c@opsloop.invalid>');
    expect(messageIdFor('.a..b.')).toBe('<=2E.a.=2E.b.=2E@opsloop.invalid>');
  });

  it('addresses unknown users at users.invalid, hashing ids that are not a local part', () => {
    expect(fallbackAddress('u-123')).toBe('u-123@users.invalid');
    expect(fallbackAddress('has space')).toMatch(/^user-[0-9a-f]{16}@users\.invalid$/);
    expect(fallbackAddress('x'.repeat(65))).toMatch(/^user-[0-9a-f]{16}@users\.invalid$/);
    expect(fallbackAddress('has space')).toBe(fallbackAddress('has space'));
  });

  it('folds long header fields at spaces and never lets a value inject a header', () => {
    const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ');
    const field = headerField('Subject', long);
    for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(unfold(field)).toBe(`Subject: ${long}`);
    expect(headerField('Subject', 'a\r\nBcc: evil@example.com')).toBe('Subject: a Bcc: evil@example.com');
  });

  it('encodes non-ASCII header values as RFC 2047 encoded-words', () => {
    const subject = 'Bestellung bestätigt — ' + 'ü'.repeat(40);
    const field = headerField('Subject', subject);
    for (const line of field.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    const words = unfold(field).slice('Subject: '.length).split(' ');
    const decoded = words
      .map((word) => Buffer.from(/^=\?UTF-8\?B\?(.*)\?=$/.exec(word)![1]!, 'base64').toString('utf8'))
      .join('');
    expect(decoded).toBe(subject);
  });

  it('renders headers, a blank line and a CRLF body with lines of at most 998 octets', () => {
    const eml = renderEml({
      from: 'shop <shop@opsloop.invalid>',
      to: 'ada@example.com',
      subject: 'Hello',
      date: new Date('2030-01-01T00:00:00Z'),
      messageId: '<e1@opsloop.invalid>',
      body: `line one\nline two\r\n${'é'.repeat(700)}\n\n`,
      headers: [['X-Opsloop-Event-Type', 'order.placed.v1']],
    });
    const [head, body] = eml.split('\r\n\r\n');
    expect(head!.split('\r\n')).toEqual([
      'From: shop <shop@opsloop.invalid>',
      'To: ada@example.com',
      'Subject: Hello',
      'Date: Tue, 01 Jan 2030 00:00:00 +0000',
      'Message-ID: <e1@opsloop.invalid>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      'X-Opsloop-Event-Type: order.placed.v1',
    ]);
    expect(body!.endsWith('\r\n')).toBe(true);
    expect(body).not.toMatch(/[^\r]\n/);
    const lines = body!.split('\r\n');
    expect(lines.slice(0, 2)).toEqual(['line one', 'line two']);
    for (const line of lines) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(998);
    expect(lines.slice(2).join('')).toBe('é'.repeat(700));
  });
});
