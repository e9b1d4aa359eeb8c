import { formatMessage } from '../message.js';
import { containers, isRecord, POD_MATCH, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  missing: 'container "%s" keeps running but has no %s',
};

const PROBES = ['livenessProbe', 'readinessProbe'] as const;

/**
 * Liveness (restart a hung process) and readiness (no traffic before it can serve) on every container that
 * keeps running: app containers of long-running pods and native sidecars; not Jobs, not plain init containers.
 */
export const containerProbes: PolicyRule = {
  id: 'container-probes',
  constraintKind: 'OpsloopContainerProbes',
  title: 'Long-running containers have liveness and readiness probes',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) =>
    containers(objects)
      .filter((c) => c.longRunning)
      .flatMap((c) =>
        PROBES.filter((probe) => !isRecord(c.container[probe])).map((probe) =>
          violation(
            'container-probes',
            c.pod.object,
            `${c.path}.${probe}`,
            formatMessage(messages.missing, [c.name, probe]),
          ),
        ),
      ),
  rego: `probes := ["livenessProbe", "readinessProbe"]

violation[{"msg": msg}] {
  c := containers[_]
  long_running_container(c)
  probe := probes[_]
  not c.container[probe]
  msg := sprintf(${regoString(messages.missing)}, [c.container.name, probe])
}
`,
};
