import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { isMap, parseDocument, LineCounter } from 'yaml';
import { systemSpecSchema, type SystemSpec } from './schema.js';

/** An `opsloop.yaml` that cannot be used; the message names the file, the path and the problem. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  /** One line per problem, e.g. `services.cart.replicas: expected integer ≥ 0`. */
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file}: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

/** A validated spec and where it was read from. */
export interface LoadedSpec {
  /** Absolute path of the spec file. */
  path: string;
  /** Directory that relative paths in the spec resolve against. */
  dir: string;
  spec: SystemSpec;
}

/** Validates an already-parsed document; throws {@link SpecError}. */
export function validateSpec(document: unknown, file = 'opsloop.yaml'): SystemSpec {
  // reportInput: a missing field is then told apart by its undefined input, whatever its custom message.
  const result = systemSpecSchema.safeParse(document, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') message = `unknown field(s): ${issue.keys.join(', ')}`;
    // zod's own message is only "Invalid key in record"; the reason is in the nested issues.
    if (issue.code === 'invalid_key')
      message = `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    if (issue.code === 'invalid_type' && issue.input === undefined) message = `required (${message})`;
    return path === '' ? message : `${path}: ${message}`;
  });
  throw new SpecError(file, problems);
}

/** Parses YAML text into a validated spec; throws {@link SpecError} with line numbers for YAML errors. */
export function parseSpec(text: string, file = 'opsloop.yaml'): SystemSpec {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new SpecError(
      file,
      document.errors.map((error) => {
        const position = error.pos[0] === undefined ? undefined : lineCounter.linePos(error.pos[0]);
        const where = position ? `line ${position.line}, column ${position.col}: ` : '';
        return `${where}${error.message.split('\n')[0] ?? 'invalid YAML'}`;
      }),
    );
  }
  if (!isMap(document.contents)) throw new SpecError(file, ['expected a YAML mapping at the top level']);
  return validateSpec(document.toJS({ maxAliasCount: 50 }), file);
}

/** Reads and validates a spec file. */
export async function loadSpec(path: string): Promise<LoadedSpec> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new SpecError(path, [
      code === 'ENOENT' ? 'file not found' : `cannot read: ${code ?? String(error)}`,
    ]);
  }
  return { path: absolute, dir: dirname(absolute), spec: parseSpec(text, path) };
}
