import type { ExternalSecretObject } from './crd-schemas.js';
import { typedObject, type K8sObject } from './k8s-object.js';
import type { ResolvedOptions } from './options.js';
import { databaseSecretName } from './service-env.js';
import type { SystemSpec } from './spec-types.js';

function externalSecret(
  name: string,
  options: ResolvedOptions,
  labels: Record<string, string>,
  source: Pick<ExternalSecretObject['spec'], 'data' | 'dataFrom'>,
): K8sObject {
  const store = options.secretStore;
  return typedObject<ExternalSecretObject>({
    apiVersion: 'external-secrets.io/v1beta1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      refreshInterval: store.refreshInterval,
      secretStoreRef: { name: store.name, kind: store.kind },
      target: { name, creationPolicy: 'Owner' },
      ...source,
    },
  });
}

/**
 * ExternalSecrets for every secret the spec's services inject (each remote entry `<prefix><secret>`
 * extracted whole: its properties become the Secret's keys, as the runtime's store holds them), and for each
 * database user's `DATABASE_URL` (remote `<prefix><service>-database`, property `url`). Values never pass
 * through here: the operator reads them from the store in the cluster.
 */
export function renderExternalSecrets(
  spec: SystemSpec,
  order: readonly string[],
  options: ResolvedOptions,
  labels: Record<string, string>,
  databaseUsers: readonly string[],
): K8sObject[] {
  const secrets = new Set<string>();
  for (const name of order)
    for (const ref of spec.services[name]?.inject ?? [])
      if (ref.secret !== undefined) secrets.add(ref.secret);
  const prefix = options.secretStore.remoteKeyPrefix;
  const objects = [...secrets]
    .sort()
    .map((secret) =>
      externalSecret(secret, options, labels, { dataFrom: [{ extract: { key: `${prefix}${secret}` } }] }),
    );
  if (options.postgres !== undefined)
    for (const service of databaseUsers) {
      const name = databaseSecretName(service);
      objects.push(
        externalSecret(name, options, labels, {
          data: [{ secretKey: 'DATABASE_URL', remoteRef: { key: `${prefix}${name}`, property: 'url' } }],
        }),
      );
    }
  return objects;
}
