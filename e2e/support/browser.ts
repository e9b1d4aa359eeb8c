import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './stack.js';

/**
 * Debian's Chromium, as Playwright drives it here (never a downloaded browser): OPSLOOP_TEST_CHROMIUM (set by
 * .ci/run, where a missing browser is a failure, not a skip), else /usr/bin/chromium when installed.
 */
export function chromiumPath(): string | undefined {
  const configured = process.env.OPSLOOP_TEST_CHROMIUM;
  if (configured !== undefined && configured !== '') {
    if (!existsSync(configured)) throw new Error(`OPSLOOP_TEST_CHROMIUM=${configured}: no such file`);
    return configured;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

/** Headless, and no connection anywhere but the page's own loopback origin. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Builds the dashboard bundle the control API serves (skipped when it is up to date). */
export function buildDashboard(): void {
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build-dashboard.mjs')], {
    cwd: repoRoot,
    stdio: 'inherit',
    timeout: 180_000,
  });
}
