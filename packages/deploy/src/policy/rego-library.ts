/*
 * Rego shared by the pod rules, the same walk as pods.ts: where each kind keeps its pod spec, which pods keep
 * running, and every container with its path. Gatekeeper templates cannot import each other's packages
 * (`libs` would, but then each template carries them anyway), so every template inlines this block.
 * Rego v0 syntax (`violation[...] { ... }`), which every Gatekeeper 3.x accepts.
 */
export const REGO_LIBRARY = `template_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout", "Job"}

long_running_kinds := {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Rollout"}

pods[p] {
  obj := input.review.object
  template_kinds[obj.kind]
  p := {"kind": obj.kind, "path": "spec.template.spec", "spec": obj.spec.template.spec}
}

pods[p] {
  obj := input.review.object
  obj.kind == "CronJob"
  p := {"kind": obj.kind, "path": "spec.jobTemplate.spec.template.spec", "spec": obj.spec.jobTemplate.spec.template.spec}
}

pods[p] {
  obj := input.review.object
  obj.kind == "Pod"
  p := {"kind": obj.kind, "path": "spec", "spec": obj.spec}
}

long_running_pod(p) {
  long_running_kinds[p.kind]
}

long_running_pod(p) {
  p.kind == "Pod"
  not p.spec.restartPolicy
}

long_running_pod(p) {
  p.kind == "Pod"
  p.spec.restartPolicy == "Always"
}

container_fields := ["initContainers", "containers"]

containers[c] {
  p := pods[_]
  field := container_fields[_]
  ctr := p.spec[field][i]
  c := {"pod": p, "field": field, "path": sprintf("%s.%s[%d]", [p.path, field, i]), "container": ctr}
}

long_running_container(c) {
  c.field == "containers"
  long_running_pod(c.pod)
}

long_running_container(c) {
  c.field == "initContainers"
  c.container.restartPolicy == "Always"
  long_running_pod(c.pod)
}
`;

/** A Rego string literal (JSON's escapes are Rego's). */
export const regoString = (text: string): string => JSON.stringify(text);
