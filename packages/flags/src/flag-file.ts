import { readFile } from 'node:fs/promises';
import { parseFlagDefinitions, type FlagSet } from './flag-definitions.js';
import { FlagDefinitionError, FlagFileError } from './flag-errors.js';

/**
 * Reads and validates a flagd JSON document from `file`.
 * @throws FlagFileError naming the file and, for an invalid document, every problem with its path.
 */
export async function loadFlagFile(file: string): Promise<FlagSet> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const detail =
      code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`;
    throw new FlagFileError(file, detail, [], { cause: error });
  }
  try {
    return parseFlagDefinitions(text);
  } catch (error) {
    if (error instanceof FlagDefinitionError) {
      throw new FlagFileError(file, error.message, error.issues, { cause: error });
    }
    throw error;
  }
}
