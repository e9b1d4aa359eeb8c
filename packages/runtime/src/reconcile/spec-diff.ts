import { isDeepStrictEqual } from 'node:util';
import type { ServiceSpec, SystemSpec } from '../spec/schema.js';
import { templateRevision } from './service-controller.js';

/**
 * What `apply` does to one service, to the feature flags (`action: 'flags'`, the keys that change), or to
 * the scheduled scaling (`action: 'schedule'`, its uptime before and after; null for none).
 */
export type ServiceChange =
  | { action: 'flags'; flags: string[] }
  | { action: 'schedule'; from: string | null; to: string | null }
  | { service: string; action: 'create'; replicas: number }
  | { service: string; action: 'delete' }
  | {
      service: string;
      action: 'update';
      /** Changed fields, as paths (`replicas`, `env.LOG_LEVEL`, `probes.readiness`). */
      fields: string[];
      /** Replica count before and after (equal when unchanged). */
      replicas: { from: number; to: number };
      /** Set when the replica template changed: its replicas are replaced by a rolling update. */
      rollout?: { from: string; to: string };
    };

/** Raised when a new spec changes what only a restart can change. */
export class ApplyError extends Error {
  override readonly name = 'ApplyError';
}

/** Field paths where `a` and `b` differ, one level into objects (`env.X`, `probes.readiness`). */
function changedFields(a: ServiceSpec, b: ServiceSpec): string[] {
  const fields: string[] = [];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof ServiceSpec>;
  for (const key of [...keys].sort()) {
    const x: unknown = a[key];
    const y: unknown = b[key];
    if (isDeepStrictEqual(x, y)) continue;
    if (isPlainObject(x) && isPlainObject(y)) {
      const inner = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of [...inner].sort()) if (!isDeepStrictEqual(x[k], y[k])) fields.push(`${key}.${k}`);
    } else {
      fields.push(key);
    }
  }
  return fields;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * What applying `next` over `current` changes, service by service (sorted by name). `replicasNow` gives a
 * service's desired count now, which a `scale` may have changed since the spec was applied: the diff then
 * shows the count going back to the spec's (as `kubectl apply` does). Refuses changes of the system itself
 * (name, runtime settings): those need `opsloop down` and `up`.
 */
export function diffSpecs(
  current: SystemSpec,
  next: SystemSpec,
  replicasNow: (service: string) => number | undefined = () => undefined,
  /** The revision a service runs now (`from`) or would run (`to`), when more than its spec decides it. */
  revisionOf: (service: string, spec: ServiceSpec, side: 'from' | 'to') => string = (_service, spec) =>
    templateRevision(spec),
): ServiceChange[] {
  if (current.metadata.name !== next.metadata.name)
    throw new ApplyError(
      `metadata.name changes from "${current.metadata.name}" to "${next.metadata.name}": that is another system; stop this one first`,
    );
  // The schedule is the one runtime setting a running system takes on (its controller reads it every tick).
  const { schedule: scheduleBefore, ...runtimeBefore } = current.runtime;
  const { schedule: scheduleAfter, ...runtimeAfter } = next.runtime;
  if (!isDeepStrictEqual(runtimeBefore, runtimeAfter))
    throw new ApplyError(
      'the runtime section changed: it takes effect only at start (opsloop down, then up)',
    );
  const changes: ServiceChange[] = [];
  if (!isDeepStrictEqual(scheduleBefore, scheduleAfter))
    changes.push({
      action: 'schedule',
      from: scheduleBefore?.uptime ?? null,
      to: scheduleAfter?.uptime ?? null,
    });
  const names = [...new Set([...Object.keys(current.services), ...Object.keys(next.services)])].sort();
  for (const service of names) {
    const before = current.services[service];
    const after = next.services[service];
    if (before === undefined && after !== undefined) {
      changes.push({ service, action: 'create', replicas: after.replicas });
    } else if (before !== undefined && after === undefined) {
      changes.push({ service, action: 'delete' });
    } else if (before !== undefined && after !== undefined) {
      const fields = changedFields(before, after);
      const from = replicasNow(service) ?? before.replicas;
      if (fields.length === 0 && from === after.replicas) continue;
      const revisions = { from: revisionOf(service, before, 'from'), to: revisionOf(service, after, 'to') };
      changes.push({
        service,
        action: 'update',
        fields: fields.length === 0 ? ['replicas'] : fields,
        replicas: { from, to: after.replicas },
        ...(revisions.from === revisions.to ? {} : { rollout: revisions }),
      });
    }
  }
  return changes;
}

/** One line per change, for the CLI and logs. */
export function describeChange(change: ServiceChange): string {
  switch (change.action) {
    case 'flags':
      return `flags: ${change.flags.length === 0 ? 'document changed' : `changed ${change.flags.join(', ')}`}`;
    case 'schedule':
      return change.from === change.to
        ? `schedule: changed (uptime ${change.to ?? '(none)'})`
        : `schedule: uptime ${change.from ?? '(none)'} → ${change.to ?? '(none)'}`;
    case 'create':
      return `${change.service}: created (${change.replicas} replica${change.replicas === 1 ? '' : 's'})`;
    case 'delete':
      return `${change.service}: deleted (its replicas drain and stop)`;
    case 'update': {
      const parts: string[] = [];
      if (change.replicas.from !== change.replicas.to)
        parts.push(`replicas ${change.replicas.from} → ${change.replicas.to}`);
      const other = change.fields.filter((f) => f !== 'replicas');
      if (other.length > 0) parts.push(`changed ${other.join(', ')}`);
      if (change.rollout !== undefined)
        parts.push(`rolling update ${change.rollout.from} → ${change.rollout.to}`);
      return `${change.service}: ${parts.join('; ')}`;
    }
  }
}
