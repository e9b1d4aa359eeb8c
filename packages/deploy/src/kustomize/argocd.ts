import type { ApplicationObject, AppProjectObject } from '../crd-schemas.js';
import { typedObject, type K8sObject } from '../k8s-object.js';

/** Where an environment's Application deploys: a cluster by API server URL or by its Argo CD name. */
export type ArgoDestination = { server: string } | { name: string };

/** Argo CD settings of {@link renderKustomizeTree}. */
export interface ArgoCdOptions {
  /** Git repository Argo CD pulls; `https://github.com/opsloop/opsloop.git` by default. */
  repoURL?: string;
  /** Branch, tag or commit to follow; `main` by default. */
  targetRevision?: string;
  /** The tree's folder inside the repository; `deploy/k8s` by default. */
  repoPath?: string;
  /** Namespace Argo CD runs in (its objects live there); `argocd` by default. */
  namespace?: string;
  /**
   * Cluster per environment. By default an environment with a region deploys to the cluster registered in
   * Argo CD under that region's name (`name: eu-west-1`: one cluster per region), one without a region to
   * the cluster Argo CD runs in (`https://kubernetes.default.svc`).
   */
  destinations?: Readonly<Record<string, ArgoDestination>>;
}

/** One environment as the Argo CD objects see it. */
export interface ArgoEnvironment {
  name: string;
  namespace: string;
  region: string | undefined;
  /** `group kind` of every object its overlay renders, with whether it is cluster-scoped. */
  kinds: readonly { group: string; kind: string; clusterScoped: boolean }[];
}

/** Kinds without a namespace among those the renderer writes. */
export const CLUSTER_SCOPED_KINDS: readonly string[] = ['Namespace'];

const IN_CLUSTER = 'https://kubernetes.default.svc';

/** Group and kind of an object (`apps`, `Deployment`; `''` for the core group). */
export function groupKindOf(object: K8sObject): { group: string; kind: string; clusterScoped: boolean } {
  const slash = object.apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : object.apiVersion.slice(0, slash),
    kind: object.kind,
    clusterScoped: CLUSTER_SCOPED_KINDS.includes(object.kind),
  };
}

function whitelist(environments: readonly ArgoEnvironment[], clusterScoped: boolean) {
  const seen = new Map<string, { group: string; kind: string }>();
  for (const env of environments)
    for (const kind of env.kinds)
      if (kind.clusterScoped === clusterScoped)
        seen.set(`${kind.group} ${kind.kind}`, { group: kind.group, kind: kind.kind });
  return [...seen.values()].sort((a, b) => `${a.group} ${a.kind}`.localeCompare(`${b.group} ${b.kind}`));
}

/**
 * The Argo CD objects of a system: an AppProject that admits only this repository, the environments'
 * namespaces and the kinds the overlays render (least privilege), and one Application per environment
 * following `<repoPath>/overlays/<env>` with automated sync, prune and self-heal. Rollback is a git revert:
 * Argo CD syncs whatever the followed revision holds.
 */
export function renderArgoCd(
  system: string,
  environments: readonly ArgoEnvironment[],
  options: ArgoCdOptions = {},
): K8sObject[] {
  const namespace = options.namespace ?? 'argocd';
  const repoURL = options.repoURL ?? 'https://github.com/opsloop/opsloop.git';
  const repoPath = (options.repoPath ?? 'deploy/k8s').replace(/\/+$/, '');
  const destinationOf = (env: ArgoEnvironment): ArgoDestination =>
    options.destinations?.[env.name] ??
    (env.region === undefined ? { server: IN_CLUSTER } : { name: env.region });
  const labels = { 'app.kubernetes.io/part-of': system, 'app.kubernetes.io/managed-by': 'opsloop' };
  const project = typedObject<AppProjectObject>({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'AppProject',
    metadata: { name: system, namespace, labels },
    spec: {
      description: `${system}: every environment rendered from opsloop.yaml`,
      sourceRepos: [repoURL],
      destinations: environments.map((env) => ({ ...destinationOf(env), namespace: env.namespace })),
      clusterResourceWhitelist: whitelist(environments, true),
      namespaceResourceWhitelist: whitelist(environments, false),
    },
  });
  const applications = environments.map((env) =>
    typedObject<ApplicationObject>({
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: {
        name: `${system}-${env.name}`,
        namespace,
        labels: { ...labels, 'opsloop.dev/environment': env.name },
      },
      spec: {
        project: system,
        source: {
          repoURL,
          targetRevision: options.targetRevision ?? 'main',
          path: `${repoPath}/overlays/${env.name}`,
        },
        destination: { ...destinationOf(env), namespace: env.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['CreateNamespace=true'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
        revisionHistoryLimit: 10,
      },
    }),
  );
  return [project, ...applications];
}
