import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { INetworkPolicyEgressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyEgressRule';
import type { INetworkPolicyIngressRule } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyIngressRule';
import type { INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicyPort';
import { typedObject, type K8sObject } from './k8s-object.js';
import { selectorLabels } from './labels.js';
import type { NetworkPeer, ResolvedOptions } from './options.js';
import { CONTAINER_PORT } from './service-env.js';
import type { SystemSpec } from './spec-types.js';

const tcp = (port: number): INetworkPolicyPort => ({ protocol: 'TCP', port });
const HTTP_PORTS = [tcp(CONTAINER_PORT)];

/** The namespace's baseline: nothing in or out (`default-deny`), then DNS out for every pod (`allow-dns`). */
export function renderBaselinePolicies(
  options: ResolvedOptions,
  labels: Record<string, string>,
): K8sObject[] {
  return [
    typedObject<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny', namespace: options.namespace, labels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    }),
    typedObject<INetworkPolicy>({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'allow-dns', namespace: options.namespace, labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [
          {
            to: options.dnsPeers,
            ports: [
              { protocol: 'UDP', port: 53 },
              { protocol: 'TCP', port: 53 },
            ],
          },
        ],
      },
    }),
  ];
}

/** The services whose `dependsOn` names `service`: exactly who may call it. */
export function callersOf(spec: SystemSpec, service: string): string[] {
  return Object.keys(spec.services)
    .filter((name) => spec.services[name]?.dependsOn.includes(service))
    .sort();
}

/** Inputs of {@link renderServicePolicy}. */
export interface ServicePolicyInput {
  name: string;
  spec: SystemSpec;
  usesBus: boolean;
  usesDatabase: boolean;
  labels: Record<string, string>;
  options: ResolvedOptions;
}

/**
 * One service's NetworkPolicy (on top of default-deny): in from exactly the services that declare it in
 * `dependsOn`, from the ingress controller when it is exposed, and from the metrics scraper; out to exactly
 * its own `dependsOn`, to the trace collector when there is one, and to NATS / PostgreSQL when it uses them. A rule is never rendered with an empty
 * peer list (that would mean "everyone").
 */
export function renderServicePolicy(input: ServicePolicyInput): K8sObject {
  const { name, spec, usesBus, usesDatabase, labels, options } = input;
  const service = spec.services[name];
  if (service === undefined) throw new Error(`unknown service ${name}`);
  const podPeer = (other: string): NetworkPeer => ({ podSelector: { matchLabels: selectorLabels(other) } });
  const ingress: INetworkPolicyIngressRule[] = [];
  const callers = callersOf(spec, name);
  if (callers.length > 0) ingress.push({ from: callers.map(podPeer), ports: HTTP_PORTS });
  if (service.expose !== undefined && options.ingressPeers.length > 0)
    ingress.push({ from: options.ingressPeers, ports: HTTP_PORTS });
  if (options.monitoringPeers.length > 0) ingress.push({ from: options.monitoringPeers, ports: HTTP_PORTS });
  const egress: INetworkPolicyEgressRule[] = [];
  const deps = [...service.dependsOn].sort();
  if (deps.length > 0) egress.push({ to: deps.map(podPeer), ports: HTTP_PORTS });
  if (options.otlp !== undefined && options.otlp.peers.length > 0)
    egress.push({ to: options.otlp.peers, ports: [tcp(options.otlp.port)] });
  if (usesBus && options.nats !== undefined && options.nats.peers.length > 0)
    egress.push({ to: options.nats.peers, ports: [tcp(options.nats.port)] });
  if (usesDatabase && options.postgres !== undefined && options.postgres.peers.length > 0)
    egress.push({ to: options.postgres.peers, ports: [tcp(options.postgres.port)] });
  return typedObject<INetworkPolicy>({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      podSelector: { matchLabels: selectorLabels(name) },
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    },
  });
}
