import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  constraintSchema,
  constraintTemplateSchema,
  isGeneratedPolicyFile,
  POLICY_RULES,
  renderGatekeeper,
  templateName,
  validateManifests,
  type K8sObject,
} from '../src/index.js';
import type { Loose } from './fixture.js';

const POLICY_DIR = resolve(import.meta.dirname, '../../../deploy/policy');

/** Every file under deploy/policy, relative with `/`. */
function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(root, path) : [path];
  });
}

const checkedIn = new Map(
  filesUnder(POLICY_DIR).map((path) => [path, readFileSync(join(POLICY_DIR, path), 'utf8')]),
);
const yamlFiles = [...checkedIn.keys()].filter((path) => path.endsWith('.yaml'));
const parsed = new Map(yamlFiles.map((path) => [path, parse(checkedIn.get(path)!)]));
const ofKind = (kind: string) => [...parsed.entries()].filter(([, doc]) => doc.kind === kind);
const templates = ofKind('ConstraintTemplate');
const constraints = [...parsed.entries()].filter(
  ([, doc]) => doc.apiVersion === 'constraints.gatekeeper.sh/v1beta1',
);

const issuesOf = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (result.success ? [] : result.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`));

describe('deploy/policy (Gatekeeper)', () => {
  it('is what renderGatekeeper() writes, README aside (regenerate: opsloop policy gatekeeper)', () => {
    const generated = renderGatekeeper();
    const onDisk = new Map([...checkedIn].filter(([path]) => path !== 'README.md'));
    expect([...onDisk.keys()].sort()).toEqual([...generated.keys()].sort());
    for (const [path, text] of generated) expect(onDisk.get(path), path).toBe(text);
    for (const text of generated.values()) expect(isGeneratedPolicyFile(text)).toBe(true);
    expect(checkedIn.get('README.md')).toContain('not executed');
  });

  it('has a valid ConstraintTemplate per file under templates/', () => {
    expect(templates.map(([path]) => path).sort()).toEqual(
      yamlFiles.filter((p) => p.startsWith('templates/')).sort(),
    );
    for (const [path, doc] of templates) {
      expect(issuesOf(constraintTemplateSchema.safeParse(doc)), path).toEqual([]);
      expect(validateManifests([doc as K8sObject]), path).toEqual([]);
    }
  });

  it('has a valid Constraint per file under constraints/, each of a kind a template defines', () => {
    const kinds = new Set(templates.map(([, doc]) => doc.spec.crd.spec.names.kind));
    expect(constraints.map(([path]) => path).sort()).toEqual(
      yamlFiles.filter((p) => p.startsWith('constraints/')).sort(),
    );
    for (const [path, doc] of constraints) {
      expect(issuesOf(constraintSchema.safeParse(doc)), path).toEqual([]);
      expect(kinds.has(doc.kind), `${path}: ${doc.kind}`).toBe(true);
    }
  });

  it('matches the local rules one to one: ids, kinds, enforcement, parameters', () => {
    expect(constraints.map(([, doc]) => doc.metadata.name).sort()).toEqual(
      POLICY_RULES.map((r) => r.id).sort(),
    );
    expect(templates.map(([, doc]) => doc.metadata.annotations['opsloop.dev/rule']).sort()).toEqual(
      POLICY_RULES.map((r) => r.id).sort(),
    );
    for (const rule of POLICY_RULES) {
      const [, template] = templates.find(([, doc]) => doc.spec.crd.spec.names.kind === rule.constraintKind)!;
      const [, constraint] = constraints.find(([, doc]) => doc.metadata.name === rule.id)!;
      expect(template.metadata.name).toBe(templateName(rule));
      expect(constraint.kind).toBe(rule.constraintKind);
      expect(constraint.spec.enforcementAction).toBe(rule.severity === 'error' ? 'deny' : 'warn');
      expect(constraint.spec.match.kinds).toEqual(rule.match);
      // Parameters in the constraint, declared by the template's schema.
      const declared = Object.keys(template.spec.crd.spec.validation?.openAPIV3Schema.properties ?? {});
      expect(Object.keys(constraint.spec.parameters ?? {}), rule.id).toEqual(declared);
    }
    const registries = constraints.find(([, doc]) => doc.metadata.name === 'allowed-registries')![1];
    expect(registries.spec.parameters).toEqual({ registries: ['ghcr.io/opsloop'] });
  });

  it('has Rego in a package named after its template, defining violation[{"msg": msg}] with the local messages', () => {
    for (const rule of POLICY_RULES) {
      const [path, template] = templates.find(([, doc]) => doc.metadata.name === templateName(rule))!;
      const rego: string = template.spec.targets[0].rego;
      expect(rego.split('\n')[0], path).toBe(`package ${template.metadata.name}`);
      expect(rego, path).toMatch(/^violation\[\{"msg": msg\}\] \{$/m);
      // Every violation body assigns msg with sprintf of one of the rule's own message strings.
      const bodies = rego.split(/^violation\[\{"msg": msg\}\] \{$/m).slice(1);
      for (const body of bodies) expect(body, path).toMatch(/^ {2}msg := sprintf\(".*", \[.*\]\)$/m);
      for (const message of Object.values(rule.messages))
        expect(rego, `${path}: ${message}`).toContain(`sprintf(${JSON.stringify(message)}, [`);
      // Placeholders and arguments agree in number in every sprintf.
      for (const [, format, args] of rego.matchAll(/sprintf\(("(?:[^"\\]|\\.)*"), \[(.*)\]\)/g)) {
        const placeholders = (JSON.parse(format!) as string).match(/%[sdv]/g)?.length ?? 0;
        const argumentCount = splitArguments(args!).length;
        expect(argumentCount, `${path}: ${format}`).toBe(placeholders);
      }
      expect(balanced(rego), path).toBe(true);
    }
  });

  it('lists every template and constraint in the kustomization, templates first, and syncs what the budget rule reads', () => {
    const kustomization = parsed.get('kustomization.yaml');
    const resources: string[] = kustomization.resources;
    expect([...resources].sort()).toEqual(yamlFiles.filter((p) => p !== 'kustomization.yaml').sort());
    const lastTemplate = Math.max(...resources.map((r, i) => (r.startsWith('templates/') ? i : -1)));
    const firstConstraint = resources.findIndex((r) => r.startsWith('constraints/'));
    expect(lastTemplate).toBeLessThan(firstConstraint);
    const synced = parsed.get('config.yaml').spec.sync.syncOnly.map((s: Loose) => s.kind);
    const budgetRego: string = templates.find(([path]) => path === 'templates/pod-disruption-budget.yaml')![1]
      .spec.targets[0].rego;
    for (const kind of ['PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject']) {
      expect(synced).toContain(kind);
      expect(budgetRego).toContain(`"${kind}"`);
    }
  });
});

/** Splits a Rego argument list at top-level commas. */
function splitArguments(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') current += text[i++];
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if ('([{'.includes(ch)) depth++;
    else if (')]}'.includes(ch)) depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
      continue;
    }
    current += ch;
  }
  if (current.trim() !== '') parts.push(current.trim());
  return parts;
}

/** Brackets balance outside strings and comments: a cheap guard, since no OPA runs here. */
function balanced(rego: string): boolean {
  const stack: string[] = [];
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' };
  for (const line of rego.split('\n')) {
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '#') break;
      else if ('([{'.includes(ch)) stack.push(ch);
      else if (ch in pairs && stack.pop() !== pairs[ch]) return false;
    }
  }
  return stack.length === 0;
}
