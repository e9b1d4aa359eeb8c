import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { K8sObject } from './k8s-object.js';
import { toYaml } from './to-yaml.js';

describe('toYaml', () => {
  const objects: K8sObject[] = [
    {
      metadata: { name: 'a' },
      kind: 'ConfigMap',
      apiVersion: 'v1',
      data: { ON: 'true', PORT: '8080' },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'b' },
      data: { QUERY: `sum(rate(x{a="b"}[30s])) ${'/ y '.repeat(40)}` },
    },
  ];

  it('prints one document per object, apiVersion/kind/metadata first, and parses back', () => {
    const text = toYaml(objects);
    expect(text.split('\n---\n')).toHaveLength(2);
    expect(text.startsWith('apiVersion: v1\nkind: ConfigMap\nmetadata:\n')).toBe(true);
    expect(parseAllDocuments(text).map((d) => d.toJS() as unknown)).toEqual(objects);
  });

  it('keeps long strings on one line and quotes strings that look like other types', () => {
    const text = toYaml(objects);
    expect(text).toContain('ON: "true"');
    expect(text).toContain('PORT: "8080"');
    const query = text.split('\n').find((line) => line.trimStart().startsWith('QUERY: '));
    expect(query).toContain(`sum(rate(x{a="b"}[30s])) ${'/ y '.repeat(39)}/ y`);
    expect(text.split('\n').filter((line) => line.includes('/ y')).length).toBe(1);
  });
});
