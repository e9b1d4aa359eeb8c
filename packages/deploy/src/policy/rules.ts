import { allowedRegistries } from './rules/allowed-registries.js';
import { containerProbes } from './rules/container-probes.js';
import { containerResources } from './rules/container-resources.js';
import { dropAllCapabilities } from './rules/drop-all-capabilities.js';
import { noPrivilegeEscalation } from './rules/no-privilege-escalation.js';
import { noPrivileged } from './rules/no-privileged.js';
import { readOnlyRootFilesystem } from './rules/read-only-root-filesystem.js';
import { podDisruptionBudget } from './rules/disruption-budget.js';
import { noHostNamespaces } from './rules/host-namespaces.js';
import { noHostPath } from './rules/host-path.js';
import { imagePinned } from './rules/image-pinned.js';
import { noInlineSecrets } from './rules/inline-secrets.js';
import { runAsNonRoot } from './rules/run-as-non-root.js';
import type { PolicyRule } from './types.js';

/** Every rule, in the order violations are reported; deploy/policy has one template and constraint each. */
export const POLICY_RULES: readonly PolicyRule[] = [
  imagePinned,
  allowedRegistries,
  containerResources,
  containerProbes,
  podDisruptionBudget,
  runAsNonRoot,
  noPrivilegeEscalation,
  noPrivileged,
  readOnlyRootFilesystem,
  dropAllCapabilities,
  noHostNamespaces,
  noHostPath,
  noInlineSecrets,
];
