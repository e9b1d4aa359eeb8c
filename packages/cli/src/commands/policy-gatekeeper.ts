import { isGeneratedPolicyFile, renderGatekeeper } from '@opsloop/deploy';
import { writeGeneratedTree } from './generated-tree.js';
import { DEFAULT_ALLOWED_REGISTRIES } from './policy.js';

/** Flags of `opsloop policy gatekeeper`. */
export interface PolicyGatekeeperOptions {
  out: string;
  allowedRegistry: string[];
}

/**
 * `opsloop policy gatekeeper`: writes the ConstraintTemplates, Constraints, sync Config and kustomization of
 * the policy rules under `--out`. Like `render kustomize`, it replaces and removes only files it generated.
 */
export async function policyGatekeeper(options: PolicyGatekeeperOptions): Promise<number> {
  const allowedRegistries =
    options.allowedRegistry.length === 0 ? DEFAULT_ALLOWED_REGISTRIES : options.allowedRegistry;
  const files = renderGatekeeper({ allowedRegistries });
  await writeGeneratedTree({
    out: options.out,
    files,
    isGenerated: isGeneratedPolicyFile,
    command: 'opsloop policy gatekeeper',
  });
  return 0;
}
