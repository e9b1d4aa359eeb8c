import { z } from 'zod';
import { ProblemError } from '@opsloop/kit';

const cursorPayload = z.object({ after: z.uuid() });

/** Encodes a keyset position as an opaque cursor; clients must not build or parse it. */
export function encodeCursor(afterId: string): string {
  return Buffer.from(JSON.stringify({ after: afterId }), 'utf8').toString('base64url');
}

/** Decodes a cursor from `encodeCursor`; anything else is a `validation-failed` problem. */
export function decodeCursor(cursor: string): string {
  try {
    return cursorPayload.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).after;
  } catch {
    throw new ProblemError('validationFailed', {
      detail: 'query cursor: not a cursor returned by this API',
      errors: [{ in: 'query', path: 'cursor', message: 'not a cursor returned by this API' }],
    });
  }
}
