import { formatMessage } from '../message.js';
import { containers, POD_MATCH, recordAt, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  mayBeRoot: 'container "%s" may run as root: set runAsNonRoot: true on the pod or the container',
  root: 'container "%s" runs as user 0 (root)',
};

/** A container setting wins over the pod's, as the kubelet applies them. */
export const runAsNonRoot: PolicyRule = {
  id: 'run-as-non-root',
  constraintKind: 'OpsloopRunAsNonRoot',
  title: 'Containers run as a non-root user',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) =>
    containers(objects).flatMap((c) => {
      const own = recordAt(c.container, 'securityContext') ?? {};
      const pod = recordAt(c.pod.spec, 'securityContext') ?? {};
      const found = [];
      const nonRoot = own['runAsNonRoot'] ?? pod['runAsNonRoot'];
      if (nonRoot !== true)
        found.push(
          violation(
            'run-as-non-root',
            c.pod.object,
            `${c.path}.securityContext.runAsNonRoot`,
            formatMessage(messages.mayBeRoot, [c.name]),
          ),
        );
      const userPath =
        own['runAsUser'] !== undefined
          ? `${c.path}.securityContext.runAsUser`
          : `${c.pod.path}.securityContext.runAsUser`;
      if ((own['runAsUser'] ?? pod['runAsUser']) === 0)
        found.push(
          violation('run-as-non-root', c.pod.object, userPath, formatMessage(messages.root, [c.name])),
        );
      return found;
    }),
  rego: `run_as_non_root(c) {
  c.container.securityContext.runAsNonRoot == true
}

run_as_non_root(c) {
  not has_key(object.get(c.container, "securityContext", {}), "runAsNonRoot")
  c.pod.spec.securityContext.runAsNonRoot == true
}

has_key(obj, key) {
  _ = obj[key]
}

run_as_user(c) = user {
  user := c.container.securityContext.runAsUser
}

run_as_user(c) = user {
  not has_key(object.get(c.container, "securityContext", {}), "runAsUser")
  user := c.pod.spec.securityContext.runAsUser
}

violation[{"msg": msg}] {
  c := containers[_]
  not run_as_non_root(c)
  msg := sprintf(${regoString(messages.mayBeRoot)}, [c.container.name])
}

violation[{"msg": msg}] {
  c := containers[_]
  run_as_user(c) == 0
  msg := sprintf(${regoString(messages.root)}, [c.container.name])
}
`,
};
