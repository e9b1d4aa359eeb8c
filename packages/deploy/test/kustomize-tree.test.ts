import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import jsonpatch from 'fast-json-patch';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_IMAGE_REGISTRY,
  DEFAULT_IMAGE_TAG,
  environmentNames,
  GENERATED_HEADER,
  profileOptions,
  renderKubernetes,
  renderKustomizeTree,
  validateManifests,
  type K8sObject,
  type KustomizeTree,
  type RenderOptions,
} from '../src/index.js';
import type { SystemSpec } from '@opsloop/runtime';
import { at, shopSpec, type Loose } from './fixture.js';
import { ALLOWED_FIELDS, buildKustomization, byIdentity } from './kustomize-build.js';

/** The checked-in tree, and the command that writes it (what `opsloop render kustomize` uses by default). */
const TREE_DIR = resolve(import.meta.dirname, '../../../deploy/k8s');
const REGENERATE =
  'node packages/cli/dist/main.js render kustomize --out deploy/k8s (from the repository root)';
const OPTIONS: RenderOptions = {
  imageRegistry: DEFAULT_IMAGE_REGISTRY,
  imageTag: DEFAULT_IMAGE_TAG,
  ...profileOptions('shop'),
};

let spec: SystemSpec;
let tree: KustomizeTree;

beforeAll(async () => {
  spec = await shopSpec();
  tree = renderKustomizeTree(spec, OPTIONS);
});

function filesUnder(root: string, prefix = ''): string[] {
  return readdirSync(join(root, prefix), { withFileTypes: true }).flatMap((entry) => {
    const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(root, path) : [path];
  });
}

const envRender = (env: string): K8sObject[] => renderKubernetes(spec, { ...OPTIONS, env });

describe('deploy/k8s (checked in)', () => {
  it('is exactly what the renderer writes now', () => {
    const onDisk = new Map(
      filesUnder(TREE_DIR)
        .filter((path) => readFileSync(join(TREE_DIR, path), 'utf8').startsWith(GENERATED_HEADER))
        .map((path) => [path, readFileSync(join(TREE_DIR, path), 'utf8')]),
    );
    const stale = [...onDisk.keys()].filter((path) => !tree.files.has(path));
    const missing = [...tree.files.keys()].filter((path) => !onDisk.has(path));
    const changed = [...tree.files].filter(([path, text]) => onDisk.has(path) && onDisk.get(path) !== text);
    const message = `deploy/k8s drifted from opsloop.yaml (stale: ${stale.join(', ') || '-'}; missing: ${missing.join(', ') || '-'}; changed: ${changed.map(([p]) => p).join(', ') || '-'}): regenerate with ${REGENERATE}`;
    expect(stale.length + missing.length + changed.length, message).toBe(0);
  });

  it('marks every generated file and keeps the README hand-written', () => {
    for (const text of tree.files.values()) expect(text.startsWith(`${GENERATED_HEADER}\n`)).toBe(true);
    expect(tree.files.has('README.md')).toBe(false);
    expect(readFileSync(join(TREE_DIR, 'README.md'), 'utf8')).not.toContain(GENERATED_HEADER);
  });

  it('validates every object it renders (base, every environment, Argo CD)', () => {
    expect(validateManifests(tree.objects)).toEqual([]);
    const kinds = new Set(tree.objects.map((o) => o.kind));
    for (const kind of ['Ingress', 'Application', 'AppProject']) expect(kinds.has(kind)).toBe(true);
  });

  it('has an overlay per environment of the spec: dev, staging and three production regions', () => {
    expect(environmentNames(spec)).toEqual([
      'dev',
      'prod-ap-southeast-1',
      'prod-eu-west-1',
      'prod-us-east-1',
      'staging',
    ]);
    for (const env of environmentNames(spec))
      expect(tree.files.has(`overlays/${env}/kustomization.yaml`)).toBe(true);
  });
});

describe('each overlay built onto the base', () => {
  it.each(['dev', 'staging', 'prod-us-east-1', 'prod-eu-west-1', 'prod-ap-southeast-1'])(
    '%s gives exactly renderKubernetes(spec, { env })',
    (env) => {
      const built = byIdentity(buildKustomization(tree.files, `overlays/${env}`));
      const expected = byIdentity(envRender(env));
      expect([...built.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, object] of expected) expect(built.get(key), key).toEqual(object);
    },
  );

  it('differ where the environments differ: namespace, replicas, resources, host, region, image', () => {
    const catalog = (env: string) =>
      byIdentity(buildKustomization(tree.files, `overlays/${env}`)).get(
        `apps/v1 Deployment ${spec.environments?.[env]?.namespace ?? 'shop'}/catalog`,
      );
    const dev = catalog('dev');
    const us = catalog('prod-us-east-1');
    // dev is scheduled (scaled to zero at night): its KEDA ScaledObject owns the count, 1 in working hours.
    expect(at(dev, 'spec.replicas')).toBeUndefined();
    const devScaler = byIdentity(buildKustomization(tree.files, 'overlays/dev')).get(
      'keda.sh/v1alpha1 ScaledObject shop-dev/catalog',
    );
    expect(at(devScaler, 'spec.triggers.0.metadata.desiredReplicas')).toBe('1');
    expect(at(us, 'spec.replicas')).toBe(4);
    expect(at(dev, 'spec.template.spec.containers.0.resources.limits.memory')).toBe('128Mi');
    expect(at(us, 'spec.template.spec.containers.0.resources.limits.memory')).toBe('512Mi');
    expect(at(dev, 'spec.template.spec.containers.0.image')).toBe('ghcr.io/opsloop/catalog:0.2.0-dev');
    expect(at(us, 'spec.template.spec.containers.0.image')).toBe(
      `ghcr.io/opsloop/catalog:${DEFAULT_IMAGE_TAG}`,
    );
    expect(at(us, 'metadata.labels')).toMatchObject({
      'opsloop.dev/environment': 'prod-us-east-1',
      'opsloop.dev/region': 'us-east-1',
    });
    const hosts = ['staging', 'prod-us-east-1', 'prod-eu-west-1', 'prod-ap-southeast-1'].map((env) => {
      const ingress = buildKustomization(tree.files, `overlays/${env}`).find((o) => o.kind === 'Ingress');
      return at(ingress, 'spec.rules.0.host');
    });
    expect(new Set(hosts).size).toBe(4);
    expect(buildKustomization(tree.files, 'overlays/dev').some((o) => o.kind === 'Ingress')).toBe(false);
  });

  it('a wrong overlay is caught: changing one patch value breaks the equality', () => {
    const files = new Map(tree.files);
    const path = 'overlays/prod-eu-west-1/kustomization.yaml';
    files.set(path, files.get(path)!.replace('count: 3', 'count: 2'));
    const built = byIdentity(buildKustomization(files, 'overlays/prod-eu-west-1'));
    const expected = byIdentity(envRender('prod-eu-west-1'));
    const differing = [...expected].filter(
      ([key, object]) => JSON.stringify(built.get(key)) !== JSON.stringify(object),
    );
    expect(differing.length).toBeGreaterThan(0);
  });
});

describe('overlays use only what can be checked here', () => {
  it.each(['dev', 'staging', 'prod-us-east-1', 'prod-eu-west-1', 'prod-ap-southeast-1'])('%s', (env) => {
    const dir = `overlays/${env}`;
    const k: Loose = parse(tree.files.get(`${dir}/kustomization.yaml`)!);
    expect(Object.keys(k).filter((key) => !ALLOWED_FIELDS.includes(key))).toEqual([]);
    expect(k.apiVersion).toBe('kustomize.config.k8s.io/v1beta1');
    expect(k.kind).toBe('Kustomization');
    expect(k.resources[0]).toBe('../../base');
    for (const resource of k.resources.slice(1)) {
      expect(resource).toMatch(/^[a-z0-9.-]+\.yaml$/);
      expect(tree.files.has(`${dir}/${resource}`)).toBe(true);
    }
    for (const entry of k.labels ?? []) {
      expect(Object.keys(entry).sort()).toEqual(['includeSelectors', 'includeTemplates', 'pairs']);
      expect(entry.includeSelectors).toBe(false);
    }
    for (const entry of k.replicas ?? []) expect(Object.keys(entry).sort()).toEqual(['count', 'name']);
    for (const entry of k.images ?? [])
      expect(Object.keys(entry).every((key) => ['name', 'newName', 'newTag'].includes(key))).toBe(true);
    for (const patch of k.patches ?? []) {
      expect(Object.keys(patch).sort()).toEqual(['patch', 'target']);
      expect(
        Object.keys(patch.target).every((key) => ['group', 'version', 'kind', 'name'].includes(key)),
      ).toBe(true);
      const operations = parse(patch.patch);
      expect(Array.isArray(operations)).toBe(true);
      expect(jsonpatch.validate(operations)).toBeUndefined();
      for (const op of operations) expect(['add', 'remove', 'replace']).toContain(op.op);
    }
  });
});

describe('Argo CD', () => {
  const argo = () => tree.objects.filter((o) => o.apiVersion === 'argoproj.io/v1alpha1');

  it('has one automated, pruning, self-healing Application per environment, following its overlay', () => {
    const apps = argo().filter((o) => o.kind === 'Application');
    expect(apps.map((a) => at(a, 'spec.source.path')).sort()).toEqual(
      environmentNames(spec).map((env) => `deploy/k8s/overlays/${env}`),
    );
    for (const app of apps) {
      expect(at(app, 'spec.syncPolicy.automated')).toEqual({ prune: true, selfHeal: true });
      expect(at(app, 'spec.syncPolicy.syncOptions')).toContain('CreateNamespace=true');
      expect(at(app, 'spec.source.repoURL')).toBe('https://github.com/opsloop/opsloop.git');
      expect(at(app, 'spec.project')).toBe('shop');
    }
    const dev = apps.find((a) => a.metadata.name === 'shop-dev');
    expect(at(dev, 'spec.destination')).toEqual({
      server: 'https://kubernetes.default.svc',
      namespace: 'shop-dev',
    });
    const eu = apps.find((a) => a.metadata.name === 'shop-prod-eu-west-1');
    expect(at(eu, 'spec.destination')).toEqual({ name: 'eu-west-1', namespace: 'shop' });
  });

  it('the AppProject admits the repository, the environments and only the kinds rendered', () => {
    const project = argo().find((o) => o.kind === 'AppProject');
    expect(at(project, 'spec.sourceRepos')).toEqual(['https://github.com/opsloop/opsloop.git']);
    expect(at(project, 'spec.clusterResourceWhitelist')).toEqual([{ group: '', kind: 'Namespace' }]);
    const kinds = at(project, 'spec.namespaceResourceWhitelist').map((k: Loose) => k.kind);
    expect(kinds).toContain('Deployment');
    expect(kinds).toContain('Ingress');
    expect(kinds).not.toContain('Namespace');
  });

  it('takes the repository, revision and folder as options', () => {
    const other = renderKustomizeTree(spec, {
      ...OPTIONS,
      argocd: { repoURL: 'https://git.example.com/shop.git', targetRevision: 'v2', repoPath: 'gitops' },
    });
    const app: Loose = parse(other.files.get('argocd/application-shop-staging.yaml')!);
    expect(app.spec.source).toEqual({
      repoURL: 'https://git.example.com/shop.git',
      targetRevision: 'v2',
      path: 'gitops/overlays/staging',
    });
  });
});

/** `kustomize` or `kubectl` on the PATH, if any: the real build is then compared too. */
function kustomizeBinary(): string[] | undefined {
  for (const [command, ...args] of [
    ['kustomize', 'build'],
    ['kubectl', 'kustomize'],
  ]) {
    const probe = spawnSync(command!, ['version'], { encoding: 'utf8' });
    if (probe.error === undefined && probe.status === 0) return [command!, ...args];
  }
  return undefined;
}
const binary = kustomizeBinary();

describe.skipIf(binary === undefined)(
  `${binary?.join(' ') ?? 'kustomize build'} (binary on the PATH)`,
  () => {
    it.each(['dev', 'staging', 'prod-us-east-1', 'prod-eu-west-1', 'prod-ap-southeast-1'])('%s', (env) => {
      const dir = mkdtempSync(join(tmpdir(), 'opsloop-kustomize-'));
      try {
        for (const [path, text] of tree.files) {
          mkdirSync(dirname(join(dir, path)), { recursive: true });
          writeFileSync(join(dir, path), text);
        }
        const [command, ...args] = binary!;
        const result = spawnSync(command!, [...args, join(dir, 'overlays', env)], { encoding: 'utf8' });
        expect(result.status, result.stderr).toBe(0);
        const built = byIdentity(parseAllDocuments(result.stdout).map((doc) => doc.toJS() as K8sObject));
        const expected = byIdentity(envRender(env));
        expect([...built.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [key, object] of expected) expect(built.get(key), key).toEqual(object);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);
