import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const require = createRequire(import.meta.url);
/** axe-core's bundle, evaluated in the page (a script tag would be refused by the dashboard's CSP). */
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.1 levels A and AA: what the dashboard promises (keyboard, labels, contrast). */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** One rule the page breaks, with up to five of the elements that break it. */
export interface AccessibilityViolation {
  readonly rule: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: string; readonly summary: string }[];
}

/** Runs axe-core on the page as it stands and returns what breaks WCAG 2.1 A/AA (empty: nothing found). */
export async function accessibilityViolations(page: Page): Promise<AccessibilityViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    interface AxeResult {
      violations: {
        id: string;
        impact: string | null;
        help: string;
        nodes: { target: unknown[]; failureSummary?: string }[];
      }[];
    }
    // Runs in the page; this file is compiled without the DOM's types.
    const inPage = globalThis as unknown as {
      document: unknown;
      axe: { run(context: unknown, options: unknown): Promise<AxeResult> };
    };
    const result = await inPage.axe.run(inPage.document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => ({
        target: n.target.map(String).join(' '),
        summary: (n.failureSummary ?? '').split('\n').slice(0, 3).join(' '),
      })),
    }));
  }, TAGS);
}

/** The violations as lines a failing test prints. */
export function describeViolations(where: string, violations: readonly AccessibilityViolation[]): string {
  return violations
    .flatMap((v) => [
      `${where}: ${v.rule} (${v.impact ?? 'unknown'}): ${v.help}`,
      ...v.nodes.map((n) => `    ${n.target}: ${n.summary}`),
    ])
    .join('\n');
}
