import { relative } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

/** Files listed by duration at the end: where the suite's time goes (the CI budget is 30 minutes). */
const SLOWEST_FILES = 15;

/**
 * Prints one plain closing line, `tests: N passed, N failed, N skipped`, that any CI can read whatever the
 * test runner (vitest's own summary is decorated for humans), after the slowest test files.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const module of testModules) {
      let failedHere = 0;
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') failedHere++;
        else skipped++;
      }
      // A file that failed outside its tests (import error, a throwing beforeAll) counts as one failure.
      if (module.state() === 'failed' && failedHere === 0) failedHere = 1;
      failed += failedHere;
    }
    const slowest = testModules
      .map((module) => ({ file: module.moduleId, ms: module.diagnostic().duration }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, SLOWEST_FILES);
    if (slowest.length > 1) {
      process.stdout.write('\nslowest test files:\n');
      for (const { file, ms } of slowest)
        process.stdout.write(`  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`);
    }
    process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
