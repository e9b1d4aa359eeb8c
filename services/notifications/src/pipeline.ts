import type { EventBus, Subscription } from '@opsloop/bus';
import { systemClock, type Clock, type Logger } from '@opsloop/kit';
import type { Database } from '@opsloop/store';
import { createMailDeliverer, type DelivererStats, type MailDeliverer } from './deliverer.js';
import { createMailIntake, NOTIFICATIONS_GROUP, type IntakeStats, type MailIntake } from './intake.js';
import { openMailSink } from './mail-sink.js';
import type { NotificationsTables } from './tables.js';

/** The streams the service consumes. */
export const NOTIFICATION_STREAMS = ['orders', 'payments', 'users'] as const;

/** Options of {@link startNotificationPipeline}. */
export interface NotificationPipelineOptions {
  database: Database<NotificationsTables>;
  bus: EventBus;
  /** The mail sink directory (created when missing). */
  sinkDir: string;
  /** The `From` header. */
  from?: string;
  clock?: Clock;
  log?: Logger;
  /** Attempts before the bus dead-letters an event (default: the bus's, 5). */
  maxDeliver?: number;
  /** Delays before redeliveries (default: the bus's, 1 s, 5 s, 30 s). */
  backoffMs?: number[];
  /** How often the deliverer polls when nothing wakes it. */
  pollIntervalMs?: number;
}

/** The running consumer side of the service. */
export interface NotificationPipeline {
  readonly intake: MailIntake;
  readonly deliverer: MailDeliverer;
  stats(): { intake: IntakeStats; delivery: DelivererStats };
  /** Stops the subscriptions (waiting for handlers in flight), then the deliverer. */
  stop(): Promise<void>;
}

/**
 * Subscribes the intake to every stream of {@link NOTIFICATION_STREAMS} (group `notifications`, creating
 * streams that do not exist yet) and starts the deliverer; each committed mail wakes the deliverer.
 */
export async function startNotificationPipeline(
  options: NotificationPipelineOptions,
): Promise<NotificationPipeline> {
  const { database, bus, log } = options;
  const clock = options.clock ?? systemClock;
  const sink = await openMailSink(options.sinkDir);
  const intake = createMailIntake({ database, now: () => clock.now(), ...(log ? { log } : {}) });
  const deliverer = createMailDeliverer({
    database,
    sink,
    clock,
    ...(log ? { log } : {}),
    ...(options.from === undefined ? {} : { from: options.from }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  });
  deliverer.start();

  const subscriptions: Subscription[] = [];
  const stop = async (): Promise<void> => {
    await Promise.allSettled(subscriptions.map((subscription) => subscription.stop()));
    await deliverer.stop();
  };
  try {
    for (const stream of NOTIFICATION_STREAMS) {
      await bus.ensureStream(stream);
      subscriptions.push(
        await bus.subscribe({
          stream,
          group: NOTIFICATIONS_GROUP,
          ...(options.maxDeliver === undefined ? {} : { maxDeliver: options.maxDeliver }),
          ...(options.backoffMs === undefined ? {} : { backoffMs: options.backoffMs }),
          handler: async (delivery) => {
            // Notified after the handler's transaction committed: the deliverer's query then sees the mail.
            if ((await intake.handle(delivery)) === 'created') deliverer.notify();
          },
        }),
      );
    }
  } catch (error) {
    await stop();
    throw error;
  }
  log?.info({ streams: NOTIFICATION_STREAMS, sink: options.sinkDir }, 'consuming shop events');
  return {
    intake,
    deliverer,
    stats: () => ({ intake: intake.stats(), delivery: deliverer.stats() }),
    stop,
  };
}
