#!/usr/bin/env node
// The `opsloop-load` command: runs the built loadgen CLI (`npx tsc -b` or `npm run build` builds it).
import('../dist/cli.js').then(
  async ({ main }) => {
    process.exitCode = await main(process.argv.slice(2));
  },
  (error) => {
    process.stderr.write(
      `opsloop-load: cannot load the CLI (${error.code ?? error.message}); run "npm run build" in the repository first\n`,
    );
    process.exit(1);
  },
);
