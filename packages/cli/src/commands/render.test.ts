import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli, type CliRun } from '../testing/built-cli.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../../..');
const REPO_SPEC = join(REPO, 'opsloop.yaml');
const CHECKED_IN = join(REPO, 'deploy/k8s');

let dir: string;

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'opsloop-render-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runBuiltCli(dir, 30_000, args);

/** A one-line error, and nothing on stdout. */
function expectRenderError(result: CliRun): string {
  expect(result.stdout).toBe('');
  return expectOneLineError(result);
}

const objectsOf = (yaml: string) =>
  parseAllDocuments(yaml).map((doc) => {
    expect(doc.errors).toEqual([]);
    return doc.toJS() as { kind: string; metadata: { name: string; namespace?: string } };
  });

function filesUnder(root: string, prefix = ''): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isDirectory()) for (const [p, t] of filesUnder(root, path)) files.set(p, t);
    else files.set(path, readFileSync(join(root, path), 'utf8'));
  }
  return files;
}

describe('opsloop render k8s', () => {
  it('prints the shop as valid multi-document YAML', () => {
    const result = cli('render', 'k8s', '-f', REPO_SPEC);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const objects = objectsOf(result.stdout);
    expect(objects[0]).toMatchObject({ kind: 'Namespace', metadata: { name: 'shop' } });
    expect(objects.filter((o) => o.kind === 'Deployment')).toHaveLength(9);
    expect(objects.some((o) => o.kind === 'Ingress')).toBe(false);
  });

  it('--env renders that environment: its namespace, host and image tag', () => {
    const result = cli('render', 'k8s', '-f', REPO_SPEC, '--env', 'prod-eu-west-1', '--image-tag', '1.4.2');
    expect(result.code).toBe(0);
    const objects = objectsOf(result.stdout);
    expect(new Set(objects.map((o) => o.metadata.namespace ?? o.metadata.name))).toEqual(new Set(['shop']));
    const ingress = objects.find((o) => o.kind === 'Ingress') as unknown as {
      spec: { rules: { host: string }[] };
    };
    expect(ingress.spec.rules[0]!.host).toBe('eu.shop.opsloop.dev');
    expect(result.stdout).toContain('image: ghcr.io/opsloop/catalog:1.4.2');
    const dev = cli('render', 'k8s', '-f', REPO_SPEC, '--env', 'dev', '--image-tag', '1.4.2');
    expect(dev.stdout).toContain('image: ghcr.io/opsloop/catalog:0.2.0-dev'); // dev pins its own tag
    expect(objectsOf(dev.stdout)[0]!.metadata.name).toBe('shop-dev');
  });

  it('refuses a bad or unknown environment, a latest tag and a missing file with one line', () => {
    expect(expectRenderError(cli('render', 'k8s', '-f', REPO_SPEC, '--env', 'qa'))).toMatch(
      /^opsloop: env: "qa" is not an environment of the spec \(dev, /,
    );
    expect(expectRenderError(cli('render', 'k8s', '-f', REPO_SPEC, '--env', 'Prod EU'))).toBe(
      'opsloop: env: "Prod EU" is not a DNS label',
    );
    expect(expectRenderError(cli('render', 'k8s', '-f', REPO_SPEC, '--image-tag', 'latest'))).toMatch(
      /^opsloop: imageTag: "latest" is refused/,
    );
    expect(expectRenderError(cli('render', 'k8s', '-f', join(dir, 'missing.yaml')))).toMatch(/missing\.yaml/);
  });

  it('refuses a spec with a bad environment, naming the field', () => {
    const spec = join(dir, 'bad-env.yaml');
    writeFileSync(
      spec,
      'apiVersion: opsloop.dev/v1alpha1\nkind: System\nmetadata: { name: demo }\nservices:\n  a: { command: [node, a.js] }\nenvironments:\n  prod: { replicas: { b: 2 } }\n',
    );
    expect(expectRenderError(cli('render', 'k8s', '-f', spec))).toContain(
      'environments.prod.replicas.b: unknown service "b"',
    );
  });

  it('has help listing its options', () => {
    const result = cli('render', 'k8s', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--env', '--image-registry', '--image-tag', '--file'])
      expect(result.stdout).toContain(option);
  });
});

describe('opsloop render kustomize', () => {
  it('writes the same tree as deploy/k8s (checked in), README aside', () => {
    const out = join(dir, 'tree');
    const result = cli('render', 'kustomize', '-f', REPO_SPEC, '--out', out, '--repo-path', 'deploy/k8s');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const written = filesUnder(out);
    const checkedIn = filesUnder(CHECKED_IN);
    checkedIn.delete('README.md');
    expect(
      [...written.keys()].sort(),
      'deploy/k8s drifted: run node packages/cli/dist/main.js render kustomize --out deploy/k8s',
    ).toEqual([...checkedIn.keys()].sort());
    for (const [path, text] of written) expect(text, path).toBe(checkedIn.get(path));
  });

  it('removes stale generated files, keeps and refuses to overwrite files it did not write', () => {
    const out = join(dir, 'mixed');
    mkdirSync(join(out, 'overlays/old'), { recursive: true });
    const header = readFileSync(join(CHECKED_IN, 'base/kustomization.yaml'), 'utf8').split('\n')[0];
    writeFileSync(join(out, 'overlays/old/kustomization.yaml'), `${header}\nkind: Kustomization\n`);
    writeFileSync(join(out, 'NOTES.md'), 'hand-written\n');
    const first = cli('render', 'kustomize', '-f', REPO_SPEC, '--out', out);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/1 stale removed/);
    expect(existsSync(join(out, 'overlays/old'))).toBe(false);
    expect(readFileSync(join(out, 'NOTES.md'), 'utf8')).toBe('hand-written\n');
    const again = cli('render', 'kustomize', '-f', REPO_SPEC, '--out', out);
    expect(again.stdout).toMatch(/0 written/);

    writeFileSync(join(out, 'base/kustomization.yaml'), 'mine\n');
    expect(expectRenderError(cli('render', 'kustomize', '-f', REPO_SPEC, '--out', out))).toMatch(
      /base\/kustomization\.yaml exists and was not written by opsloop render kustomize/,
    );
    expect(readFileSync(join(out, 'base/kustomization.yaml'), 'utf8')).toBe('mine\n');
  });
});
