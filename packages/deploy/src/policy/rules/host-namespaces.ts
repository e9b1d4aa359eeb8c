import { formatMessage } from '../message.js';
import { containers, isRecord, listAt, POD_MATCH, podSpecs, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule, Violation } from '../types.js';

const messages = {
  namespace: 'pod shares the host namespace: %s is true',
  port: 'container "%s" binds host port %v',
};

const HOST_FIELDS = ['hostNetwork', 'hostPID', 'hostIPC'] as const;

/** No host network, PID or IPC namespace, and no host ports (host networking through the back door). */
export const noHostNamespaces: PolicyRule = {
  id: 'no-host-namespaces',
  constraintKind: 'OpsloopNoHostNamespaces',
  title: 'Pods use neither the host network, PID or IPC namespaces nor host ports',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) => {
    const found: Violation[] = [];
    for (const pod of podSpecs(objects))
      for (const field of HOST_FIELDS)
        if (pod.spec[field] === true)
          found.push(
            violation(
              'no-host-namespaces',
              pod.object,
              `${pod.path}.${field}`,
              formatMessage(messages.namespace, [field]),
            ),
          );
    for (const c of containers(objects))
      listAt(c.container, 'ports').forEach((port, i) => {
        const hostPort = isRecord(port) ? port['hostPort'] : undefined;
        if (typeof hostPort === 'number' && hostPort !== 0)
          found.push(
            violation(
              'no-host-namespaces',
              c.pod.object,
              `${c.path}.ports[${i}].hostPort`,
              formatMessage(messages.port, [c.name, hostPort]),
            ),
          );
      });
    return found;
  },
  rego: `host_fields := ["hostNetwork", "hostPID", "hostIPC"]

violation[{"msg": msg}] {
  p := pods[_]
  field := host_fields[_]
  p.spec[field] == true
  msg := sprintf(${regoString(messages.namespace)}, [field])
}

violation[{"msg": msg}] {
  c := containers[_]
  port := c.container.ports[_].hostPort
  port != 0
  msg := sprintf(${regoString(messages.port)}, [c.container.name, port])
}
`,
};
