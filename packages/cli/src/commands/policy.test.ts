import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertCliBuilt, expectOneLineError, runBuiltCli } from '../testing/built-cli.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../../../..');
const REPO_SPEC = join(REPO, 'opsloop.yaml');

let dir: string;

beforeAll(() => {
  assertCliBuilt();
  dir = mkdtempSync(join(tmpdir(), 'opsloop-policy-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runBuiltCli(dir, 30_000, args);

/** A compliant Deployment with `replicas` pods, as plain YAML would carry it. */
const deployment = (name: string, replicas: number, image = `ghcr.io/opsloop/${name}:1.0.0`) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, namespace: 'shop' },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [
          {
            name,
            image,
            resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '64Mi' } },
            livenessProbe: { httpGet: { path: '/livez', port: 8080 } },
            readinessProbe: { httpGet: { path: '/readyz', port: 8080 } },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              capabilities: { drop: ['ALL'] },
            },
          },
        ],
      },
    },
  },
});
const pdb = (name: string) => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name, namespace: 'shop' },
  spec: { maxUnavailable: 1, selector: { matchLabels: { app: name } } },
});
const docs = (...objects: unknown[]) => objects.map((o) => stringify(o)).join('---\n');

/** A tree of plain manifests: nested folders, multi-document files, a kustomization and a non-YAML file. */
function writeTree(root: string): void {
  mkdirSync(join(root, 'apps/cart'), { recursive: true });
  writeFileSync(join(root, 'apps/cart/all.yaml'), docs(deployment('cart', 2), pdb('cart')));
  writeFileSync(join(root, 'apps/web.yml'), `---\n${docs(deployment('web', 1))}\n---\n`);
  writeFileSync(
    join(root, 'kustomization.yaml'),
    'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [apps/cart/all.yaml]\n',
  );
  writeFileSync(join(root, 'NOTES.md'), '# not a manifest\n');
}

describe('opsloop policy check', () => {
  it('passes the shop rendered from opsloop.yaml, and each environment', () => {
    const result = cli('policy', 'check', '-f', REPO_SPEC);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^.*opsloop\.yaml: \d+ objects pass all 13 rules\n$/);
    for (const env of ['dev', 'prod-us-east-1']) {
      const one = cli('policy', 'check', '-f', REPO_SPEC, '--env', env);
      expect(one.code, env).toBe(0);
      expect(one.stdout).toContain(`(env ${env})`);
    }
  }, 60_000);

  it('passes the checked-in Kustomize tree (deploy/k8s) read as plain manifests', () => {
    const result = cli('policy', 'check', '--manifests', join(REPO, 'deploy/k8s'));
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/ \d+ objects pass all 13 rules\n$/);
    expect(result.code).toBe(0);
  }, 60_000);

  it('--manifests reads a directory recursively and reports each violation on one line, exit 1', () => {
    const root = join(dir, 'tree');
    writeTree(root);
    const clean = cli('policy', 'check', '--manifests', root);
    expect(clean.stdout).toBe(`${root}: 3 objects pass all 13 rules\n`);
    expect(clean.code).toBe(0);

    mkdirSync(join(root, 'extra'));
    writeFileSync(
      join(root, 'extra/bad.yaml'),
      docs(deployment('api', 3, 'docker.io/library/api:latest'), {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'token', namespace: 'shop' },
        stringData: { token: 'x' },
      }),
    );
    const bad = cli('policy', 'check', '--manifests', root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('');
    const c0 = 'spec.template.spec.containers[0]';
    expect(bad.stdout.split('\n')).toEqual([
      `image-pinned Deployment/shop/api ${c0}.image: container "api" image "docker.io/library/api:latest" uses the tag latest: pin a version tag or a digest`,
      `allowed-registries Deployment/shop/api ${c0}.image: container "api" image "docker.io/library/api:latest" is not from an allowed registry (ghcr.io/opsloop)`,
      'pod-disruption-budget Deployment/shop/api spec.selector: Deployment "api" keeps at least 3 replicas but no PodDisruptionBudget selects its pods',
      'no-inline-secrets Secret/shop/token stringData: Secret carries inline stringData: create it from the secret store with an ExternalSecret',
      `${root}: 4 violations in 2 of 5 objects (13 rules)`,
      '',
    ]);

    const allowed = cli(
      'policy',
      'check',
      '--manifests',
      root,
      '--allowed-registry',
      'docker.io/library',
      '-o',
      'json',
    );
    expect(allowed.code).toBe(1);
    const report = JSON.parse(allowed.stdout) as {
      objects: number;
      violations: { rule: string; name: string }[];
    };
    expect(report.objects).toBe(5);
    // Only docker.io/library is allowed now: the compliant ghcr.io images fail that rule instead.
    expect(report.violations.map((v) => `${v.rule}/${v.name}`).sort()).toEqual([
      'allowed-registries/cart',
      'allowed-registries/web',
      'image-pinned/api',
      'no-inline-secrets/token',
      'pod-disruption-budget/api',
    ]);
  }, 60_000);

  it('refuses unreadable manifests with one line and exit 1', () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'kind: Deployment\nmetadata: { name: [x\n');
    expect(expectOneLineError(cli('policy', 'check', '--manifests', broken))).toMatch(
      /^opsloop: .*broken\.yaml: document 1: /,
    );
    const scalar = join(dir, 'scalar.yaml');
    writeFileSync(scalar, docs(deployment('a', 1)) + '---\njust text\n');
    expect(expectOneLineError(cli('policy', 'check', '--manifests', scalar))).toBe(
      `opsloop: ${scalar}: document 2: not a Kubernetes object (expected apiVersion and kind)`,
    );
    const nameless = join(dir, 'nameless.yaml');
    writeFileSync(nameless, 'apiVersion: v1\nkind: Secret\nmetadata: {}\n');
    expect(expectOneLineError(cli('policy', 'check', '--manifests', nameless))).toBe(
      `opsloop: ${nameless}: document 1: Secret has no metadata.name`,
    );
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    expect(expectOneLineError(cli('policy', 'check', '--manifests', empty))).toBe(
      `opsloop: --manifests ${empty}: no .yaml or .yml files`,
    );
    expect(expectOneLineError(cli('policy', 'check', '--manifests', join(dir, 'missing')))).toBe(
      `opsloop: --manifests ${join(dir, 'missing')}: no such file or directory`,
    );
  }, 60_000);

  it('refuses a bad spec, environment or flag combination with one line and exit 1', () => {
    const empty = join(dir, 'empty');
    expect(expectOneLineError(cli('policy', 'check', '--manifests', empty, '--env', 'dev'))).toBe(
      'opsloop: --env renders the spec; it cannot be combined with --manifests',
    );
    expect(expectOneLineError(cli('policy', 'check', '-f', REPO_SPEC, '--env', 'qa'))).toMatch(
      /^opsloop: env: "qa" is not an environment of the spec/,
    );
    expect(expectOneLineError(cli('policy', 'check', '-f', join(dir, 'no-spec.yaml')))).toMatch(
      /no-spec\.yaml/,
    );
    // Usage errors follow the CLI's convention: commander's message, then the --help hint; exit 1.
    const usage = cli('policy', 'check', '-o', 'xml');
    expect(usage.code).toBe(1);
    expect(usage.stderrLines[0]).toMatch(/^error: option '-o, --output <format>' argument 'xml' is invalid/);
  }, 60_000);

  it('has help listing its options', () => {
    const result = cli('policy', 'check', '--help');
    expect(result.code).toBe(0);
    for (const option of ['--file', '--env', '--manifests', '--allowed-registry', '--output'])
      expect(result.stdout).toContain(option);
  }, 60_000);
});

describe('opsloop policy gatekeeper', () => {
  it('writes what deploy/policy holds (README aside), and refuses to overwrite a file it did not write', () => {
    const out = join(dir, 'policy');
    const result = cli('policy', 'gatekeeper', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const checkedIn = join(REPO, 'deploy/policy');
    const list = (root: string, prefix = ''): string[] =>
      readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? list(root, join(prefix, e.name)) : [join(prefix, e.name)],
      );
    const written = list(out).sort();
    expect(written).toEqual(
      list(checkedIn)
        .filter((p) => p !== 'README.md')
        .sort(),
    );
    for (const path of written)
      expect(readFileSync(join(out, path), 'utf8'), path).toBe(readFileSync(join(checkedIn, path), 'utf8'));
    expect(cli('policy', 'gatekeeper', '--out', out).stdout).toBe(
      `${out}: 28 files (0 written, 28 unchanged, 0 stale removed)\n`,
    );

    writeFileSync(join(out, 'config.yaml'), '# mine\n');
    expect(expectOneLineError(cli('policy', 'gatekeeper', '--out', out))).toBe(
      `opsloop: ${join(out, 'config.yaml')} exists and was not written by opsloop policy gatekeeper; move it or choose another --out`,
    );
  }, 60_000);
});
