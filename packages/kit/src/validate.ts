import type { z } from 'zod';
import type { FieldError } from '@opsloop/contracts';
import { ProblemError } from './problem.js';

/** Where an input came from, as reported in a field error. */
export type InputLocation = FieldError['in'];

/** Converts zod issues into field errors at `location`. */
export function toFieldErrors(error: z.ZodError, location: InputLocation): FieldError[] {
  return error.issues.map((issue) => ({
    in: location,
    path: issue.path.map(String).join('.') || '(root)',
    message: issue.message,
  }));
}

/**
 * Parses untrusted input with a zod schema; on failure throws a `validation-failed` problem that lists
 * every invalid field, so a client can fix them all at once.
 */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  location: InputLocation,
): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const errors = toFieldErrors(result.error, location);
  const first = errors[0];
  const detail =
    errors.length === 1 && first
      ? `${location} ${first.path}: ${first.message}`
      : `${errors.length} invalid fields`;
  throw new ProblemError('validationFailed', { detail, errors });
}
