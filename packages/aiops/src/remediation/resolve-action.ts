import { changesInEffect } from '../incidents/changes-in-effect.js';
import type { Diagnosis, DiagnosisCause, DiagnosisChange, DiagnosisReplica } from './diagnosis.js';
import type { PolicyAction } from './policy.js';
import type { RemediationAction } from './remediation-action.js';
import type { ServiceState } from './remediation-platform.js';

/** A policy's action made concrete for one cause, with why; or why it does not apply. */
export type Resolution =
  | { readonly action: RemediationAction; readonly reason: string }
  | { readonly action: null; readonly reason: string };

/** What resolution reads besides the diagnosis. */
export interface ResolveContext {
  readonly nowMs: number;
  /** The platform's view of a service (cached by the caller for one decision). */
  state(service: string): Promise<ServiceState>;
}

const none = (reason: string): Resolution => ({ action: null, reason });

/**
 * Turns a matching policy's action into a concrete action for the root cause: which rollout, which flag and
 * variant, which replica, how many replicas, what rate. Returns `action: null` when the action does not
 * apply (no recent rollout, no flag change, nothing configured): the next policy is tried.
 */
export async function resolveAction(
  action: PolicyAction,
  cause: DiagnosisCause,
  diagnosis: Diagnosis,
  ctx: ResolveContext,
): Promise<Resolution> {
  const service = cause.service;
  switch (action.type) {
    case 'rollback': {
      const since = ctx.nowMs - action.params.changeWindowSeconds * 1000;
      if (action.params.source === 'config') {
        const change = latest(
          changesInEffect(diagnosis.context.changes),
          (c) => c.change === 'config' && c.service === service,
          since,
        );
        if (!change) return none(`no config change of ${service} in the window`);
        return {
          action: { type: 'rollback', service, ...(change.revision ? { revision: change.revision } : {}) },
          reason: `config change of ${service} ${ago(ctx.nowMs, change.atMs)} before: it rolled out as a revision`,
        };
      }
      const rollout = (await ctx.state(service)).lastRollout;
      const seen = latest(
        diagnosis.context.changes,
        (c) => c.change === 'rollout' && c.service === service,
        since,
      );
      const startedRecently = rollout !== undefined && rollout.startedAtMs >= since;
      const promotedRecently = rollout?.promotedAtMs !== undefined && rollout.promotedAtMs >= since;
      if (rollout === undefined || (!startedRecently && !promotedRecently && !seen)) {
        return none(`no rollout of ${service} in the window`);
      }
      // A regression that shows after the promotion is still this rollout's: nothing else changed since.
      const when =
        rollout.promotedAtMs !== undefined
          ? `promoted ${ago(ctx.nowMs, rollout.promotedAtMs)} before`
          : `started ${ago(ctx.nowMs, rollout.startedAtMs)} before`;
      return {
        action: {
          type: 'rollback',
          service,
          revision: rollout.revision,
          toRevision: rollout.previousRevision,
        },
        reason: `rollout ${rollout.revision} of ${service} ${when} (${rollout.state})`,
      };
    }
    case 'flag-off': {
      const since = ctx.nowMs - action.params.changeWindowSeconds * 1000;
      const change = latest(
        changesInEffect(diagnosis.context.changes),
        (c) =>
          c.change === 'flag' && c.flag !== undefined && (c.service === undefined || c.service === service),
        since,
      );
      if (!change?.flag) return none(`no flag change for ${service} in the window`);
      const variant = action.params.offVariants[change.flag] ?? change.previousVariant;
      if (variant === undefined) return none(`flag ${change.flag}: no previous or configured off variant`);
      return {
        action: {
          type: 'flag-off',
          service,
          flag: change.flag,
          variant,
          ...(change.variant !== undefined ? { fromVariant: change.variant } : {}),
        },
        reason: `flag ${change.flag} changed ${ago(ctx.nowMs, change.atMs)} before the incident (kill switch)`,
      };
    }
    case 'restart':
    case 'replace': {
      const targets =
        action.params.of === 'callers'
          ? callersOf(cause, diagnosis)
          : action.params.of === 'users'
            ? (cause.usedBy ?? []).filter((s) => s !== service)
            : [service];
      if (targets.length === 0 && action.params.of === 'users')
        return none(`no caller is named failing on ${service}`);
      for (const target of targets) {
        const replicas = diagnosis.context.replicas[target] ?? [];
        if (replicas.length === 0) continue;
        if (action.type === 'restart' && action.params.scaleOutIfAllSaturated) {
          // Saturated by more requests than usual: a restart takes capacity away when it is short.
          const load = loadOf(target, diagnosis);
          if (load !== undefined) {
            const state = await ctx.state(target);
            if (state.replicas < state.maxReplicas) {
              return {
                action: { type: 'scale-out', service: target, from: state.replicas, to: state.replicas + 1 },
                reason: load,
              };
            }
            return none(
              `${load}, and ${target} is at its maxReplicas (${state.maxReplicas}): a restart would only take capacity away`,
            );
          }
          const threshold = action.params.saturatedCpu;
          if (replicas.every((r) => (r.cpu ?? 0) >= threshold)) {
            const state = await ctx.state(target);
            const saturated = `all ${replicas.length} replicas of ${target} at or above ${threshold} cores`;
            if (state.replicas < state.maxReplicas) {
              return {
                action: { type: 'scale-out', service: target, from: state.replicas, to: state.replicas + 1 },
                reason: saturated,
              };
            }
            // Restarting one saturated replica moves its load onto the others, saturated too.
            if (replicas.length > 1) {
              return {
                action: { type: 'rolling-restart', service: target },
                reason: `${saturated} and ${target} at its maxReplicas (${state.maxReplicas}): every replica replaced`,
              };
            }
          }
        }
        // Every replica of the target replaced, one by one (a rolling restart), because `why`.
        const replaceEvery = (why: string): Resolution => ({
          action: { type: 'rolling-restart', service: target },
          reason:
            (action.params.of !== 'service'
              ? `${target} calls the failing ${service}: a restart resets its connection pools; `
              : '') + `${why}: every replica replaced`,
        });
        if (action.type === 'restart' && action.params.pick === 'auto') {
          const odd = standingOut(replicas, ctx.nowMs);
          if (odd === undefined) {
            return replaceEvery(
              `no replica of ${target} stands out (all ${replicas.length} ready, as many restarts, CPU spread)`,
            );
          }
          return {
            action: { type: 'restart', service: target, replica: odd.replica.name },
            reason:
              (action.params.of !== 'service'
                ? `${target} calls the failing ${service}: a restart resets its connection pool; `
                : '') + `replica ${odd.replica.name} ${odd.why}`,
          };
        }
        if (action.params.pick === 'busiest' && replicas.length > 1) {
          // Every replica as busy as the next (a hot loop or leak in the code, no extra load): restarting the
          // busiest frees one and leaves the rest as they were — the benchmark's CPU burn in both replicas.
          const busy = busiestStandingOut(replicas);
          if (busy === 'alike') {
            return replaceEvery(`no replica of ${target} is busier than the others (${usageOf(replicas)})`);
          }
        }
        const how = action.params.pick === 'auto' ? 'failing' : action.params.pick;
        const replica = pick(replicas, how);
        const why =
          action.params.of !== 'service'
            ? `${target} calls the failing ${service}: a restart resets its connection pool`
            : how === 'failing'
              ? `replica ${replica.name} is ${replica.ready ? 'ready' : 'not ready'} with ${replica.restarts} restarts`
              : `replica ${replica.name} is the busiest of ${target}`;
        return { action: { type: action.type, service: target, replica: replica.name }, reason: why };
      }
      return none(`no replicas of ${targets.join(', ') || service} known`);
    }
    case 'scale-out': {
      const state = await ctx.state(service);
      return {
        action: { type: 'scale-out', service, from: state.replicas, to: state.replicas + action.params.step },
        reason: `more replicas for ${cause.kind} of ${service}`,
      };
    }
    case 'shed-load': {
      const entry = action.params.service;
      const before = diagnosis.context.requestRates?.[entry];
      const rps =
        action.params.requestsPerSecond ??
        (before !== undefined ? before * action.params.fraction : undefined);
      if (rps === undefined || !(rps > 0)) return none(`no pre-incident request rate of ${entry} known`);
      return {
        action: { type: 'shed-load', service: entry, requestsPerSecond: rps },
        reason:
          action.params.requestsPerSecond !== undefined
            ? `shed load at ${entry} (fixed limit)`
            : `shed load at ${entry}: ${Math.round(action.params.fraction * 100)} % of its pre-incident ${round(before ?? 0)} requests/s`,
      };
    }
    case 'open-circuit': {
      const callers = action.params.callers[service] ?? [];
      if (callers.length === 0) return none(`no callers of ${service} configured for a circuit`);
      return {
        action: { type: 'open-circuit', service, callers, durationMs: action.params.durationSeconds * 1000 },
        reason: `${service} fails: stop calling it and fail fast`,
      };
    }
    case 'failover': {
      const to = action.params.alternatives[service];
      if (to === undefined) return none(`no failover configured for ${service}`);
      // Named by what failed (used by its callers): the service itself is down or unreachable, and its
      // failover switches what it depends on (a card provider), which cannot bring it back.
      if (cause.usedBy !== undefined && cause.usedBy.length > 0)
        return none(
          `${service} itself fails for ${cause.usedBy.join(', ')}: its failover (to ${to}) switches its own dependency`,
        );
      return {
        action: { type: 'failover', service, to },
        reason: `${service} fails and ${to} is its alternative`,
      };
    }
  }
}

/** The anomalous services other than the cause, in the order the diagnosis lists them. */
/** How many times its usual request rate makes a saturated service loaded rather than sick. */
const LOADED_RATIO = 1.3;

/** Why `service` is saturated by load (its request rate well over its usual), or undefined. */
function loadOf(service: string, diagnosis: Diagnosis): string | undefined {
  const usual = diagnosis.context.requestRates?.[service];
  const now = diagnosis.context.currentRequestRates?.[service];
  if (usual === undefined || now === undefined || usual <= 0 || now < LOADED_RATIO * usual) return undefined;
  return `${service} serves ${round(now)} requests/s, ${round(now / usual)}× its usual ${round(usual)}`;
}

/** The callers whose pools to `cause` are reset: those whose calls to it failed, else every anomalous one. */
function callersOf(cause: DiagnosisCause, diagnosis: Diagnosis): string[] {
  if (cause.usedBy !== undefined && cause.usedBy.length > 0)
    return cause.usedBy.filter((s) => s !== cause.service);
  const anomalous = new Set(diagnosis.signals.map((s) => s.service));
  return diagnosis.services.filter((s) => s !== cause.service && anomalous.has(s));
}

function latest(
  changes: readonly DiagnosisChange[],
  fits: (c: DiagnosisChange) => boolean,
  sinceMs: number,
): DiagnosisChange | undefined {
  let best: DiagnosisChange | undefined;
  for (const c of changes) if (c.atMs >= sinceMs && fits(c) && (!best || c.atMs > best.atMs)) best = c;
  return best;
}

function pick(replicas: readonly DiagnosisReplica[], how: 'busiest' | 'failing'): DiagnosisReplica {
  const busiest = (a: DiagnosisReplica, b: DiagnosisReplica) =>
    (b.cpu ?? 0) - (a.cpu ?? 0) ||
    (b.memoryBytes ?? 0) - (a.memoryBytes ?? 0) ||
    a.name.localeCompare(b.name);
  const failing = (a: DiagnosisReplica, b: DiagnosisReplica) =>
    Number(a.ready) - Number(b.ready) || b.restarts - a.restarts || busiest(a, b);
  return [...replicas].sort(how === 'failing' ? failing : busiest)[0]!;
}

/**
 * Whether the busiest replica stands out: its CPU twice the next one's (and notable), or its memory half as
 * much again as the next one's. 'alike' when every replica's CPU is known and neither stands out; 'unknown'
 * without it.
 */
function busiestStandingOut(replicas: readonly DiagnosisReplica[]): 'stands-out' | 'alike' | 'unknown' {
  const by = (value: (r: DiagnosisReplica) => number | undefined, ratio: number, notable: number) => {
    const values = replicas.map(value);
    if (values.some((v) => v === undefined)) return undefined;
    const [first, second] = (values as number[]).sort((a, b) => b - a);
    return first! >= notable && first! >= ratio * second!;
  };
  const cpu = by((r) => r.cpu, CONCENTRATED_CPU_RATIO, NOTABLE_CPU);
  const memory = by((r) => r.memoryBytes, CONCENTRATED_MEMORY_RATIO, 0);
  if (cpu === true || memory === true) return 'stands-out';
  return cpu === false ? 'alike' : 'unknown';
}

/** Each replica's CPU (and memory), for a reason text. */
function usageOf(replicas: readonly DiagnosisReplica[]): string {
  return replicas
    .map(
      (r) =>
        `${r.name} ${r.cpu === undefined ? '?' : round(r.cpu)} cores` +
        (r.memoryBytes === undefined ? '' : `, ${Math.round(r.memoryBytes / 2 ** 20)} MiB`),
    )
    .join('; ');
}

/** A replica holding this many times the next one's memory stands out (a leak in one process). */
const CONCENTRATED_MEMORY_RATIO = 1.5;

/** The busiest replica counts as standing out when it uses at least this many times the next one's CPU… */
const CONCENTRATED_CPU_RATIO = 2;
/** …and at least this much (cores): below it differences are idle noise. */
const NOTABLE_CPU = 0.1;

/**
 * The replica that stands out from the others, with why: the only one; one not ready (all not ready: the
 * one with most restarts, as a rolling restart would have nothing to keep available); one with more restarts
 * than the others; one holding the CPU (twice the next one's, at least 0.1 cores). None: they look alike.
 */
/** Restarts older than this are history, not a sign of the replica failing now. */
const RECENT_RESTART_MS = 10 * 60_000;

function standingOut(
  replicas: readonly DiagnosisReplica[],
  nowMs: number,
): { readonly replica: DiagnosisReplica; readonly why: string } | undefined {
  const worst = pick(replicas, 'failing');
  if (replicas.length === 1) return { replica: worst, why: `is the only replica` };
  if (replicas.some((r) => !r.ready)) {
    return {
      replica: worst,
      why: replicas.every((r) => !r.ready)
        ? `has the most restarts (${worst.restarts}) and no replica is ready`
        : `is not ready (${worst.restarts} restarts)`,
    };
  }
  // More restarts count only when the last of them is recent: a replica restarted by an earlier incident's
  // repair twenty minutes ago is no more suspect than its peers.
  const restarts = replicas.map((r) => r.restarts);
  if (Math.max(...restarts) > Math.min(...restarts) && nowMs - worst.startedAtMs <= RECENT_RESTART_MS) {
    return { replica: worst, why: `has restarted more than the others (${worst.restarts} times)` };
  }
  if (replicas.every((r) => r.cpu !== undefined)) {
    const [first, second] = [...replicas].sort((a, b) => b.cpu! - a.cpu!);
    if (first!.cpu! >= NOTABLE_CPU && first!.cpu! >= CONCENTRATED_CPU_RATIO * second!.cpu!) {
      return {
        replica: first!,
        why: `holds the CPU (${round(first!.cpu!)} cores, next ${round(second!.cpu!)})`,
      };
    }
  }
  return undefined;
}

function ago(nowMs: number, atMs: number): string {
  const s = Math.max(0, Math.round((nowMs - atMs) / 1000));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}
