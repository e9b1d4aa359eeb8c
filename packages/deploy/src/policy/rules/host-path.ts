import { formatMessage } from '../message.js';
import { isRecord, listAt, POD_MATCH, podSpecs, recordAt, violation } from '../pods.js';
import { regoString } from '../rego-library.js';
import type { PolicyRule } from '../types.js';

const messages = {
  hostPath: 'volume "%s" mounts the host path %s',
};

/** No hostPath volumes: a node's filesystem is not the application's. */
export const noHostPath: PolicyRule = {
  id: 'no-host-path',
  constraintKind: 'OpsloopNoHostPath',
  title: 'Pods mount no hostPath volumes',
  severity: 'error',
  messages,
  match: POD_MATCH,
  check: (objects) =>
    podSpecs(objects).flatMap((pod) =>
      listAt(pod.spec, 'volumes').flatMap((volume, i) => {
        const hostPath = recordAt(volume, 'hostPath');
        if (hostPath === undefined || !isRecord(volume)) return [];
        return [
          violation(
            'no-host-path',
            pod.object,
            `${pod.path}.volumes[${i}].hostPath`,
            formatMessage(messages.hostPath, [String(volume['name']), String(hostPath['path'])]),
          ),
        ];
      }),
    ),
  rego: `violation[{"msg": msg}] {
  p := pods[_]
  volume := p.spec.volumes[_]
  volume.hostPath
  msg := sprintf(${regoString(messages.hostPath)}, [volume.name, volume.hostPath.path])
}
`,
};
