import { useMemo } from 'react';
import type { ApiError } from '../../api/problem.js';
import type { EventsAnswer } from '../../api/service-types.js';
import type { RuntimeEventRecord } from '../../api/types.js';
import { useQuery } from '../../app/use-query.js';
import type { ChartMarker } from '../../components/chart-data.js';
import { formatRevision } from '../../components/format.js';
import { escapeRegExp } from '../../components/reg-exp.js';

const seconds = (iso: string) => Date.parse(iso) / 1000;

/**
 * The chart marker of a runtime event that concerns `service`, if any: deploys (spec changes), flag
 * changes, scaling, rollouts and chaos. Events without a `service` field are matched on their words.
 */
export function markerOfEvent(event: RuntimeEventRecord, service: string): ChartMarker | undefined {
  const at = seconds(event.at);
  if (!Number.isFinite(at)) return undefined;
  const ours = event.service === service;
  const text = (field: string) => (typeof event[field] === 'string' ? event[field] : '');
  switch (event.type) {
    case 'spec-applied': {
      const changes = Array.isArray(event.changes)
        ? event.changes.filter((c): c is string => typeof c === 'string')
        : [];
      const mine = changes.filter((c) => c.startsWith(`${service}:`));
      const flags = changes.filter((c) => c.startsWith('flags:'));
      if (mine.length > 0) return { at, kind: 'deploy', label: mine.join('; ') };
      if (flags.length > 0) return { at, kind: 'flag', label: flags.join('; ') };
      return undefined;
    }
    case 'service-scaled':
      return ours
        ? { at, kind: 'scale', label: `scaled ${String(event.from)} → ${String(event.to)}` }
        : undefined;
    case 'autoscaled':
      return ours
        ? {
            at,
            kind: 'scale',
            label: `autoscaled ${String(event.from)} → ${String(event.to)} (${text('reason')})`,
          }
        : undefined;
    case 'chaos': {
      const detail = text('detail');
      const mentions =
        ours || new RegExp(`(?:^|[\\s(])${escapeRegExp(service)}(?:-\\d+)?(?=$|[\\s),.:;])`).test(detail);
      return mentions ? { at, kind: 'chaos', label: `chaos ${text('phase')}: ${detail}` } : undefined;
    }
    case 'control-api': {
      // Flag changes made through the API: whatever field names the flag, the words say "flag".
      const words = Object.entries(event)
        .filter(([key, value]) => key !== 'type' && key !== 'at' && typeof value === 'string')
        .map(([, value]) => value as string)
        .join(' ');
      return /\bflags?\b/i.test(words) ? { at, kind: 'flag', label: words } : undefined;
    }
    default:
      break;
  }
  if (!ours || !event.type.startsWith('rollout-')) return undefined;
  const revision = formatRevision(text('revision'));
  switch (event.type) {
    case 'rollout-step':
      return {
        at,
        kind: 'rollout',
        label: `rollout ${revision} step ${String(event.step)}/${String(event.of)} at ${String(event.weight)} %`,
      };
    case 'rollout-promoted':
      return { at, kind: 'rollout', label: `rollout ${revision} promoted` };
    case 'rollout-aborted':
      return { at, kind: 'rollout', label: `rollout ${revision} aborted: ${text('reason')}` };
    case 'rollout-paused':
      return { at, kind: 'rollout', label: `rollout ${revision} paused: ${text('reason')}` };
    case 'rollout-analysis':
      return { at, kind: 'rollout', label: `rollout ${revision} analysis: ${text('verdict')}` };
    case 'rollout-action':
      return { at, kind: 'rollout', label: `rollout ${text('action')}` };
    case 'rollout-blocked':
      return { at, kind: 'rollout', label: `rollout blocked: ${text('reason')}` };
    default:
      return { at, kind: 'rollout', label: event.type };
  }
}

const MARKER_EVENTS = /^(spec-applied|service-scaled|autoscaled|chaos|control-api|rollout-.*)$/;

/** The markers of the runtime events that concern `service`, refetched as such events arrive. */
export function useEventMarkers(service: string): { markers: ChartMarker[]; error: ApiError | undefined } {
  // Spec changes, flag changes and chaos carry no `service` field: the unfiltered log is read for them.
  const events = useQuery(
    `events:${service}`,
    async (api, signal) => {
      const [own, all] = await Promise.all([
        api.get<EventsAnswer>('/v1/events', { service, limit: 500 }, signal),
        api.get<EventsAnswer>('/v1/events', { limit: 500 }, signal),
      ]);
      const bySeq = new Map<number, RuntimeEventRecord>();
      for (const event of [...own.events, ...all.events]) bySeq.set(event.seq, event);
      return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
    },
    { pollMs: 60_000, refetchOn: (e) => MARKER_EVENTS.test(e.type) },
  );
  const markers = useMemo(
    () =>
      (events.data ?? [])
        .map((e) => markerOfEvent(e, service))
        .filter((m): m is ChartMarker => m !== undefined),
    [events.data, service],
  );
  return { markers, error: events.error };
}
