import { CliError } from './cli-error.js';
import { createProgram } from './program.js';

// A reader that stopped reading (`opsloop logs mine … | head`) is not an error: stop quietly, as Unix tools do.
const isBrokenPipe = (error: unknown): boolean => (error as NodeJS.ErrnoException | null)?.code === 'EPIPE';
process.stdout.on('error', (error) => {
  if (isBrokenPipe(error)) process.exit(0);
});

const run = (work: Promise<number>): void => {
  work.then(
    (code) => process.exit(code),
    (error: unknown) => {
      if (isBrokenPipe(error)) process.exit(0);
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`opsloop: ${message}\n`);
      process.exit(error instanceof CliError ? error.exitCode : 1);
    },
  );
};

createProgram(run).parse(process.argv);
