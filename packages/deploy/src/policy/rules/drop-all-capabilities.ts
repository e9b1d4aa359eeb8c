import { formatMessage } from '../message.js';
import { containers, listAt, POD_MATCH, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule, Violation } from '../types.js';

const capabilityMessages = {
  drop: 'container "%s" does not drop ALL capabilities',
  add: 'container "%s" adds capability %s: only NET_BIND_SERVICE may be added',
};

/** Drop ALL; add back at most NET_BIND_SERVICE (what the "restricted" Pod Security Standard allows). */
export const dropAllCapabilities: PolicyRule = {
  id: 'drop-all-capabilities',
  constraintKind: 'OpsloopDropAllCapabilities',
  title: 'Containers drop ALL capabilities and add none but NET_BIND_SERVICE',
  severity: 'error',
  messages: capabilityMessages,
  match: POD_MATCH,
  check: (objects) =>
    containers(objects).flatMap((c) => {
      const found: Violation[] = [];
      const path = `${c.path}.securityContext.capabilities`;
      if (!listAt(c.container, 'securityContext', 'capabilities', 'drop').includes('ALL'))
        found.push(
          violation(
            'drop-all-capabilities',
            c.pod.object,
            `${path}.drop`,
            formatMessage(capabilityMessages.drop, [c.name]),
          ),
        );
      listAt(c.container, 'securityContext', 'capabilities', 'add').forEach((capability, i) => {
        if (capability !== 'NET_BIND_SERVICE')
          found.push(
            violation(
              'drop-all-capabilities',
              c.pod.object,
              `${path}.add[${i}]`,
              formatMessage(capabilityMessages.add, [c.name, String(capability)]),
            ),
          );
      });
      return found;
    }),
  rego: `drops_all(c) {
  c.container.securityContext.capabilities.drop[_] == "ALL"
}

violation[{"msg": msg}] {
  c := containers[_]
  not drops_all(c)
  msg := sprintf(${regoString(capabilityMessages.drop)}, [c.container.name])
}

violation[{"msg": msg}] {
  c := containers[_]
  capability := c.container.securityContext.capabilities.add[_]
  capability != "NET_BIND_SERVICE"
  msg := sprintf(${regoString(capabilityMessages.add)}, [c.container.name, capability])
}
`,
};
