import { createHash } from 'node:crypto';

/** The domain of every address and Message-ID this service makes up (`.invalid` never resolves, RFC 6761). */
export const MAIL_DOMAIN = 'opsloop.invalid';

/** Domain of the made-up address of a user whose email is not known (yet). */
export const UNKNOWN_RECIPIENT_DOMAIN = 'users.invalid';

/** RFC 5322 `atext` (the characters of a dot-atom, besides the dots). */
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+$/;
const MAX_LINE_OCTETS = 998;
const FOLD_AT = 78;

/** Whether `text` is an RFC 5322 dot-atom (atext separated by single dots). */
function isDotAtom(text: string): boolean {
  return text.length > 0 && text.split('.').every((part) => ATEXT.test(part));
}

/**
 * The address of a user whose email is not known: `<userId>@users.invalid`. A user id that is not a valid
 * local part (or longer than 64 characters) is replaced by `user-<first 16 hex of its SHA-256>`.
 */
export function fallbackAddress(userId: string): string {
  const local =
    userId.length <= 64 && isDotAtom(userId)
      ? userId
      : `user-${createHash('sha256').update(userId).digest('hex').slice(0, 16)}`;
  return `${local}@${UNKNOWN_RECIPIENT_DOMAIN}`;
}

/**
 * The Message-ID of the mail made from an event: `<eventId@opsloop.invalid>`. Characters of the event id
 * that a msg-id may not hold are written `=XX` (hex); UUIDs and ULIDs pass unchanged.
 */
export function messageIdFor(eventId: string): string {
  const left = eventId
    .split('.')
    .map((part) => [...part].map((ch) => (ATEXT.test(ch) ? ch : encodeChar(ch))).join(''))
    .map((part) => (part === '' ? '=2E' : part))
    .join('.');
  return `<${left}@${MAIL_DOMAIN}>`;
}

function encodeChar(ch: string): string {
  return [...Buffer.from(ch, 'utf8')]
    .map((b) => `=${b.toString(16).toUpperCase().padStart(2, '0')}`)
    .join('');
}

/** An RFC 5322 date-time in UTC: `Tue, 01 Jan 2030 00:00:00 +0000`. */
export function rfc5322Date(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

/**
 * A header field, folded (RFC 5322 §2.2.3) at spaces when longer than 78 characters; values outside
 * printable ASCII are RFC 2047 encoded-words (UTF-8, base64). Line breaks in values become spaces, so a
 * value can never inject a header.
 */
export function headerField(name: string, value: string): string {
  const clean = value.replace(/[\r\n]+/g, ' ');
  const printable = /^[\x20-\x7e]*$/.test(clean);
  const words = printable ? clean.split(' ') : encodedWords(clean);
  const lines: string[] = [];
  let line = `${name}:`;
  for (const word of words) {
    // Whitespace between two encoded-words is not displayed (RFC 2047 §6.2), so they may be split anywhere.
    if (line.length + 1 + word.length > FOLD_AT && line.length > name.length + 1) {
      lines.push(line);
      line = ` ${word}`;
    } else {
      line += ` ${word}`;
    }
  }
  lines.push(line);
  return lines.join('\r\n');
}

/** RFC 2047 encoded-words of at most 36 bytes of UTF-8 each, never splitting a character. */
function encodedWords(text: string): string[] {
  const words: string[] = [];
  let chunk = '';
  for (const ch of text) {
    if (Buffer.byteLength(chunk + ch, 'utf8') > 36) {
      words.push(chunk);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '' || words.length === 0) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`);
}

/** Splits a line longer than 998 octets (RFC 5322 §2.1.1) at character boundaries. */
function limitLine(line: string): string[] {
  if (Buffer.byteLength(line, 'utf8') <= MAX_LINE_OCTETS) return [line];
  const parts: string[] = [];
  let part = '';
  for (const ch of line) {
    if (Buffer.byteLength(part + ch, 'utf8') > MAX_LINE_OCTETS) {
      parts.push(part);
      part = '';
    }
    part += ch;
  }
  parts.push(part);
  return parts;
}

/** What an `.eml` file says. */
export interface EmlMessage {
  from: string;
  to: string;
  subject: string;
  date: Date;
  /** A complete msg-id, angle brackets included (see {@link messageIdFor}). */
  messageId: string;
  /** Plain text; any line ending. */
  body: string;
  /** Extra header fields (`X-…`), in order. */
  headers?: readonly (readonly [string, string])[];
}

/**
 * Renders an RFC 5322 message: header fields, an empty line, the body; CRLF line endings, lines of at most
 * 998 octets, UTF-8 plain text (`Content-Transfer-Encoding: 8bit`).
 */
export function renderEml(message: EmlMessage): string {
  const fields = [
    headerField('From', message.from),
    headerField('To', message.to),
    headerField('Subject', message.subject),
    headerField('Date', rfc5322Date(message.date)),
    headerField('Message-ID', message.messageId),
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...(message.headers ?? []).map(([name, value]) => headerField(name, value)),
  ];
  const body = message.body.replace(/\r\n?/g, '\n').replace(/\n+$/, '').split('\n').flatMap(limitLine);
  return `${fields.join('\r\n')}\r\n\r\n${body.join('\r\n')}\r\n`;
}
