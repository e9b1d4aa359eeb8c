import type { ActionOutcome, RemediationPlatform, ServiceState } from '@opsloop/aiops';
import type { FlagStore } from '@opsloop/flags';
import type { Clock, TimerHandle } from '@opsloop/kit';
import type { ServiceController } from '../reconcile/service-controller.js';
import { rolloutBounds, type SystemSpec } from '../spec/schema.js';

/** What the runtime lends remediation. */
export interface RuntimeRemediationDependencies {
  clock: Clock;
  spec(): SystemSpec;
  controllerOf(service: string): ServiceController | undefined;
  /** `opsloop rollout undo <service>`. */
  undoRollout(service: string): Promise<void>;
  /**
   * `opsloop rollout restart <service>`: a new revision of the same template rolled out (every replica
   * replaced within the rollout's surge and unavailable bounds).
   */
  restartService(service: string): Promise<void>;
  /** `opsloop scale <service> --replicas n`. */
  scale(service: string, replicas: number): Promise<void>;
  flags: FlagStore | undefined;
  /** Services the schedule holds down (downtime): remediation must not bring them back. */
  scheduledDown?(service: string): boolean;
  /**
   * The registry's per-caller circuits: open makes `caller` see no endpoint of `target` (false if it was
   * open already), close undoes it (false if it was not open).
   */
  circuits?: {
    open(caller: string, target: string): boolean;
    close(caller: string, target: string): boolean;
  };
}

/** What made a revision that remediation may roll back. */
const ROLLED_OUT_CAUSES = new Set(['apply', 'secret']);

/** How long a replacement replica may take to become ready. */
const REPLACE_READY_TIMEOUT_MS = 120_000;

const refused = (detail: string): ActionOutcome => ({ ok: false, detail });

const circuitKey = (caller: string, target: string) => `${caller}→${target}`;

/** A service the schedule holds down stays down until uptime: bringing it back is not a repair. */
const scheduledDown = (service: string): ActionOutcome =>
  refused(`${service} is scaled down by the schedule (runtime.schedule) until its next uptime window`);

/**
 * A flag named `<service>-rate-limit-rps` (a number) tightens the service's per-client rate limit at run
 * time; the shop's gateway evaluates `gateway-rate-limit-rps`.
 */
export const rateLimitFlagOf = (service: string) => `${service}-rate-limit-rps`;

/** The variant remediation adds to a rate-limit flag for the limit it sets. */
const SHED_VARIANT = 'remediation';

/**
 * The local runtime as remediation's {@link RemediationPlatform}: rollbacks are `rollout undo`, restarts
 * go through the replica's supervisor (no back-off: an ordered restart is not a crash), flags through the
 * flag store the replicas follow, scaling through the service controller.
 */
export function createRuntimeRemediationPlatform(deps: RuntimeRemediationDependencies): RemediationPlatform {
  /** Open circuits' self-closing timers, by `caller→target`. */
  const circuitTimers = new Map<string, TimerHandle>();
  const closeCircuit = (caller: string, target: string): Promise<ActionOutcome> => {
    const key = circuitKey(caller, target);
    circuitTimers.get(key)?.cancel();
    circuitTimers.delete(key);
    if (deps.circuits?.close(caller, target) !== true)
      return Promise.resolve(refused(`the circuit ${caller} → ${target} is not open`));
    return Promise.resolve({ ok: true, detail: `circuit ${caller} → ${target} closed` });
  };
  const controller = (service: string): ServiceController => {
    const found = deps.controllerOf(service);
    if (found === undefined || deps.spec().services[service] === undefined)
      throw new Error(`no service named "${service}"`);
    return found;
  };
  const replicaNamed = (name: string) => {
    for (const service of Object.keys(deps.spec().services)) {
      const found = deps
        .controllerOf(service)
        ?.replicas()
        .find((r) => r.name === name);
      if (found !== undefined) return { service, replica: found };
    }
    throw new Error(`no replica named "${name}"`);
  };
  const flagStore = (): FlagStore => {
    if (deps.flags === undefined) throw new Error('this system serves no feature flags');
    return deps.flags;
  };
  /** Sets a flag's default variant; the undo puts the previous one back if nobody changed it since. */
  const setVariant = (flag: string, variant: string): ActionOutcome => {
    const store = flagStore();
    const definition = store.get(flag);
    if (definition === undefined) return refused(`no feature flag named "${flag}"`);
    if (!Object.hasOwn(definition.variants, variant))
      return refused(`flag ${flag} has no variant "${variant}"`);
    const previous = definition.defaultVariant;
    if (previous === variant) return refused(`flag ${flag} is already ${variant}`);
    store.set(flag, { defaultVariant: variant });
    return {
      ok: true,
      detail: `flag ${flag}: ${previous ?? '(none)'} → ${variant}`,
      ...(previous === null
        ? {}
        : {
            undo: () => {
              if (store.get(flag)?.defaultVariant === variant) store.set(flag, { defaultVariant: previous });
              return Promise.resolve();
            },
          }),
    };
  };

  return {
    async rollback(service) {
      const before = controller(service).revision;
      await deps.undoRollout(service);
      return { ok: true, detail: `${service} rolled back from ${before} to ${controller(service).revision}` };
    },
    restartReplica(name) {
      const { replica } = replicaNamed(name);
      return Promise.resolve(
        replica.restart('RestartedByRemediation')
          ? { ok: true, detail: `${name} restarting` }
          : refused(`${name} has no running process to restart`),
      );
    },
    async restartService(service) {
      if (deps.scheduledDown?.(service) === true) return scheduledDown(service);
      const before = controller(service).revision;
      await deps.restartService(service);
      return {
        ok: true,
        detail: `${service} rolling restart: revision ${before} → ${controller(service).revision}`,
      };
    },
    async replaceReplica(name) {
      // A surge replica first, so capacity never drops; then the old one restarts, and the surge goes away
      // (a scale-in removes the highest ordinal: the surge one, now that the old one is back).
      const { service, replica } = replicaNamed(name);
      if (deps.scheduledDown?.(service) === true) return scheduledDown(service);
      const c = controller(service);
      const count = c.desiredReplicas;
      await deps.scale(service, count + 1);
      const deadline = deps.clock.now() + REPLACE_READY_TIMEOUT_MS;
      while (c.replicas().filter((r) => r.ready).length < count + 1 && deps.clock.now() < deadline)
        await new Promise<void>((resolve) => deps.clock.after(500, resolve));
      if (!replica.restart('ReplacedByRemediation')) {
        await deps.scale(service, count);
        return refused(`${name} has no running process to replace`);
      }
      await replica.whenReady();
      await deps.scale(service, count);
      return { ok: true, detail: `${name} replaced (a surge replica kept capacity meanwhile)` };
    },
    async scale(service, replicas) {
      if (deps.scheduledDown?.(service) === true) return scheduledDown(service);
      const from = controller(service).desiredReplicas;
      await deps.scale(service, replicas);
      return {
        ok: true,
        detail: `${service} scaled ${from} → ${replicas}`,
        undo: async () => {
          if (controller(service).desiredReplicas === replicas) await deps.scale(service, from);
        },
      };
    },
    setFlag: (flag, variant) => Promise.resolve(setVariant(flag, variant)),
    setRateLimit(service, requestsPerSecond) {
      const store = flagStore();
      const flag = rateLimitFlagOf(service);
      const definition = store.get(flag);
      if (definition === undefined)
        return Promise.resolve(refused(`${service} has no run-time rate limit (no flag ${flag})`));
      if (requestsPerSecond === null) {
        const others = Object.keys(definition.variants).filter((v) => v !== SHED_VARIANT);
        const back = others.find((v) => definition.variants[v] === 0) ?? others[0];
        if (back === undefined) return Promise.resolve(refused(`flag ${flag} has no variant to go back to`));
        return Promise.resolve(setVariant(flag, back));
      }
      const rps = Math.max(1, Math.round(requestsPerSecond));
      const previous = definition.defaultVariant;
      const document = structuredClone(store.snapshot().document) as {
        flags: Record<string, { variants: Record<string, unknown>; defaultVariant?: string }>;
      };
      const entry = document.flags[flag];
      if (entry === undefined) return Promise.resolve(refused(`no feature flag named "${flag}"`));
      entry.variants[SHED_VARIANT] = rps;
      entry.defaultVariant = SHED_VARIANT;
      store.replace(document);
      return Promise.resolve({
        ok: true,
        detail: `${service} rate limit ${rps} requests/s per client (flag ${flag})`,
        ...(previous === null
          ? {}
          : {
              undo: () => {
                if (store.get(flag)?.defaultVariant === SHED_VARIANT)
                  store.set(flag, { defaultVariant: previous });
                return Promise.resolve();
              },
            }),
      });
    },
    openCircuit(caller, target, durationMs) {
      const spec = deps.spec();
      const from = spec.services[caller];
      if (from === undefined) return Promise.resolve(refused(`no service named "${caller}"`));
      if (spec.services[target] === undefined)
        return Promise.resolve(refused(`no service named "${target}"`));
      // Without a fallback an open circuit fails every call that needs the dependency: more harm, not less.
      if (!from.optionalDependencies.includes(target))
        return Promise.resolve(
          refused(`${caller} does not list ${target} in optionalDependencies: it has no fallback for it`),
        );
      if (deps.circuits === undefined)
        return Promise.resolve(refused('this runtime has no registry to open circuits in'));
      const key = circuitKey(caller, target);
      circuitTimers.get(key)?.cancel();
      deps.circuits.open(caller, target);
      // An open circuit is a stopgap: it closes by itself, so a forgotten one cannot hide a healed service.
      circuitTimers.set(
        key,
        deps.clock.after(durationMs, () => {
          circuitTimers.delete(key);
          deps.circuits?.close(caller, target);
        }),
      );
      return Promise.resolve({
        ok: true,
        detail: `circuit ${caller} → ${target} open for ${Math.round(durationMs / 1000)} s: ${caller} sees no endpoint of ${target} and falls back`,
        undo: () => closeCircuit(caller, target).then(() => undefined),
      });
    },
    closeCircuit: (caller, target) => closeCircuit(caller, target),
    failover(service, to) {
      // The failover switch of a service is a flag declared with `metadata.failoverFor: <service>`.
      const store = flagStore();
      const flag = store.list().find((f) => f.metadata.failoverFor === service);
      if (flag === undefined)
        return Promise.resolve(refused(`${service} declares no failover (a flag with metadata.failoverFor)`));
      return Promise.resolve(setVariant(flag.key, to));
    },
    serviceState(service) {
      const c = controller(service);
      const spec = deps.spec().services[service]!;
      const replicas = c.desiredReplicas;
      const history = c.history();
      const current = history.at(-1);
      const previous = history.at(-2);
      const state: ServiceState = {
        replicas,
        readyReplicas: c.replicas().filter((r) => r.ready).length,
        minReplicas: spec.autoscaling?.minReplicas ?? Math.min(1, replicas),
        // Without an autoscaling range a single-replica service may own its data (one writer): never scaled.
        maxReplicas: spec.autoscaling?.maxReplicas ?? (replicas > 1 ? replicas * 2 : replicas),
        minAvailable: rolloutBounds(spec, replicas).minAvailable,
        // Only a change someone made (apply, a rotated secret) is a rollout to roll back: not the first start,
        // a restart (same template), nor an undo (rolling that back would bring the bad revision back).
        ...(current !== undefined && previous !== undefined && ROLLED_OUT_CAUSES.has(current.cause)
          ? {
              lastRollout: {
                revision: current.revision,
                previousRevision: previous.revision,
                startedAtMs: Date.parse(current.at),
                ...(c.progress() === undefined ? { promotedAtMs: Date.parse(current.at) } : {}),
                state: c.progress() === undefined ? 'complete' : 'progressing',
              },
            }
          : {}),
      };
      return Promise.resolve(state);
    },
  };
}
