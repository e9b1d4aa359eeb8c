#!/usr/bin/env node
// The installed `opsloop` command: runs the built CLI (`npm run build` or `npm start` builds it).
import('../dist/main.js').catch((error) => {
  process.stderr.write(
    `opsloop: cannot load the CLI (${error.code ?? error.message}); run "npm run build" in the repository first\n`,
  );
  process.exit(1);
});
