import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  DEFAULT_IMAGE_REGISTRY,
  DEFAULT_IMAGE_TAG,
  isGeneratedFile,
  profileOptions,
  RenderError,
  renderKubernetes,
  renderKustomizeTree,
  toYaml,
  validateManifests,
  type K8sObject,
} from '@opsloop/deploy';
import { loadSpec, SpecError, type LoadedSpec } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { writeGeneratedTree } from './generated-tree.js';

export { DEFAULT_IMAGE_REGISTRY, DEFAULT_IMAGE_TAG };

/** Flags of `opsloop render k8s`. */
export interface RenderK8sOptions {
  file: string;
  env?: string;
  imageRegistry: string;
  imageTag: string;
}

/** Flags of `opsloop render kustomize`. */
export interface RenderKustomizeOptions {
  file: string;
  out: string;
  imageRegistry: string;
  imageTag: string;
  repoUrl?: string;
  revision?: string;
  repoPath?: string;
}

async function load(file: string): Promise<LoadedSpec> {
  try {
    return await loadSpec(file);
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    throw error;
  }
}

/** Runs a render, turning a RenderError (a bad option or environment) into the CLI's one-line error. */
function rendering<T>(work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof RenderError) throw new CliError(error.message);
    throw error;
  }
}

/** Prints every validation problem on its own line; true when there were any. */
function reportProblems(objects: readonly K8sObject[]): boolean {
  const problems = validateManifests(objects);
  for (const problem of problems) process.stderr.write(`opsloop: invalid manifest: ${problem}\n`);
  return problems.length > 0;
}

/** `opsloop render k8s`: the spec (or one environment of it) as validated multi-document YAML on stdout. */
export async function renderK8s(options: RenderK8sOptions): Promise<number> {
  const { spec } = await load(options.file);
  const objects = rendering(() =>
    renderKubernetes(spec, {
      imageRegistry: options.imageRegistry,
      imageTag: options.imageTag,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...profileOptions(spec.metadata.name),
    }),
  );
  if (reportProblems(objects)) return 1;
  process.stdout.write(toYaml(objects));
  return 0;
}

/** Where the tree sits in the repository (Argo CD's `path`): `--out` relative to the spec's folder. */
function repoPathOf(out: string, spec: LoadedSpec, given: string | undefined): string | undefined {
  if (given !== undefined) return given;
  const path = relative(spec.dir, out).split(sep).join('/');
  return path === '' || path.startsWith('..') || isAbsolute(path) ? undefined : path;
}

/**
 * `opsloop render kustomize`: writes the Kustomize tree (base, one overlay per environment, Argo CD) under
 * `--out`. It overwrites and deletes only files it wrote before (they start with the generated header), and
 * refuses to replace any other file.
 */
export async function renderKustomize(options: RenderKustomizeOptions): Promise<number> {
  const loaded = await load(options.file);
  const out = resolve(options.out);
  const repoPath = repoPathOf(out, loaded, options.repoPath);
  const tree = rendering(() =>
    renderKustomizeTree(loaded.spec, {
      imageRegistry: options.imageRegistry,
      imageTag: options.imageTag,
      ...profileOptions(loaded.spec.metadata.name),
      argocd: {
        ...(options.repoUrl === undefined ? {} : { repoURL: options.repoUrl }),
        ...(options.revision === undefined ? {} : { targetRevision: options.revision }),
        ...(repoPath === undefined ? {} : { repoPath }),
      },
    }),
  );
  if (reportProblems(tree.objects)) return 1;

  await writeGeneratedTree({
    out: options.out,
    files: tree.files,
    isGenerated: isGeneratedFile,
    command: 'opsloop render kustomize',
  });
  return 0;
}
