import { formatMessage } from '../message.js';
import type { K8sObject } from '../../k8s-object.js';
import { isRecord, listAt, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  inline: 'Secret carries inline %s: create it from the secret store with an ExternalSecret',
};

const FIELDS = ['data', 'stringData'] as const;

const exempt = (object: K8sObject): boolean =>
  listAt(object, 'metadata', 'ownerReferences').length > 0 ||
  object['type'] === 'kubernetes.io/service-account-token';

/**
 * No secret values in the manifests (they would sit in git and in every render): the renderer emits
 * ExternalSecrets, and the Secrets they create are the operator's, not the manifests'. An empty Secret passes,
 * and so does one with an owner (an operator made it) or a service-account token. In the cluster other tools
 * write Secrets too (cert-manager, Helm), so the constraint warns rather than denies.
 */
export const noInlineSecrets: PolicyRule = {
  id: 'no-inline-secrets',
  constraintKind: 'OpsloopNoInlineSecrets',
  title: 'No Secret with inline data in the manifests (use ExternalSecrets)',
  severity: 'warning',
  messages,
  match: [{ apiGroups: [''], kinds: ['Secret'] }],
  check: (objects) =>
    objects
      .filter((object) => object.kind === 'Secret' && !exempt(object))
      .flatMap((object) =>
        FIELDS.filter((field) => isRecord(object[field]) && Object.keys(object[field]).length > 0).map(
          (field) => violation('no-inline-secrets', object, field, formatMessage(messages.inline, [field])),
        ),
      ),
  rego: `inline_fields := ["data", "stringData"]

violation[{"msg": msg}] {
  obj := input.review.object
  obj.kind == "Secret"
  field := inline_fields[_]
  count(object.get(obj, field, {})) > 0
  not exempt(obj)
  msg := sprintf(${regoString(messages.inline)}, [field])
}

# Operators (External Secrets among them) own the Secrets they write.
exempt(obj) {
  count(obj.metadata.ownerReferences) > 0
}

exempt(obj) {
  obj.type == "kubernetes.io/service-account-token"
}
`,
};
