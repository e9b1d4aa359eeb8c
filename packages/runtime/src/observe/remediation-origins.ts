import type { ActionOutcome, RemediationPlatform } from '@opsloop/aiops';
import { rateLimitFlagOf } from '../remediation/runtime-remediation-platform.js';

/** What remediation reads of a flag definition of the spec. */
export interface FlagDefinitionFacts {
  metadata?: Record<string, unknown>;
  variants?: Record<string, unknown>;
  defaultVariant?: string;
}

export interface RemediationOrigins {
  /** The platform, noting what each action (and each undo of one) acts on. */
  wrap(platform: RemediationPlatform): RemediationPlatform;
  /** Whether remediation acted on `key` (a service, or `flag:<name>`) within the window. */
  actedLately(key: string | undefined): boolean;
}

/**
 * Tells remediation's own changes from new causes: the changes that follow an action on the same service or
 * flag within `windowMs` are its. An undo counts as an action — a flag put back after a load shedding that did
 * not help is remediation's change, not a new cause (the recovery benchmark's soak blamed a latency bump on
 * the shed flag's return to `configured`) — and so do the flags behind a rate limit and a failover (the local
 * platform's switches).
 */
export function createRemediationOrigins(options: {
  now: () => number;
  windowMs: number;
  flags: () => Record<string, FlagDefinitionFacts>;
}): RemediationOrigins {
  const actedOn = new Map<string, number>();
  const note = (keys: readonly string[]) => {
    for (const key of keys) actedOn.set(key, options.now());
  };
  const acting = async (
    keys: readonly string[],
    act: () => Promise<ActionOutcome>,
  ): Promise<ActionOutcome> => {
    note(keys);
    const outcome = await act();
    const undo = outcome.undo;
    if (undo === undefined) return outcome;
    return {
      ...outcome,
      undo: () => {
        note(keys);
        return undo();
      },
    };
  };
  const failoverFlags = (service: string) =>
    Object.entries(options.flags())
      .filter(([, flag]) => flag.metadata?.failoverFor === service)
      .map(([name]) => `flag:${name}`);
  const serviceOfReplica = (replica: string) => replica.replace(/-\d+$/, '');
  return {
    wrap: (platform) => ({
      ...platform,
      rollback: (service) => acting([service], () => platform.rollback(service)),
      restartService: (service) => acting([service], () => platform.restartService(service)),
      restartReplica: (replica) =>
        acting([serviceOfReplica(replica)], () => platform.restartReplica(replica)),
      replaceReplica: (replica) =>
        acting([serviceOfReplica(replica)], () => platform.replaceReplica(replica)),
      scale: (service, n) => acting([service], () => platform.scale(service, n)),
      setFlag: (flag, variant) => acting([`flag:${flag}`], () => platform.setFlag(flag, variant)),
      setRateLimit: (service, rps) =>
        acting([service, `flag:${rateLimitFlagOf(service)}`], () => platform.setRateLimit(service, rps)),
      failover: (service, to) =>
        acting([service, ...failoverFlags(service)], () => platform.failover(service, to)),
    }),
    actedLately: (key) =>
      key !== undefined && options.now() - (actedOn.get(key) ?? -Infinity) <= options.windowMs,
  };
}
