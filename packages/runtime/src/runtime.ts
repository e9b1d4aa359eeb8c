import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import type { ServiceStatus, SystemStatus } from '@opsloop/contracts';
import { createEmbeddedBroker, type EmbeddedBroker } from '@opsloop/bus';
import type { Service } from '@opsloop/kit';
import { systemClock, type Clock } from '@opsloop/kit';
import { openAuditLog, type AuditLog } from './control-api/audit-log.js';
import { createControlApi, ScaleError } from './control-api/control-api.js';
import { dashboardDir } from './control-api/dashboard-assets.js';
import { newToken, TokenStore } from './control-api/tokens.js';
import type { EventListener } from './events.js';
import {
  backupTargetFor,
  createBackupController,
  type BackupController,
  type DataBackup,
} from './backup/index.js';
import { createTcpBalancer, type TcpBalancer } from './expose/tcp-balancer.js';
import { createFileLogSink, type LogSink, type LogStream } from './logs/log-sink.js';
import { hostTelemetry, otlpExporterEnv, type TelemetryHost } from './observe/telemetry-host.js';
import { startAnomalyWatch } from './observe/anomaly-watch.js';
import { startLogWatch, type LogWatch } from './observe/log-watch.js';
import { budgetRuleGroup, startBudgetWatch, type BudgetWatch } from './observe/budget-watch.js';
import { startIncidentWatch, type IncidentWatch } from './observe/incident-watch.js';
import { observeFlagChanges } from './observe/observed-flag-store.js';
import { createRuntimeRemediationPlatform } from './remediation/runtime-remediation-platform.js';
import type { LiveDetection } from '@opsloop/aiops';
import { canaryDetectors } from './analysis/canary-detectors.js';
import { EndpointRegistry } from './registry/registry.js';
import { isDeepStrictEqual } from 'node:util';
import { createEventLog } from './observe/event-log.js';
import { createChaosManager, type ChaosManager } from '@opsloop/chaos';
import { FAULT_TOKEN_ENV } from '@opsloop/kit';
import { chaosApiOf } from './chaos/chaos-api.js';
import { createReplicaFaultClient } from './chaos/replica-fault-client.js';
import { createRuntimeChaosPlatform } from './chaos/runtime-chaos-platform.js';
import {
  changedFlagKeys,
  createFlagStore,
  emptyFlagSet,
  loadFlagFile,
  parseFlagDefinitions,
  type FlagSet,
  type FlagStore,
} from '@opsloop/flags';
import { request as httpRequest } from 'undici';
import { createAutoscalingLoop, type AutoscalingLoop } from './autoscale/autoscaling-loop.js';
import { createScheduleController, type ScheduleController } from './schedule/schedule-controller.js';
import type { RolloutActionName, RolloutStatus } from './reconcile/rollout-status.js';
import { RolloutError, ServiceController } from './reconcile/service-controller.js';
import { resolveRefs, type ResolvedRefs, type SecretReader } from './secrets/config-refs.js';
import { materializeFiles } from './secrets/materialize-files.js';
import { createRedactor, type Redactor, type SecretValue } from './secrets/redactor.js';
import { redactObject } from './secrets/redact-object.js';
import { loadSecretKey } from './secrets/secret-key.js';
import { defaultSecretStorePath, openSecretStore, type SecretStore } from './secrets/secret-store.js';
import { ApplyError, describeChange, diffSpecs, type ServiceChange } from './reconcile/spec-diff.js';
import { trafficSampleOf, type TrafficSample } from './analysis/traffic-sample.js';
import {
  createTelemetryBackend,
  goldenSignalRecordingRules,
  parsePrometheusText,
  serviceHealthRules,
  sloRuleGroups,
  TELEMETRY_INGEST_ROUTES,
  TELEMETRY_OPERATOR_ROUTES,
} from '@opsloop/telemetry';
import type { ProgressEvent } from './reconcile/progressive-rollout.js';
import { PREVIEW_SUFFIX } from './registry/registry.js';
import { createCertificateAuthority, createIdentityIssuer, type IdentityIssuer } from './identity/index.js';
import { ReleaseRun, type ReleaseMember, type ReleaseStatus } from './reconcile/release-run.js';
import { templateRevision } from './reconcile/service-controller.js';
import { startOrder, type ServiceSpec, type SystemSpec } from './spec/schema.js';
import type { LoadedSpec } from './spec/load-spec.js';
import { httpProbe } from './supervisor/http-probe.js';
import { PortAllocator } from './supervisor/ports.js';
import { Replica, type ProbeRunner } from './supervisor/replica.js';
import { isProcessAlive, readStateFile, removeStateFile, writeStateFile } from './state-file.js';

/** Where alerts' `runbook_url` annotations point. */
const RUNBOOK_BASE_URL = 'https://github.com/opsloop/opsloop/blob/main/docs/runbooks';

/** `GET <url>` of a replica's Prometheus metrics, bounded in time; rejects on any status but 200. */
async function scrapeMetrics(url: string, timeoutMs: number): Promise<string> {
  const response = await httpRequest(url, { headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`${url} answered ${response.statusCode}`);
  return text;
}

const withoutSpec = <T extends { spec: unknown }>({ spec: _spec, ...rest }: T): Omit<T, 'spec'> => rest;
const withoutKind = <T extends { kind: string }>({ kind: _kind, ...rest }: T): Omit<T, 'kind'> => rest;

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  loaded: LoadedSpec;
  /** Where logs and the state file go; `<spec dir>/.opsloop` by default. */
  stateDir?: string;
  clock?: Clock;
  probe?: ProbeRunner;
  onEvent?: EventListener;
  /** Receives every replica output line (the CLI prints them). */
  onLog?: (replica: string, stream: LogStream, line: string) => void;
  /** Variables every replica inherits from the runtime's environment (others are not passed on). */
  inheritEnv?: readonly string[];
  /** Overrides `runtime.mtls.enabled` of the spec (`opsloop up --no-mtls`). */
  mtls?: boolean;
}

/** The result of {@link Runtime.start}. */
export interface StartResult {
  /** True if every replica became ready before the timeout. */
  ready: boolean;
  controlUrl: string;
  /** User-facing URLs: exposed services (and the control API). */
  endpoints: Record<string, string>;
  /** Replicas not ready when start returned. */
  notReady: string[];
}

/** A running system. */
export interface Runtime {
  /** Starts the control API, exposed addresses and replicas (in dependency order); waits up to `timeoutMs` for readiness. */
  start(timeoutMs?: number): Promise<StartResult>;
  status(): SystemStatus;
  /** Resolves when shutdown was requested through the control API. */
  readonly shutdownRequested: Promise<void>;
  /** Stops everything: replicas (drain, SIGTERM, SIGKILL after grace), exposed addresses, the control API. */
  stop(): Promise<void>;
  /** The admin token of this run (also in the state file). */
  readonly adminToken: string;
  /** Makes `spec` the desired state (see `opsloop apply`); resolves with what changes. */
  apply(spec: SystemSpec, options?: { dryRun?: boolean }): Promise<ServiceChange[]>;
  /** A service's rollout (`opsloop rollout status`); throws ScaleError for an unknown service. */
  rolloutStatus(service: string): RolloutStatus;
  /** `opsloop rollout <action>` of a service. */
  rolloutAction(service: string, action: RolloutActionName, toRevision?: string): Promise<RolloutStatus>;
  /** The latest release of each release group (`opsloop releases`). */
  releases(): ReleaseStatus[];
}

const DEFAULT_INHERITED_ENV = [
  'PATH',
  'HOME',
  'TMPDIR',
  'LANG',
  'LC_ALL',
  'TZ',
  'NODE_OPTIONS',
  'NODE_EXTRA_CA_CERTS',
];

/** Thrown when another runtime already runs from the same state directory. */
export class AlreadyRunningError extends Error {
  override readonly name = 'AlreadyRunningError';
}

/**
 * State directories claimed by runtimes of this process. The state file's pid cannot tell two runtimes of one
 * process apart, so without this a second one would take over (and, stopping, delete) the first one's state.
 */
const claimedStateDirs = new Set<string>();

/**
 * Creates the local runtime for a spec: a supervisor per replica, the endpoint registry, the control API
 * and a TCP balancer per exposed service. Nothing starts until {@link Runtime.start}.
 */
export function createRuntime(options: RuntimeOptions): Runtime {
  const { dir } = options.loaded;
  /** The desired state: the spec loaded at start, replaced by `apply`. */
  let spec = options.loaded.spec;
  const stateDir = options.stateDir ?? join(dir, '.opsloop');
  const clock = options.clock ?? systemClock;
  const eventLog = createEventLog(() => clock.now());
  const forward = options.onEvent ?? (() => {});
  // Every event is kept for `opsloop events` and handed to the caller (the CLI prints them).
  const report: EventListener = (event) => {
    eventLog.record(event);
    forward(event);
    incidentWatch?.event(event);
  };
  // Every change of a replica's state is a reason for its service's controller to look again.
  const onEvent: EventListener = (event) => {
    report(event);
    if (event.type === 'replica-ready' || event.type === 'replica-unready' || event.type === 'replica-exited')
      void controllers.get(event.service)?.kick();
    if (event.type === 'replica-ready') newProcessReady(event.service, event.replica);
  };
  /** The process each replica had when it last became ready: a new one gets the service's sticky faults. */
  const readyPids = new Map<string, number | null>();
  const newProcessReady = (service: string, name: string) => {
    const pid =
      controllers
        .get(service)
        ?.replicas()
        .find((r) => r.name === name)?.pid ?? null;
    if (readyPids.get(name) === pid) return;
    readyPids.set(name, pid);
    void chaos?.replicaReady(service, name);
  };
  const registry = new EndpointRegistry();
  const ports = new PortAllocator();
  const tokens = new TokenStore({ now: () => clock.now() });
  const tokensFile = join(stateDir, 'tokens.json');
  const adminToken = newToken();
  const discoveryToken = newToken();
  const busToken = newToken();
  // Replicas accept faults (`/internal/faults`) only with this token; only the runtime's chaos manager has it.
  const faultToken = newToken();
  tokens.add(adminToken, 'admin');
  tokens.add(discoveryToken, 'discovery');
  const startedAt = new Date(clock.now()).toISOString();
  const logs: LogSink = createFileLogSink({
    dir: join(stateDir, 'logs'),
    ...(options.onLog ? { forward: options.onLog } : {}),
  });
  const controllers = new Map<string, ServiceController>();
  const balancers = new Map<string, TcpBalancer>();
  let controlApi: Service | undefined;
  let autoscaling: AutoscalingLoop | undefined;
  const autoscalingErrors = new Map<string, string>();
  /** Scheduled scaling (`runtime.schedule`), created at start. */
  let schedule: ScheduleController | undefined;
  /** The feature flags served to replicas; created at start from the spec's flags or flagsFile. */
  let flagStore: FlagStore | undefined;
  let audit: AuditLog | undefined;
  /** Backups of the services with `backup:` (created at start). */
  let backups: BackupController | undefined;
  let broker: EmbeddedBroker | undefined;
  let controlLog: ReturnType<typeof pino.destination> | undefined;
  let controlUrl = '';
  const mtls = options.mtls ?? spec.runtime.mtls.enabled;
  /** Issues and renews every replica's certificate (created at start when mTLS is on). */
  let identities: IdentityIssuer | undefined;
  /** Fault injection (`opsloop chaos`), created at start. */
  let chaos: ChaosManager | undefined;
  /** The embedded telemetry backend (created at start unless `runtime.telemetry.enabled` is false). */
  let telemetry: TelemetryHost | undefined;
  let telemetryRoutes: Parameters<typeof createControlApi>[0]['telemetry'];
  /** Live anomaly detection on the golden signals (with the telemetry backend, unless turned off). */
  let anomalyWatch: LiveDetection | undefined;
  /** Incidents, root causes and remediation (with the telemetry backend, unless turned off). */
  let incidentWatch: IncidentWatch | undefined;
  /** Log template mining of every replica's output (with the telemetry backend, unless turned off). */
  let logWatch: LogWatch | undefined;
  /** The run rate of `runtime.budget` (its gauge; the alert rules are the backend's). */
  let budgetWatch: BudgetWatch | undefined;
  /** Delivers alerts to the spec's webhook receivers (when `runtime.telemetry.notifications` is set). */
  /** The service of each replica that ever ran, for its log lines' labels. */
  const serviceOfReplica = new Map<string, string>();

  /** The services allowed to call `name` over gRPC: those that depend on it (NetworkPolicy ingress `from`). */
  const callersOf = (name: string, of: SystemSpec) =>
    Object.entries(of.services)
      .filter(([, service]) => service.dependsOn.includes(name))
      .map(([caller]) => caller)
      .sort();
  let stopping: Promise<void> | undefined;
  /** Set while this runtime owns the state directory (and so the state file). */
  let claimed = false;
  const stateKey = resolve(stateDir);
  let resolveShutdown: () => void = () => {};
  const shutdownRequested = new Promise<void>((resolve) => (resolveShutdown = resolve));

  const inherited: Record<string, string> = {};
  for (const key of options.inheritEnv ?? DEFAULT_INHERITED_ENV) {
    const value = process.env[key];
    if (value !== undefined) inherited[key] = value;
  }

  const status = (): SystemStatus => ({
    system: spec.metadata.name,
    startedAt,
    services: Object.entries(spec.services).map(([name, service]): ServiceStatus => {
      const exposed = balancers.get(name)?.url ?? null;
      const controller = controllers.get(name);
      if (controller !== undefined) return controller.status(exposed);
      return { name, desiredReplicas: service.replicas, readyReplicas: 0, exposed, replicas: [] };
    }),
    ...(schedule?.status() === undefined ? {} : { schedule: schedule.status() }),
  });

  // If the runtime dies of an exception, take the replicas with it rather than leave orphans.
  const killAll = () => {
    for (const controller of controllers.values()) controller.killNow();
  };

  function makeReplica(name: string, index: number, service: ServiceSpec, revision: string): Replica {
    const instance = `${name}-${index}`;
    serviceOfReplica.set(instance, name);
    const injected = resolvedByRevision.get(`${name}@${revision}`);
    return new Replica({
      name: instance,
      service: name,
      spec: service,
      specDir: dir,
      env: {
        ...inherited,
        ...service.env,
        ...injected?.env,
        ...(injected?.filesDir === undefined ? {} : { OPSLOOP_FILES_DIR: injected.filesDir }),
        OPSLOOP_SERVICE: name,
        OPSLOOP_INSTANCE: instance,
        OPSLOOP_DISCOVERY_URL: controlUrl,
        OPSLOOP_DISCOVERY_TOKEN: discoveryToken,
        // Flags are read with the discovery token: replicas can read endpoints and flags, nothing else.
        OPSLOOP_FLAGS_URL: `${controlUrl}/v1/flags`,
        OPSLOOP_FLAGS_TOKEN: discoveryToken,
        [FAULT_TOKEN_ENV]: faultToken,
        ...(broker ? { OPSLOOP_BUS_URL: controlUrl, OPSLOOP_BUS_TOKEN: busToken } : {}),
        ...(telemetry ? otlpExporterEnv(controlUrl, discoveryToken) : {}),
      },
      version: service.env.SERVICE_VERSION ?? 'unversioned',
      revision,
      ports,
      registry,
      logs: redactingLogs,
      clock,
      probe: options.probe ?? httpProbe,
      onEvent,
      ...(identities === undefined
        ? {}
        : {
            prepare: async () => ({
              OPSLOOP_TLS_DIR: await identities!.provision(name, instance),
              OPSLOOP_RPC_CALLERS: callersOf(name, spec).join(','),
            }),
            cleanup: () => identities!.release(instance),
          }),
    });
  }

  /**
   * Opens the stable loopback address of an exposed service (a TCP balancer over its ready replicas), and
   * its preview address when `expose.previewPort` is set (a blue-green rollout's new revision only).
   */
  async function expose(
    name: string,
    exposed: { port: number; previewPort?: number | undefined },
  ): Promise<void> {
    const open = async (discovery: string, port: number, field: string) => {
      try {
        const balancer = await createTcpBalancer({ service: discovery, registry, port });
        balancers.set(discovery, balancer);
        onEvent({ type: 'service-exposed', service: discovery, url: balancer.url });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(
          code === 'EADDRINUSE'
            ? `${name}: cannot expose on 127.0.0.1:${port}: the port is in use (set services.${name}.expose.${field} to another port, or 0 for any free port)`
            : `${name}: cannot expose: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    };
    await open(name, exposed.port, 'port');
    if (exposed.previewPort !== undefined)
      await open(`${name}${PREVIEW_SUFFIX}`, exposed.previewPort, 'previewPort');
  }

  /** Closes a service's exposed addresses (its own and its preview's). */
  async function unexpose(name: string): Promise<void> {
    for (const key of [name, `${name}${PREVIEW_SUFFIX}`]) {
      await balancers.get(key)?.close();
      balancers.delete(key);
    }
  }

  /** Applies specs one at a time. */
  let applying: Promise<unknown> = Promise.resolve();
  /** The latest release of each release group. */
  const releases = new Map<string, ReleaseRun>();

  /** The release group `service` belongs to in `of`, if any. */
  const groupOf = (of: SystemSpec, service: string) =>
    Object.entries(of.releaseGroups).find(([, group]) => group.services.includes(service))?.[0];

  /** Starts the release of a group's changed services (not awaited: `opsloop releases` follows it). */
  function startRelease(group: string, members: ReleaseMember[], of: SystemSpec): void {
    const order = startOrder(of);
    members.sort((a, b) => order.indexOf(a.service) - order.indexOf(b.service));
    const run = new ReleaseRun({
      group,
      members,
      deadlineMs: (of.releaseGroups[group]?.progressDeadlineSeconds ?? 600) * 1000,
      clock,
      report: (phase, message) => report({ type: 'release-group', group, phase, message }),
      onRolledBack: (service, serviceSpec) => {
        if (spec.services[service] !== undefined)
          spec = { ...spec, services: { ...spec.services, [service]: serviceSpec } };
      },
    });
    releases.set(group, run);
  }

  /** Every release group's latest release. */
  function releaseStatuses(): ReleaseStatus[] {
    return [...releases.values()].map((r) => r.status());
  }

  /**
   * Makes `next` the desired state: computes the changes (refusing what needs a restart), and unless
   * `dryRun`, hands each service's new spec to its controller, which reconciles (rolling updates for changed
   * templates), starts new services and drains removed ones. Resolves with the changes once they are under
   * way (not finished: `status` shows the progress).
   */
  function apply(next: SystemSpec, dryRun: boolean): Promise<ServiceChange[]> {
    const run = applying
      .catch(() => undefined)
      .then(async () => {
        if (stopping) throw new ApplyError('the system is stopping');
        // What each running service's template would hash to: its spec plus what the spec only refers to.
        const nextExtras = new Map<string, string>();
        for (const [name, service] of Object.entries(next.services))
          if (controllers.has(name)) nextExtras.set(name, await resolveInjected(name, service, next, false));
        const changes = diffSpecs(
          spec,
          next,
          // A service the schedule holds down counts as the spec had it: downtime is not a change to undo.
          (name) =>
            schedule?.holds(name) === true
              ? spec.services[name]?.replicas
              : controllers.get(name)?.desiredReplicas,
          (name, service, side) =>
            side === 'from'
              ? (controllers.get(name)?.revision ?? templateRevision(service))
              : templateRevision(service, nextExtras.get(name) ?? ''),
        );
        const flags = await flagsOf(next);
        const before = flagStore?.flagSet();
        const flagsChanged =
          flagStore !== undefined && !isDeepStrictEqual(before?.document, flags.document)
            ? changedFlagKeys(before, flags)
            : undefined;
        if (flagsChanged !== undefined) changes.unshift({ action: 'flags', flags: flagsChanged });
        // A changed config map (or a secret rotated since) rolls the services that inject it.
        const rolled: { name: string; service: ServiceSpec; extra: string }[] = [];
        for (const [name, service] of Object.entries(next.services)) {
          const controller = controllers.get(name);
          if (controller === undefined || changes.some((c) => 'service' in c && c.service === name)) continue;
          const extra = await resolveInjected(name, service, next, !dryRun);
          const revision = templateRevision(service, extra);
          if (revision === controller.revision) continue;
          rolled.push({ name, service, extra });
          // The template is the same: its injected data changed, or who may call it (others' dependsOn).
          const injectedOf = (x: string) => x.split('|callers=')[0];
          changes.push({
            service: name,
            action: 'update',
            fields: injectedOf(extra) === injectedOf(controller.extra) ? ['callers'] : ['inject'],
            replicas: { from: controller.desiredReplicas, to: service.replicas },
            rollout: { from: controller.revision, to: revision },
          });
        }
        // A running release owns its services until it ends: a change now would race its rollback.
        for (const change of changes) {
          if (!('service' in change)) continue;
          const held = [...releases.values()].find((r) => r.holds(change.service));
          if (held !== undefined)
            throw new ApplyError(
              `${change.service} is part of release ${held.status().group}, still rolling out; wait for it (opsloop releases) or abort the rollout of its current service`,
            );
        }
        if (dryRun || changes.length === 0) return changes;
        // Template changes of release-group services roll out as one release per group.
        const members = new Map<string, ReleaseMember[]>();
        const releaseMember = (name: string, service: ServiceSpec, extra: string): boolean => {
          const group = groupOf(next, name);
          const controller = controllers.get(name);
          if (group === undefined || controller === undefined) return false;
          const list = members.get(group) ?? [];
          list.push({ service: name, controller, spec: service, extra });
          members.set(group, list);
          return true;
        };
        for (const { name, service, extra } of rolled)
          if (!releaseMember(name, service, extra))
            await controllers.get(name)?.setSpec(service, extra, replicasAfterApply(name, service));
        if (flagsChanged !== undefined) flagStore?.replace(flags.document);
        const previous = spec;
        spec = next;
        for (const change of changes) {
          if (!('service' in change)) continue;
          const service = next.services[change.service];
          const before = previous.services[change.service];
          if (change.action === 'delete') {
            const controller = controllers.get(change.service);
            controllers.delete(change.service);
            await unexpose(change.service);
            void controller?.stop();
            continue;
          }
          if (service === undefined) continue;
          if (!isDeepStrictEqual(before?.expose, service.expose)) {
            await unexpose(change.service);
            if (service.expose !== undefined) await expose(change.service, service.expose);
          }
          if (rolled.some((r) => r.name === change.service)) continue;
          const extra = await resolveInjected(change.service, service, next);
          if (change.action === 'create') await makeController(change.service, service, extra).start();
          else if (change.rollout === undefined || !releaseMember(change.service, service, extra))
            await controllers
              .get(change.service)
              ?.setSpec(service, extra, replicasAfterApply(change.service, service));
        }
        for (const [group, list] of members) startRelease(group, list, next);
        // A new schedule (or new services) may change what it holds down; its scaling is not the apply's.
        void schedule?.tick();
        for (const change of changes)
          if (change.action === 'update' && change.rollout !== undefined)
            incidentWatch?.serviceChanged(change.service, change.fields, change.rollout.to);
        report({ type: 'spec-applied', changes: changes.map(describeChange) });
        return changes;
      });
    applying = run;
    return run;
  }

  /** The spec's replicas, unless the schedule holds the service down: then they wait for uptime. */
  const replicasAfterApply = (name: string, service: ServiceSpec): number =>
    schedule?.restoreTo(name, service.replicas) ?? service.replicas;

  /** The flags a spec declares: inline, from its flags file (relative to the spec), or none. */
  async function flagsOf(of: SystemSpec): Promise<FlagSet> {
    if (of.flags !== undefined) return parseFlagDefinitions(of.flags);
    if (of.flagsFile !== undefined) return loadFlagFile(resolve(dir, of.flagsFile));
    return emptyFlagSet();
  }

  /** The secret store, opened on first use (systems without secrets never need a key). */
  let secretStore: SecretStore | undefined;
  async function secrets(): Promise<SecretStore> {
    secretStore ??= await openSecretStore({
      file: defaultSecretStorePath(stateDir),
      key: (await loadSecretKey()).key,
    });
    return secretStore;
  }
  const noSecrets: SecretReader = { get: () => undefined, metadataOf: () => undefined };

  /** What each service revision injects (env, files dir), keyed `<service>@<revision>`. */
  const resolvedByRevision = new Map<string, { env: Record<string, string>; filesDir?: string }>();
  /** Secret values handed to replicas during this run: the log redactor masks all of them. */
  const injectedSecrets = new Map<string, SecretValue>();
  let redactor: Redactor = createRedactor([]);
  /** Followers of replica output (`opsloop logs -f`): they get lines after redaction, like the files. */
  const logFollowers = new Set<(replica: string, stream: LogStream, line: string) => void>();
  const redactingLogs: LogSink = {
    ...logs,
    line: (replica, stream, line) => {
      const safe = redactor.redact(line);
      logs.line(replica, stream, safe);
      const service = serviceOfReplica.get(replica) ?? replica;
      telemetry?.recordLine(service, replica, stream, safe);
      logWatch?.observe(service, safe);
      for (const follower of logFollowers) follower(replica, stream, safe);
    },
  };

  /**
   * Resolves a service's `inject` list against the secret store and the spec's config maps, writes its
   * files (under `<state>/files/<service>/<revision>`), and returns the revision extra: secret revisions
   * (never values) and the config map data used, so a rotated secret or changed config map rolls the service.
   */
  async function resolveInjected(
    name: string,
    service: ServiceSpec,
    of: SystemSpec,
    commit = true,
  ): Promise<string> {
    // The caller policy is fixed when a replica starts: a change of who may call rolls the service.
    const policy = mtls ? `|callers=${callersOf(name, of).join(',')}` : '';
    if (service.inject.length === 0) return policy;
    const store = service.inject.some((ref) => ref.secret !== undefined) ? await secrets() : noSecrets;
    const resolved: ResolvedRefs = resolveRefs(service.inject, {
      service: name,
      store,
      configMaps: of.configMaps,
    });
    const usedMaps = [
      ...new Set(service.inject.flatMap((ref) => (ref.configMap ? [ref.configMap] : []))),
    ].sort();
    const extra =
      JSON.stringify({
        secrets: resolved.secretRevisions,
        configMaps: Object.fromEntries(usedMaps.map((m) => [m, of.configMaps[m]?.data ?? null])),
      }) + policy;
    // A dry run only needs the revision: no files written, nothing remembered.
    if (!commit) return extra;
    const revision = templateRevision(service, extra);
    let filesDir: string | undefined;
    if (resolved.files.length > 0) {
      filesDir = join(stateDir, 'files', name, revision);
      await materializeFiles(filesDir, resolved.files);
    }
    resolvedByRevision.set(`${name}@${revision}`, { env: resolved.env, ...(filesDir ? { filesDir } : {}) });
    // Every value ever injected stays masked: replicas of an older revision may still print the old one.
    let added = false;
    for (const value of resolved.secretValues) {
      const key = `${value.name}\u0000${value.value}`;
      if (injectedSecrets.has(key)) continue;
      injectedSecrets.set(key, value);
      added = true;
    }
    if (added) redactor = createRedactor([...injectedSecrets.values()]);
    return extra;
  }

  /** Services of the current spec that inject `secret`. */
  const usersOf = (secret: string) =>
    Object.entries(spec.services).filter(([, service]) =>
      service.inject.some((ref) => ref.secret === secret),
    );

  /**
   * Sets a secret and rolls the services that inject it (rolling update, so no downtime): the new revision
   * of the secret is part of their template revision.
   */
  async function setSecret(name: string, data: Record<string, string>) {
    const store = await secrets();
    const metadata = await store.set(name, data);
    const rolled: string[] = [];
    for (const [service, serviceSpec] of usersOf(name)) {
      const controller = controllers.get(service);
      if (controller === undefined) continue;
      const extra = await resolveInjected(service, serviceSpec, spec);
      await controller.setSpec(serviceSpec, extra, controller.desiredReplicas);
      rolled.push(service);
    }
    return { secret: metadata, rolled };
  }

  async function deleteSecret(name: string): Promise<boolean> {
    const users = usersOf(name).map(([service]) => service);
    if (users.length > 0)
      throw new ApplyError(
        `secret "${name}" is injected into ${users.join(', ')}; remove it from the spec first`,
      );
    return (await secrets()).delete(name);
  }

  /** A service's rollout: revision, progress, pause state and revision history. */
  function rolloutStatus(name: string): RolloutStatus {
    const controller = controllers.get(name);
    if (controller === undefined) throw new ScaleError(`no service named "${name}"`, 'not-found');
    const status = controller.status(balancers.get(name)?.url ?? null);
    const counted = status.replicas.filter((r) => r.phase !== 'stopping' && r.phase !== 'stopped');
    const complete =
      status.updatedReplicas === status.desiredReplicas &&
      counted.length === status.desiredReplicas &&
      counted.every((r) => r.ready && r.revision === status.revision);
    const progress = controller.progress();
    const outcome = controller.outcome;
    const previewList = registry.list(`${name}${PREVIEW_SUFFIX}`);
    return {
      service: name,
      strategy: controller.spec.strategy.type,
      revision: controller.revision,
      stableRevision: controller.stableRevision,
      desiredReplicas: status.desiredReplicas,
      updatedReplicas: status.updatedReplicas ?? 0,
      readyReplicas: status.readyReplicas,
      paused: controller.paused,
      complete,
      ...(progress === undefined ? {} : { progress }),
      ...(outcome === undefined ? {} : { lastOutcome: withoutSpec(outcome) }),
      ...(progress?.strategy === 'BlueGreen'
        ? {
            preview: {
              discovery: `${name}${PREVIEW_SUFFIX}`,
              url: balancers.get(`${name}${PREVIEW_SUFFIX}`)?.url ?? null,
              endpoints: previewList.endpoints.map((e) => e.url),
            },
          }
        : {}),
      history: controller.history().map((r) => ({ revision: r.revision, at: r.at, cause: r.cause })),
    };
  }

  /** `rollout pause|resume|undo|restart` of a service. */
  async function rolloutAction(
    name: string,
    action: RolloutActionName,
    toRevision?: string,
  ): Promise<RolloutStatus> {
    const controller = controllers.get(name);
    const service = spec.services[name];
    if (controller === undefined || service === undefined)
      throw new ScaleError(`no service named "${name}"`, 'not-found');
    if (action === 'pause') controller.pause();
    else if (action === 'resume') await controller.resume();
    else if (action === 'promote' || action === 'promote-full' || action === 'abort') {
      try {
        if (action === 'abort') await controller.abort('aborted by request');
        else await controller.promote(action === 'promote-full');
      } catch (error) {
        if (error instanceof RolloutError) throw new ScaleError(error.message, 'invalid');
        throw error;
      }
    } else if (action === 'undo') {
      try {
        const target = await controller.undo(toRevision);
        // The rolled-back template is the desired state now (as after `kubectl rollout undo`).
        spec = { ...spec, services: { ...spec.services, [name]: target.spec } };
      } catch (error) {
        if (error instanceof RolloutError) throw new ScaleError(error.message, 'invalid');
        throw error;
      }
    } else {
      // Kubernetes' `rollout restart`: the same template with a new revision, so every replica is replaced.
      const extra = await resolveInjected(name, service, spec);
      await controller.setSpec(
        service,
        `${extra}|restartedAt=${new Date(clock.now()).toISOString()}`,
        controller.desiredReplicas,
        'restart',
      );
    }
    report({ type: 'rollout-action', service: name, action });
    return rolloutStatus(name);
  }

  /** What each replica served so far, from its /metrics (canary analysis); a failed scrape fails it all. */
  async function measureReplicas(replicas: Replica[]): Promise<Map<string, TrafficSample>> {
    const samples = await Promise.all(
      replicas.map(async (replica) => {
        const url = replica.status().url;
        if (url === null) throw new Error(`${replica.name} has no address`);
        const text = await scrapeMetrics(`${url}/metrics`, 2_000);
        return [replica.name, trafficSampleOf(parsePrometheusText(text))] as const;
      }),
    );
    return new Map(samples);
  }

  function reportProgress(service: string, event: ProgressEvent): void {
    if (event.kind === 'step') report({ type: 'rollout-step', service, ...withoutKind(event) });
    else if (event.kind === 'paused') report({ type: 'rollout-paused', service, ...withoutKind(event) });
    else
      report({
        type: 'rollout-analysis',
        service,
        revision: event.revision,
        weight: event.weight,
        verdict: event.judgement.verdict,
        summary: event.judgement.checks.map((c) => `${c.name} ${c.verdict}: ${c.detail}`).join('; '),
      });
  }

  function makeController(name: string, service: ServiceSpec, extra = ''): ServiceController {
    const controller = new ServiceController({
      name,
      spec: service,
      extra,
      makeReplica: (ordinal, template, revision) => makeReplica(name, ordinal, template, revision),
      clock,
      onBlocked: (reason) => report({ type: 'rollout-blocked', service: name, reason }),
      split: (percentages) => registry.split(name, percentages),
      preview: (revision) => registry.setPreview(name, revision),
      measure: measureReplicas,
      // Canary analysis scores the new revision with what live detection learnt of the service.
      baselineState: (signal) =>
        anomalyWatch?.seriesState(name, signal) ?? anomalyWatch?.seriesState(name, `rpc_${signal}`),
      detectors: canaryDetectors(spec.runtime.aiops.detection),
      onProgress: (event) => reportProgress(name, event),
      onOutcome: (outcome) => {
        if (outcome.result === 'promoted') {
          report({
            type: 'rollout-promoted',
            service: name,
            revision: outcome.revision,
            from: outcome.other,
          });
          return;
        }
        // Rolled back: the stable template is the desired state again (as after `rollout undo`).
        if (spec.services[name] !== undefined)
          spec = { ...spec, services: { ...spec.services, [name]: outcome.spec } };
        report({
          type: 'rollout-aborted',
          service: name,
          revision: outcome.revision,
          from: outcome.other,
          reason: outcome.reason ?? 'aborted',
        });
      },
    });
    controllers.set(name, controller);
    return controller;
  }

  /**
   * Sets a service's replica count (its controller creates or removes replicas): new replicas take the
   * lowest free ordinals (names stay short and a restarted name means the same slot); removed ones are the
   * unready ones, then the highest ordinals, drained then stopped (as a StatefulSet scales down).
   */
  async function scale(name: string, count: number): Promise<ServiceStatus> {
    const controller = controllers.get(name);
    if (spec.services[name] === undefined || controller === undefined)
      throw new ScaleError(`no service named "${name}" in ${spec.metadata.name}`, 'not-found');
    if (stopping) throw new ScaleError('the system is stopping', 'invalid');
    onEvent({ type: 'service-scaled', service: name, from: controller.desiredReplicas, to: count });
    await controller.setReplicas(count);
    return controller.status(balancers.get(name)?.url ?? null);
  }

  /** Polls `done` every 200 ms until it holds, failing after `timeoutMs` with `what`. */
  async function until(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = clock.now() + timeoutMs;
    while (!done()) {
      if (clock.now() > deadline) throw new Error(`${what} after ${timeoutMs / 1000} s`);
      await new Promise((resolve) => clock.after(200, () => resolve(undefined)));
    }
  }

  /** Services a restore has stopped: like the schedule's, nothing scales, restarts or diagnoses them. */
  const restoring = new Set<string>();
  /** Whether a service is down on purpose (the schedule's downtime, a restore): not a fault to answer. */
  const heldDown = (service: string): boolean => schedule?.holds(service) === true || restoring.has(service);

  /** The backup controller: targets come from the current spec, restores stop and start services. */
  function createBackups(): BackupController {
    const settings = spec.runtime.backups;
    return createBackupController({
      dir: resolve(dir, settings.dir),
      keep: settings.keep,
      intervalMinutes: settings.intervalMinutes,
      clock,
      targets: () => {
        const targets = new Map<string, DataBackup | Error>();
        for (const [name, service] of Object.entries(spec.services)) {
          if (service.backup === undefined) continue;
          const controller = controllers.get(name);
          targets.set(
            name,
            backupTargetFor({
              service: name,
              backup: service.backup,
              cwd: resolve(dir, service.cwd),
              // The URL a replica of the current revision gets: spec env, then injected secrets.
              env: {
                ...service.env,
                ...(controller === undefined
                  ? {}
                  : resolvedByRevision.get(`${name}@${controller.revision}`)?.env),
              },
              processes: () =>
                (controller?.status(null).replicas ?? []).flatMap((r) => (r.pid === null ? [] : [r.pid])),
            }),
          );
        }
        return targets;
      },
      stopService: async (name) => {
        const controller = controllers.get(name);
        if (controller === undefined) throw new Error(`${name} is not running`);
        const replicas = controller.desiredReplicas;
        restoring.add(name);
        try {
          await scale(name, 0);
          // Every process gone (a PGlite's lock is released when its process exits).
          await until(
            () => controller.status(null).replicas.every((r) => r.pid === null),
            60_000,
            `${name}'s replicas did not exit`,
          );
        } catch (error) {
          restoring.delete(name);
          throw error;
        }
        return replicas;
      },
      startService: async (name, replicas) => {
        try {
          await scale(name, replicas);
          const controller = controllers.get(name);
          await until(
            () => (controller?.status(null).readyReplicas ?? 0) >= replicas,
            300_000,
            `${name} was not ready again`,
          );
        } finally {
          restoring.delete(name);
        }
      },
      report: (event) => {
        report({ type: 'backup', ...event });
        // Requests are audited by the control API; scheduled backups are the runtime's own actions.
        if ('trigger' in event && event.trigger === 'schedule')
          void audit
            ?.append({
              at: new Date(clock.now()).toISOString(),
              actor: { name: 'backup-schedule', role: 'automation' },
              method: 'BACKUP',
              route: 'backups/schedule',
              params: { id: event.id },
              status: event.phase === 'failed' ? 500 : 201,
              result: event.phase === 'failed' ? 'failed' : 'ok',
              summary: event.detail.slice(0, 500),
            })
            .catch(() => undefined);
      },
    });
  }

  const runtime: Runtime = {
    adminToken,
    apply: (next, applyOptions) => apply(next, applyOptions?.dryRun ?? false),
    rolloutStatus,
    rolloutAction,
    releases: releaseStatuses,
    shutdownRequested,
    status,
    async start(timeoutMs = 60_000) {
      // Claimed before the first await, so that two starts in this process cannot both see a free directory.
      if (claimedStateDirs.has(stateKey)) {
        throw new AlreadyRunningError(
          `a runtime of this process (pid ${process.pid}) already runs from ${stateDir}`,
        );
      }
      claimedStateDirs.add(stateKey);
      claimed = true;
      const previous = await readStateFile(stateDir).catch(() => undefined);
      if (previous !== undefined && previous.pid !== process.pid && isProcessAlive(previous.pid)) {
        claimedStateDirs.delete(stateKey);
        claimed = false;
        throw new AlreadyRunningError(
          `a runtime (pid ${previous.pid}) already runs ${previous.system} from ${stateDir}; stop it with "opsloop down"`,
        );
      }
      process.once('exit', killAll);
      try {
        flagStore = observeFlagChanges(
          createFlagStore((await flagsOf(spec)).document, { clock, firstVersion: clock.now() }),
          (flag, from, to) => {
            report({ type: 'flag-changed', flag, from, to });
            incidentWatch?.flagChanged(flag, from, to);
          },
        );
      } catch (error) {
        claimedStateDirs.delete(stateKey);
        claimed = false;
        process.off('exit', killAll);
        throw error;
      }
      chaos = createChaosManager({
        platform: createRuntimeChaosPlatform({
          spec: () => spec,
          replicasOf: (service) => controllers.get(service)?.replicas(),
          apply: (next) => apply(next, false),
          flags: flagStore,
          exposedUrl: (service) => balancers.get(service)?.url,
          faults: createReplicaFaultClient(faultToken),
        }),
        clock,
        recordFile: join(stateDir, 'chaos', 'injections.jsonl'),
        onEvent: (event) =>
          report(
            event.event === 'error'
              ? { type: 'chaos', phase: 'error', id: event.injection?.id ?? '', detail: event.error }
              : {
                  type: 'chaos',
                  phase: event.event,
                  id: event.injection.id,
                  detail: `${event.injection.fault} on ${event.injection.replica ?? event.injection.target} ${event.event === 'start' ? 'injected' : event.injection.status}`,
                },
          ),
      });
      await tokens.load(tokensFile);
      audit = await openAuditLog(join(stateDir, 'audit.log'));
      backups = createBackups();
      await backups.start();
      if (spec.runtime.bus === 'embedded') {
        broker = await createEmbeddedBroker({ dir: join(stateDir, 'bus') });
      }
      if (mtls) {
        // A new CA per run, its key only in memory: certificates of an earlier run are worthless.
        const ca = await createCertificateAuthority({ clock });
        const identityDir = join(stateDir, 'identity');
        await rm(identityDir, { recursive: true, force: true });
        identities = createIdentityIssuer({
          ca,
          clock,
          rootDir: identityDir,
          ttlMs: spec.runtime.mtls.certTtlSeconds * 1000,
          onError: (event) =>
            report({
              type: 'identity-error',
              replica: event.instance,
              service: event.service,
              message: `${event.error instanceof Error ? event.error.message : String(event.error)} (attempt ${event.attempt}, retry in ${event.retryInMs / 1000} s)`,
            }),
        });
      }
      if (spec.runtime.telemetry.enabled) {
        const settings = spec.runtime.telemetry;
        const backend = await createTelemetryBackend({
          dir: join(stateDir, 'telemetry'),
          clock,
          scrapeIntervalMs: settings.scrapeIntervalSeconds * 1000,
          retention: {
            metricsMs: settings.retention.metricsHours * 3_600_000,
            logsMs: settings.retention.logsHours * 3_600_000,
            tracesMs: settings.retention.tracesHours * 3_600_000,
          },
          onWarning: (message) => report({ type: 'telemetry-warning', message }),
          notify: (alerts) => incidentWatch?.alerts(alerts),
          // Every service's golden signals are recorded, and a service whose every replica fails its scrapes
          // for a minute raises ServiceDown (docs/observability.md).
          ...(settings.notifications === undefined
            ? {}
            : {
                notifications: {
                  config: settings.notifications,
                  onDeliveryError: (failure) =>
                    report({
                      type: 'telemetry-warning',
                      message: `alert webhook ${failure.receiver} failed after ${failure.attempts} attempts: ${failure.error}`,
                    }),
                },
              }),
          // Each SLO adds its error-ratio recordings and burn-rate alerts.
          rules: [
            goldenSignalRecordingRules(),
            serviceHealthRules(RUNBOOK_BASE_URL),
            ...sloRuleGroups(
              Object.entries(spec.services).map(([service, s]) => ({ service, slos: s.slos })),
              { runbookBaseUrl: RUNBOOK_BASE_URL },
            ),
            ...(spec.runtime.budget === undefined
              ? []
              : [budgetRuleGroup(spec.runtime.budget, spec.runtime.schedule !== undefined)]),
          ],
        });
        telemetry = hostTelemetry({
          backend,
          clock,
          replicas: () =>
            [...controllers.entries()].flatMap(([service, controller]) =>
              controller.replicas().map((replica) => ({
                service,
                name: replica.name,
                ready: replica.ready,
                url: replica.status().url,
              })),
            ),
          onError: (message) => report({ type: 'telemetry-warning', message }),
        });
        if (spec.runtime.budget !== undefined)
          budgetWatch = startBudgetWatch({
            appender: backend.tsdb,
            clock,
            budget: spec.runtime.budget,
            // Every replica holds its requests, ready or not (a Pending pod is reserved too).
            services: () =>
              [...controllers.entries()].map(([service, controller]) => ({
                service,
                replicas: controller.replicas().length,
                resources: spec.services[service]?.resources ?? {},
              })),
          });
        if (spec.runtime.aiops.logs.enabled) {
          logWatch = await startLogWatch({
            backend,
            clock,
            stateDir,
            intervalMs: settings.scrapeIntervalSeconds * 1000,
            report,
            onEvent: (event) => incidentWatch?.logEvent(event),
          });
        }
        if (spec.runtime.aiops.detection.enabled) {
          anomalyWatch = await startAnomalyWatch({
            backend,
            clock,
            settings: spec.runtime.aiops.detection,
            logTemplates: logWatch !== undefined,
            stateDir,
            report,
            onAnomaly: (change) => incidentWatch?.anomaly(change),
          });
        }
        if (spec.runtime.aiops.incidents.enabled) {
          incidentWatch = await startIncidentWatch({
            clock,
            backend,
            spec: () => spec,
            platform: createRuntimeRemediationPlatform({
              clock,
              spec: () => spec,
              controllerOf: (service) => controllers.get(service),
              undoRollout: async (service) => void (await rolloutAction(service, 'undo')),
              restartService: async (service) => void (await rolloutAction(service, 'restart')),
              scale: async (service, count) => void (await scale(service, count)),
              flags: flagStore,
              scheduledDown: (service) => heldDown(service),
              circuits: {
                open: (caller, target) => {
                  const opened = registry.openCircuit(caller, target);
                  if (opened) onEvent({ type: 'circuit', phase: 'opened', caller, service: target });
                  return opened;
                },
                close: (caller, target) => {
                  const closed = registry.closeCircuit(caller, target);
                  if (closed) onEvent({ type: 'circuit', phase: 'closed', caller, service: target });
                  return closed;
                },
              },
            }),
            scheduledDown: (service) => heldDown(service),
            replicasOf: (service) =>
              (controllers.get(service)?.replicas() ?? []).map((replica) => {
                const status = replica.status();
                return {
                  name: replica.name,
                  ready: replica.ready,
                  restarts: status.restarts,
                  startedAtMs: status.startedAt === null ? clock.now() : Date.parse(status.startedAt),
                };
              }),
            requestRates: () =>
              Object.fromEntries(
                (anomalyWatch?.series() ?? [])
                  .filter((s) => s.signal === 'traffic' && (s.expected ?? s.lastValue) !== null)
                  .map((s) => [s.service, (s.expected ?? s.lastValue)!]),
              ),
            currentRequestRates: () =>
              Object.fromEntries(
                (anomalyWatch?.series() ?? [])
                  .filter((s) => s.signal === 'traffic' && s.lastValue !== null)
                  .map((s) => [s.service, s.lastValue!]),
              ),
            stateDir,
            report,
            audit: (step) =>
              void audit
                ?.append({
                  at: new Date(step.at).toISOString(),
                  actor: { name: 'aiops', role: 'automation' },
                  method: 'REMEDIATE',
                  route: `remediation/${step.phase}`,
                  params: { incident: step.incidentId, action: step.action, target: step.target },
                  status: step.phase === 'failed' ? 500 : 200,
                  result: step.phase === 'failed' ? 'failed' : 'ok',
                  summary: step.detail.slice(0, 500),
                })
                .catch(() => undefined),
          });
        }
        telemetryRoutes = {
          registerRoutes: (app) => backend.registerRoutes(app),
          ingestRoutes: TELEMETRY_INGEST_ROUTES,
          operatorRoutes: TELEMETRY_OPERATOR_ROUTES,
        };
      }
      controlApi = await createControlApi({
        ...(broker ? { bus: { broker, token: busToken } } : {}),
        ...(telemetryRoutes ? { telemetry: telemetryRoutes } : {}),
        port: spec.runtime.controlPort,
        ...(spec.runtime.dashboard.enabled ? { dashboard: { dir: dashboardDir() } } : {}),
        tokens,
        registry,
        status,
        requestShutdown: () => resolveShutdown(),
        audit,
        saveTokens: () => tokens.save(tokensFile),
        scale,
        apply,
        flags: flagStore,
        autoscalingHistory: (service) => autoscaling?.history(service),
        ...(anomalyWatch ? { anomalies: anomalyWatch } : {}),
        chaos: chaosApiOf(chaos),
        ...(incidentWatch ? { incidents: incidentWatch.api } : {}),
        ...(logWatch ? { logInsights: logWatch.insights } : {}),
        rollout: { status: rolloutStatus, action: rolloutAction },
        ...(backups ? { backups } : {}),
        releases: releaseStatuses,
        describe: (name) => {
          const service = spec.services[name];
          const controller = controllers.get(name);
          if (service === undefined || controller === undefined) return undefined;
          return {
            // Env values whose names look sensitive, and any injected secret value, are masked.
            spec: redactObject(service, { redactor }),
            status: controller.status(balancers.get(name)?.url ?? null),
            rollout: rolloutStatus(name),
            autoscaling: autoscaling?.history(name)?.at(-1) ?? null,
            events: eventLog
              .since(0)
              .filter((e) => 'service' in e && e.service === name)
              .slice(-15),
          };
        },
        events: eventLog,
        logs: {
          replicasOf: (service) => {
            const controller = controllers.get(service);
            return controller === undefined ? undefined : controller.replicas().map((r) => r.name);
          },
          tail: (replica) => logs.tail(replica),
          follow: (listener) => {
            logFollowers.add(listener);
            return () => logFollowers.delete(listener);
          },
        },
        secrets: {
          list: async () => (await secrets()).metadata(),
          set: setSecret,
          delete: deleteSecret,
        },
        logDestination: (controlLog = pino.destination({
          dest: join(stateDir, 'logs', 'control-api.log'),
          mkdir: true,
          sync: false,
        })),
      });
      controlUrl = await controlApi.listen();
      onEvent({ type: 'control-api', url: controlUrl });

      for (const [name, service] of Object.entries(spec.services)) {
        if (service.expose === undefined) continue;
        try {
          await expose(name, service.expose);
        } catch (error) {
          await runtime.stop();
          throw error;
        }
      }

      const endpoints: Record<string, string> = {};
      for (const [name, balancer] of balancers) endpoints[name] = balancer.url;
      endpoints.control = controlUrl;
      await writeStateFile(stateDir, {
        pid: process.pid,
        system: spec.metadata.name,
        specPath: options.loaded.path,
        startedAt,
        controlUrl,
        token: adminToken,
        endpoints,
      });

      const deadline = clock.now() + timeoutMs;
      const started = new Map<string, Promise<void>>();
      const startService = (name: string): Promise<void> => {
        const existing = started.get(name);
        if (existing) return existing;
        const service = spec.services[name];
        if (service === undefined) return Promise.resolve();
        const run = (async () => {
          // Like compose's depends_on with a health condition: start after dependencies are ready.
          await Promise.all(service.dependsOn.map((dep) => startService(dep)));
          if (stopping) return;
          const controller = makeController(name, service, await resolveInjected(name, service, spec));
          await controller.start();
          const remaining = Math.max(0, deadline - clock.now());
          await Promise.race([
            controller.whenReady(),
            new Promise((resolve) => clock.after(remaining, () => resolve(undefined))),
          ]);
        })();
        started.set(name, run);
        return run;
      };
      await Promise.all(startOrder(spec).map((name) => startService(name)));

      autoscaling = createAutoscalingLoop({
        clock,
        services: () => controllers,
        scrape: scrapeMetrics,
        scale: async (name, count) => {
          const controller = controllers.get(name);
          if (controller === undefined || stopping) return;
          onEvent({ type: 'service-scaled', service: name, from: controller.desiredReplicas, to: count });
          await controller.setReplicas(count);
        },
        onDecision: (decision) => {
          if (decision.desired !== decision.current)
            report({
              type: 'autoscaled',
              service: decision.service,
              from: decision.current,
              to: decision.desired,
              reason: decision.reason,
            });
        },
        onError: (service, message) => {
          // Reported when it changes, not every scrape: a replica without /metrics would flood the output.
          if (autoscalingErrors.get(service) === message) return;
          autoscalingErrors.set(service, message);
          report({ type: 'autoscaling-error', service, message });
        },
        held: (service) => heldDown(service),
      });
      schedule = createScheduleController({
        now: () => clock.now(),
        after: (ms, fn) => clock.after(ms, fn),
        schedule: () => spec.runtime.schedule,
        services: () => Object.keys(spec.services),
        specReplicas: (service) => spec.services[service]?.replicas,
        desiredReplicas: (service) => controllers.get(service)?.desiredReplicas,
        scale: async (service, count, reason) => {
          const controller = controllers.get(service);
          if (controller === undefined || stopping) return;
          report({
            type: 'scheduled-scaling',
            service,
            from: controller.desiredReplicas,
            to: count,
            reason,
            uptime: spec.runtime.schedule?.uptime ?? 'always',
          });
          await controller.setReplicas(count);
        },
        onError: (service, message) => report({ type: 'autoscaling-error', service, message }),
      });

      const notReady = [...controllers.values()]
        .flatMap((c) => c.replicas())
        .filter((r) => !r.ready)
        .map((r) => r.name);
      return { ready: notReady.length === 0, controlUrl, endpoints, notReady };
    },
    stop() {
      stopping ??= (async () => {
        autoscaling?.stop();
        // A backup pauses replicas and a restore scales them: let either finish before anything stops.
        await backups?.stop().catch(() => undefined);
        schedule?.stop();
        // Faults go before anything else stops: an injection must not outlive the run (nor its flags or load).
        await chaos?.stop().catch(() => undefined);
        // Remediation stops before anything it could act on goes away.
        await incidentWatch?.stop().catch(() => undefined);
        // First, and its detector states saved: replicas going away now is not an anomaly.
        await anomalyWatch?.stop().catch(() => undefined);
        await logWatch?.stop().catch(() => undefined);
        budgetWatch?.stop();
        eventLog.close();
        registry.closeWatches();
        // Long-polls of flags end at once, like the registry's watches.
        flagStore?.close();
        // Reverse dependency order: the gateway stops taking traffic before the services behind it go.
        const order = startOrder(spec).reverse();
        for (const name of order) await controllers.get(name)?.stop();
        // After the replicas: their last lines are kept, and their series end with staleness markers.
        await telemetry?.close().catch(() => undefined);
        await Promise.all([...balancers.values()].map((b) => b.close()));
        if (controlApi) await controlApi.shutdown('runtime stopping');
        await audit?.close();
        if (broker) await broker.close();
        await identities?.close();
        const log = controlLog;
        if (log) {
          await new Promise<void>((resolve) => {
            setTimeout(resolve, 2_000).unref();
            log.once('close', () => resolve());
            log.end();
          });
        }
        await logs.close();
        // Only the runtime that claimed the directory owns the state file; another one's stop leaves it alone.
        if (claimed) {
          await removeStateFile(stateDir, process.pid);
          claimedStateDirs.delete(stateKey);
          claimed = false;
        }
        process.off('exit', killAll);
      })();
      return stopping;
    },
  };
  return runtime;
}
