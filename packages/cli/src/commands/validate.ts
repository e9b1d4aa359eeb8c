import { loadSpec, SpecError } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';

/** `opsloop validate`: checks a spec without running it. */
export async function validate(options: { file: string }): Promise<number> {
  try {
    const { spec } = await loadSpec(options.file);
    const services = Object.entries(spec.services).map(([name, s]) => `${name}×${s.replicas}`);
    process.stdout.write(`${options.file}: valid (${spec.metadata.name}: ${services.join(', ')})\n`);
    return 0;
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    throw error;
  }
}
