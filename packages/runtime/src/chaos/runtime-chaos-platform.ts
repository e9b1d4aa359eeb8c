import { isDeepStrictEqual } from 'node:util';
import { ChaosTargetError, type ChaosPlatform, type PlatformUndo } from '@opsloop/chaos';
import type { FlagStore } from '@opsloop/flags';
import { runLoad } from '@opsloop/loadgen';
import type { ServiceSpec, SystemSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import type { ReplicaFaultClient } from './replica-fault-client.js';

/** Where a flood comes from (any 127.0.0.0/8 address is this machine on Linux). */
const FLOOD_SOURCE_ADDRESS = '127.0.0.2';

/** What the runtime lends its chaos adapter. */
export interface RuntimeChaosDependencies {
  /** The desired state now. */
  spec(): SystemSpec;
  /** A service's replicas; undefined for a service the runtime does not run. */
  replicasOf(service: string): readonly Replica[] | undefined;
  /** Makes `next` the desired state (the runtime's `apply`: rollouts as the service's strategy says). */
  apply(next: SystemSpec): Promise<unknown>;
  flags: FlagStore | undefined;
  /** The exposed address of a service (where a flood is sent). */
  exposedUrl(service: string): string | undefined;
  faults: ReplicaFaultClient;
}

/**
 * The local runtime as a {@link ChaosPlatform}: in-replica faults through each replica's fault endpoint,
 * crashes by signal, and releases, config changes and flag flips through the same paths a user's change
 * takes (so they are rolled out, recorded and detected like any other change).
 */
export function createRuntimeChaosPlatform(deps: RuntimeChaosDependencies): ChaosPlatform {
  const serviceSpec = (service: string): ServiceSpec => {
    const found = deps.spec().services[service];
    if (found === undefined || deps.replicasOf(service) === undefined)
      throw new ChaosTargetError(`no service named "${service}" in ${deps.spec().metadata.name}`);
    return found;
  };
  const replica = (name: string): Replica => {
    for (const service of Object.keys(deps.spec().services)) {
      const found = deps.replicasOf(service)?.find((r) => r.name === name);
      if (found !== undefined) return found;
    }
    throw new ChaosTargetError(`no replica named "${name}"`);
  };
  const urlOf = (name: string): string => {
    const url = replica(name).status().url;
    if (url === null) throw new ChaosTargetError(`replica ${name} has no address (it is not running)`);
    return url;
  };
  /** Rolls `service` to `next`; the undo restores the template it had, unless something changed it since. */
  const roll = async (service: string, next: ServiceSpec): Promise<PlatformUndo> => {
    const before = serviceSpec(service);
    const spec = deps.spec();
    await deps.apply({ ...spec, services: { ...spec.services, [service]: next } });
    return async () => {
      const now = deps.spec();
      if (!isDeepStrictEqual(now.services[service], next)) return;
      await deps.apply({ ...now, services: { ...now.services, [service]: before } });
    };
  };
  return {
    replicas: (service) => {
      serviceSpec(service);
      return (deps.replicasOf(service) ?? []).map((r) => ({
        name: r.name,
        url: r.status().url ?? undefined,
        ready: r.ready,
      }));
    },
    dependenciesOf: (service) => [...serviceSpec(service).dependsOn],
    currentVersion: (service) => serviceSpec(service).env.SERVICE_VERSION ?? 'unversioned',
    sendFault: async (name, fault) => deps.faults.send(urlOf(name), fault),
    clearFault: async (name, id) => {
      // A replica gone (or restarted without an address yet) took its faults with it.
      const url = (() => {
        try {
          return urlOf(name);
        } catch {
          return undefined;
        }
      })();
      if (url !== undefined) await deps.faults.clear(url, id);
    },
    killReplica: (name, signal) =>
      replica(name).kill(signal)
        ? Promise.resolve()
        : Promise.reject(new ChaosTargetError(`replica ${name} has no process to kill`)),
    releaseVersion: async (service, change) => {
      const before = serviceSpec(service);
      return roll(service, {
        ...before,
        env: { ...before.env, ...change.env, SERVICE_VERSION: change.version },
      });
    },
    changeConfig: async (service, env) => {
      const before = serviceSpec(service);
      return roll(service, { ...before, env: { ...before.env, ...env } });
    },
    setFlag: (flag, variant) => {
      const store = deps.flags;
      const definition = store?.get(flag);
      if (store === undefined || definition === undefined)
        throw new ChaosTargetError(`no feature flag named "${flag}"`);
      if (!Object.hasOwn(definition.variants, variant))
        throw new ChaosTargetError(
          `flag ${flag} has no variant "${variant}" (it has ${Object.keys(definition.variants).join(', ')})`,
        );
      const previous = definition.defaultVariant;
      store.set(flag, { defaultVariant: variant });
      return Promise.resolve(() => {
        // Put back only what this injection changed.
        if (previous !== null && store.get(flag)?.defaultVariant === variant)
          store.set(flag, { defaultVariant: previous });
        return Promise.resolve();
      });
    },
    startLoad: (load) => {
      serviceSpec(load.target);
      const baseUrl = deps.exposedUrl(load.target);
      if (baseUrl === undefined)
        throw new ChaosTargetError(`${load.target} is not exposed: a flood needs an address to send to`);
      const abort = new AbortController();
      const run = runLoad({
        baseUrl,
        // One request per journey (the storefront page), so the rate is in requests/s; no sign-ups or
        // orders, which would fill the databases.
        rate: load.rate,
        mix: { storefront: 1 },
        // Its own client address: a gateway that limits per client can shed it and keep serving the others.
        sourceAddress: FLOOD_SOURCE_ADDRESS,
        durationSeconds: load.durationMs > 0 ? load.durationMs / 1000 : 86_400,
        signal: abort.signal,
        timeoutMs: 5_000,
      }).catch(() => undefined);
      return Promise.resolve(async () => {
        abort.abort();
        await run;
      });
    },
  };
}
