import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { RenderError } from './errors.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import type { SystemSpec } from './spec-types.js';

/** Secret of the Ingress's certificate: `<service>-tls` (cert-manager or an ExternalSecret makes it). */
export const tlsSecretName = (service: string): string => `${service}-tls`;

/**
 * The Ingress of an environment's public host: every path to the exposed (entry) service's Service, TLS with
 * the `<service>-tls` Secret. None without a host.
 * @throws RenderError when a host is set but not exactly one service has `expose:`.
 */
export function renderIngress(
  spec: SystemSpec,
  labelsOf: (service: string) => Record<string, string>,
  options: ResolvedOptions,
): K8sObject[] {
  const { host } = options;
  if (host === undefined) return [];
  const exposed = Object.keys(spec.services)
    .filter((name) => spec.services[name]?.expose !== undefined)
    .sort();
  const [entry] = exposed;
  if (entry === undefined || exposed.length > 1)
    throw new RenderError(
      `environments.${String(options.env)}.host: needs exactly one service with expose: (found ${exposed.length === 0 ? 'none' : exposed.join(', ')})`,
    );
  return [
    typedObject<IIngress>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: { name: entry, namespace: options.namespace, labels: labelsOf(entry) },
      spec: {
        ingressClassName: options.ingressClassName,
        tls: [{ hosts: [host], secretName: tlsSecretName(entry) }],
        rules: [
          {
            host,
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: entry, port: { name: 'http' } } },
                },
              ],
            },
          },
        ],
      },
    }),
  ];
}
