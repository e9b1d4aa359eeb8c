import { formatMessage } from '../message.js';
import { containers, POD_MATCH, recordAt, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  missing: 'container "%s" has no %s',
};

/*
 * A CPU request (scheduling and fair shares), a memory request and a memory limit (the OOM boundary). No CPU
 * limit is required: throttling hurts latency and the renderer sets none on purpose.
 */
const REQUIRED = [
  ['requests', 'cpu'],
  ['requests', 'memory'],
  ['limits', 'memory'],
] as const;

/** Requests and limits on every container, init containers included (they are scheduled too). */
export const containerResources: PolicyRule = {
  id: 'container-resources',
  constraintKind: 'OpsloopContainerResources',
  title: 'Every container sets a CPU request, a memory request and a memory limit',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) =>
    containers(objects).flatMap((c) =>
      REQUIRED.flatMap(([section, resource]) => {
        const value = recordAt(c.container, 'resources', section)?.[resource];
        if (value !== undefined && value !== null && value !== '') return [];
        const field = `resources.${section}.${resource}`;
        return [
          violation(
            'container-resources',
            c.pod.object,
            `${c.path}.${field}`,
            formatMessage(messages.missing, [c.name, field]),
          ),
        ];
      }),
    ),
  rego: `required := [["requests", "cpu"], ["requests", "memory"], ["limits", "memory"]]

violation[{"msg": msg}] {
  c := containers[_]
  r := required[_]
  not c.container.resources[r[0]][r[1]]
  msg := sprintf(${regoString(messages.missing)}, [c.container.name, concat(".", ["resources", r[0], r[1]])])
}
`,
};
