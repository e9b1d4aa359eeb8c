import { counterOn, gaugeOn, type ServiceMetrics } from '@opsloop/kit';
import type { Delivery } from './event-bus.js';

type Registry = ServiceMetrics['registry'];

/** What a consumer did with a delivery (see the delivery runner's settlements). */
export type DeliveryOutcome = 'ack' | 'nak' | 'dead-letter';

/** A consumer's metrics: every delivery is tracked from its start to its settlement. */
export interface ConsumerMetrics {
  /** Marks a delivery as being handled; call the returned function with its outcome when it is settled. */
  start(delivery: Delivery, group: string): (outcome: DeliveryOutcome) => void;
}

interface InFlight {
  readonly stream: string;
  readonly group: string;
  /** When the event happened (its `time`), or when its handling began if that is not a date; clock ms. */
  readonly sinceMs: number;
}

interface Tracker {
  readonly inFlight: Set<InFlight>;
  /** `stream\ngroup` pairs seen: each keeps a series (0 when idle) so a stall shows as a rise, not a gap. */
  readonly seen: Set<string>;
  readonly now: () => number;
}

// Several buses of one process (or test) may share a service's registry; prom-client keeps the first
// registration of a name, so its collect reads every tracker of that registry.
const trackers = new WeakMap<Registry, Set<Tracker>>();

const LAG_HELP =
  'Age of the oldest event this consumer is handling and has not settled (now − the event time), seconds; 0 when idle. A stalled or overwhelmed consumer shows here before anything else.';

/**
 * Consumer metrics on `registry` (what the runtime scrapes):
 * - `messaging_consumer_lag_seconds{stream,group}`: the age of the oldest unsettled event in this process —
 *   the consumer-side view of lag (how far behind the events' own time handling is), measured the same way for
 *   every adapter. A handler that never ends (a stuck call, a stalled consumer) makes it grow without bound;
 *   a backlog makes every handled event old.
 * - `messaging_consumer_deliveries_total{stream,group,outcome}`: deliveries settled, by outcome.
 */
export function consumerMetricsOn(registry: Registry, now: () => number = Date.now): ConsumerMetrics {
  const tracker: Tracker = { inFlight: new Set(), seen: new Set(), now };
  let all = trackers.get(registry);
  if (all === undefined) {
    all = new Set();
    trackers.set(registry, all);
  }
  all.add(tracker);
  const shared = all;
  gaugeOn(registry, {
    name: 'messaging_consumer_lag_seconds',
    help: LAG_HELP,
    labelNames: ['stream', 'group'] as const,
    collect(gauge) {
      const lag = new Map<string, number>();
      for (const t of shared) {
        for (const key of t.seen) lag.set(key, Math.max(lag.get(key) ?? 0, 0));
        const at = t.now();
        for (const d of t.inFlight) {
          const key = `${d.stream}\n${d.group}`;
          lag.set(key, Math.max(lag.get(key) ?? 0, Math.max(0, at - d.sinceMs) / 1000));
        }
      }
      gauge.reset();
      for (const [key, seconds] of lag) {
        const [stream = '', group = ''] = key.split('\n');
        gauge.set({ stream, group }, seconds);
      }
    },
  });
  const settled = counterOn(registry, {
    name: 'messaging_consumer_deliveries_total',
    help: 'Deliveries settled by this consumer, by outcome: ack (handled), nak (failed, redelivered later), dead-letter.',
    labelNames: ['stream', 'group', 'outcome'] as const,
  });
  return {
    start(delivery, group) {
      const startedAt = tracker.now();
      const eventAt = Date.parse(delivery.event.time);
      // A future event time (another machine's clock ahead) counts from now rather than never ageing.
      const sinceMs = Number.isFinite(eventAt) ? Math.min(eventAt, startedAt) : startedAt;
      const entry: InFlight = { stream: delivery.stream, group, sinceMs };
      tracker.seen.add(`${delivery.stream}\n${group}`);
      tracker.inFlight.add(entry);
      let done = false;
      return (outcome) => {
        if (done) return;
        done = true;
        tracker.inFlight.delete(entry);
        settled.inc({ stream: delivery.stream, group, outcome });
      };
    },
  };
}
