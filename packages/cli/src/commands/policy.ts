import {
  checkPolicies,
  DEFAULT_IMAGE_REGISTRY,
  formatViolation,
  POLICY_RULES,
  profileOptions,
  RenderError,
  renderKubernetes,
  type K8sObject,
} from '@opsloop/deploy';
import { loadSpec, SpecError } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { readManifests } from './policy-manifests.js';

/** Flags of `opsloop policy check`. */
export interface PolicyCheckOptions {
  file: string;
  env?: string;
  manifests?: string;
  imageRegistry: string;
  imageTag: string;
  /** Empty: the default registry. */
  allowedRegistry: string[];
  output: 'table' | 'json';
}

/** `--allowed-registry` when not given: where `render` puts the images. */
export const DEFAULT_ALLOWED_REGISTRIES: readonly string[] = [DEFAULT_IMAGE_REGISTRY];

/** The spec rendered as `opsloop render k8s` renders it. */
async function renderSpec(options: PolicyCheckOptions): Promise<K8sObject[]> {
  let spec;
  try {
    spec = (await loadSpec(options.file)).spec;
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    throw error;
  }
  try {
    return renderKubernetes(spec, {
      imageRegistry: options.imageRegistry,
      imageTag: options.imageTag,
      ...(options.env === undefined ? {} : { env: options.env }),
      ...profileOptions(spec.metadata.name),
    });
  } catch (error) {
    if (error instanceof RenderError) throw new CliError(error.message);
    throw error;
  }
}

/**
 * `opsloop policy check`: every policy rule over the rendered spec, or over YAML manifests with `--manifests`.
 * Prints one line per violation and a summary; 0 when clean, 1 with violations.
 */
export async function policyCheck(options: PolicyCheckOptions): Promise<number> {
  if (options.manifests !== undefined && options.env !== undefined)
    throw new CliError('--env renders the spec; it cannot be combined with --manifests');
  const objects =
    options.manifests === undefined ? await renderSpec(options) : await readManifests(options.manifests);
  const allowedRegistries =
    options.allowedRegistry.length === 0 ? DEFAULT_ALLOWED_REGISTRIES : options.allowedRegistry;
  const violations = checkPolicies(objects, { allowedRegistries });
  const source =
    options.manifests ?? `${options.file}${options.env === undefined ? '' : ` (env ${options.env})`}`;

  if (options.output === 'json') {
    process.stdout.write(
      `${JSON.stringify(
        {
          source,
          objects: objects.length,
          rules: POLICY_RULES.map((r) => r.id),
          allowedRegistries,
          violations,
        },
        null,
        2,
      )}\n`,
    );
  } else {
    for (const violation of violations) process.stdout.write(`${formatViolation(violation)}\n`);
    const offenders = new Set(violations.map((v) => `${v.kind}/${v.namespace}/${v.name}`)).size;
    process.stdout.write(
      violations.length === 0
        ? `${source}: ${objects.length} objects pass all ${POLICY_RULES.length} rules\n`
        : `${source}: ${violations.length} violation${violations.length === 1 ? '' : 's'} in ${offenders} of ${objects.length} objects (${POLICY_RULES.length} rules)\n`,
    );
  }
  return violations.length === 0 ? 0 : 1;
}
