import { z } from 'zod';
import { systemSpecSchema } from './schema.js';

/** The JSON Schema of `opsloop.yaml` (what a user writes: the input side of the zod schema), for editors. */
export function specJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(systemSpecSchema, {
    io: 'input',
    unrepresentable: 'any',
    target: 'draft-2020-12',
  });
  return {
    ...schema,
    $id: 'https://opsloop.dev/schemas/opsloop.schema.json',
    title: 'opsloop system spec (opsloop.yaml)',
  };
}
