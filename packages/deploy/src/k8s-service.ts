import type { IService } from 'kubernetes-models/v1/Service';
import { typedObject, type K8sObject } from './k8s-object.js';
import { selectorLabels } from './labels.js';
import type { ResolvedOptions } from './options.js';

/**
 * A service's ClusterIP Service: port 80 to the container's `http` port, which carries both HTTP/1.1 (REST,
 * probes, /metrics) and cleartext HTTP/2 gRPC (the kit tells them apart by the connection preface).
 */
export function renderService(
  name: string,
  labels: Record<string, string>,
  options: ResolvedOptions,
  serviceName = name,
): K8sObject {
  return typedObject<IService>({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: serviceName, namespace: options.namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(name),
      ports: [
        {
          name: 'http',
          port: 80,
          targetPort: 'http',
          protocol: 'TCP',
          ...(options.appProtocol === undefined ? {} : { appProtocol: options.appProtocol }),
        },
      ],
    },
  });
}
