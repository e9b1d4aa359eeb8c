import { formatMessage } from '../message.js';
import { containers, POD_MATCH, recordAt, violation, type ContainerAt } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule, Violation } from '../types.js';

/*
 * The container securityContext rules of the Pod Security Standard "restricted" (which the renderer's
 * Namespace enforces), plus a read-only root filesystem: one rule per field, each its own constraint so a
 * cluster can relax one without the others. This file builds them; each rule has its own file.
 */

/** A rule that flags every container whose `securityContext.<field>` is not `expected`. */
export function securityField(
  id: string,
  constraintKind: string,
  title: string,
  field: string,
  expected: boolean,
  message: string,
  /** Whether leaving the field out breaks the rule (false: only an explicit bad value does). */
  required: boolean,
): PolicyRule {
  const messages = { field: message };
  const broken = (c: ContainerAt): boolean => {
    const value = recordAt(c.container, 'securityContext')?.[field];
    return value === undefined ? required : value !== expected;
  };
  return {
    id,
    constraintKind,
    title,
    severity: 'error',
    messages,
    match: POD_MATCH,
    check: (objects): Violation[] =>
      containers(objects)
        .filter(broken)
        .map((c) =>
          violation(id, c.pod.object, `${c.path}.securityContext.${field}`, formatMessage(message, [c.name])),
        ),
    rego: required
      ? `violation[{"msg": msg}] {
  c := containers[_]
  not object.get(object.get(c.container, "securityContext", {}), ${regoString(field)}, ${String(!expected)}) == ${String(expected)}
  msg := sprintf(${regoString(message)}, [c.container.name])
}
`
      : `violation[{"msg": msg}] {
  c := containers[_]
  c.container.securityContext[${regoString(field)}] == ${String(!expected)}
  msg := sprintf(${regoString(message)}, [c.container.name])
}
`,
  };
}
