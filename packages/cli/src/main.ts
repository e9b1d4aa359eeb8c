import { CliError } from './cli-error.js';
import { createProgram } from './program.js';

const run = (work: Promise<number>): void => {
  work.then(
    (code) => process.exit(code),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`opsloop: ${message}\n`);
      process.exit(error instanceof CliError ? error.exitCode : 1);
    },
  );
};

createProgram(run).parse(process.argv);
