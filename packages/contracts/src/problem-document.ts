import { z } from 'zod';

/** The media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** One invalid field of a `validation-failed` problem. */
export const fieldErrorSchema = z.object({
  in: z.enum(['path', 'query', 'header', 'body', 'env']),
  path: z.string(),
  message: z.string(),
});

/** A field error: where (`in`), which field (`path`, dotted) and what is wrong. */
export type FieldError = z.infer<typeof fieldErrorSchema>;

/** The problem+json body every opsloop HTTP API returns on error. */
export const problemDocumentSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    request_id: z.string().optional(),
    errors: z.array(fieldErrorSchema).optional(),
  })
  .loose();

/** An RFC 9457 problem document with opsloop's extension members. */
export type ProblemDocument = z.infer<typeof problemDocumentSchema>;
