import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PROBLEM_TYPE_BASE,
  listProblemTypes,
  problemTypeUri,
  problemTypes,
  type ProblemTypeCode,
} from './problem-types.js';
import { problemDocumentSchema } from './problem-document.js';
import { renderErrorsDoc } from './render-errors-doc.js';
import * as contracts from './index.js';

const ERRORS_DOC = new URL('../../../docs/errors.md', import.meta.url);
const KEBAB_CASE = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

describe('problem catalogue', () => {
  const list = listProblemTypes();

  it('has slugs that are unique kebab-case', () => {
    expect(list.length).toBeGreaterThan(0);
    for (const entry of list) expect(entry.slug, entry.code).toMatch(KEBAB_CASE);
    expect(new Set(list.map((e) => e.slug)).size).toBe(list.length);
  });

  it('has 4xx/5xx statuses, non-empty titles and descriptions', () => {
    for (const entry of list) {
      expect(Number.isInteger(entry.status), entry.slug).toBe(true);
      expect(entry.status, entry.slug).toBeGreaterThanOrEqual(400);
      expect(entry.status, entry.slug).toBeLessThanOrEqual(599);
      expect(entry.title.trim(), entry.slug).not.toBe('');
      expect(entry.description.trim(), entry.slug).not.toBe('');
    }
  });

  it('builds type URIs from the base and the slug', () => {
    expect(PROBLEM_TYPE_BASE).toBe('https://opsloop.dev/problems/');
    expect(problemTypeUri('validationFailed')).toBe('https://opsloop.dev/problems/validation-failed');
    expect(problemTypeUri('upstreamTimeout')).toBe('https://opsloop.dev/problems/upstream-timeout');
    for (const code of Object.keys(problemTypes) as ProblemTypeCode[]) {
      const uri = problemTypeUri(code);
      expect(uri).toBe(`${PROBLEM_TYPE_BASE}${problemTypes[code].slug}`);
      expect(URL.canParse(uri)).toBe(true);
    }
  });

  it('lists every entry once, in declaration order, with its code and type', () => {
    expect(list.map((e) => e.code)).toEqual(Object.keys(problemTypes));
    for (const entry of list) {
      expect(entry.type).toBe(problemTypeUri(entry.code));
      expect(entry).toMatchObject(problemTypes[entry.code]);
    }
  });

  it('yields problem documents that the document schema accepts', () => {
    for (const entry of list) {
      const parsed = problemDocumentSchema.safeParse({
        type: entry.type,
        title: entry.title,
        status: entry.status,
      });
      expect(parsed.success, entry.slug).toBe(true);
    }
  });
});

describe('docs/errors.md', () => {
  const doc = readFileSync(ERRORS_DOC, 'utf8');

  it('is exactly what `npm run gen:docs` generates (run it after changing the catalogue)', () => {
    expect(doc).toBe(renderErrorsDoc(listProblemTypes()));
  });

  it('has one "## <slug>" section per catalogue entry, in catalogue order', () => {
    const headings = [...doc.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual(listProblemTypes().map((e) => e.slug));
  });

  it('documents the type URI, status, title and description of every entry', () => {
    for (const entry of listProblemTypes()) {
      const section = doc.split(`\n## ${entry.slug}\n`)[1]?.split('\n## ')[0] ?? '';
      expect(section, entry.slug).toContain(
        `\`type\`: \`${entry.type}\` · status ${entry.status} · title "${entry.title}"`,
      );
      expect(section, entry.slug).toContain(entry.description);
    }
  });

  it('explains the problem+json members', () => {
    expect(doc).toMatch(/^# Problem types$/m);
    expect(doc).toContain('RFC 9457');
    expect(doc).toContain('application/problem+json');
    for (const member of [
      'type',
      'title',
      'status',
      'detail',
      'instance',
      'request_id',
      'errors',
      'in',
      'path',
      'message',
    ]) {
      expect(doc, member).toContain(`\`${member}\``);
    }
  });
});

describe('renderErrorsDoc', () => {
  it('renders a section per given entry, in the given order', () => {
    const out = renderErrorsDoc([
      { slug: 'b-thing', title: 'B thing', status: 418, description: 'About b.' },
      { slug: 'a-thing', title: 'A thing', status: 503, description: 'About a.' },
    ]);
    expect([...out.matchAll(/^## (.+)$/gm)].map((m) => m[1])).toEqual(['b-thing', 'a-thing']);
    expect(out).toContain(
      '## b-thing\n\n`type`: `https://opsloop.dev/problems/b-thing` · status 418 · title "B thing"\n\nAbout b.\n',
    );
    expect(out.endsWith('About a.\n')).toBe(true);
  });

  it('is deterministic and exported from the package entry point', () => {
    expect(renderErrorsDoc(listProblemTypes())).toBe(renderErrorsDoc(listProblemTypes()));
    expect(contracts.renderErrorsDoc).toBe(renderErrorsDoc);
  });
});
