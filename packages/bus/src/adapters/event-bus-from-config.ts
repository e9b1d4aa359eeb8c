import { z } from 'zod';
import { ConfigError, type Logger, type ServiceMetrics } from '@opsloop/kit';
import type { EventBus } from '../event-bus.js';
import { createEmbeddedEventBus } from './embedded/broker-event-bus.js';
import { createNatsEventBus } from './nats/nats-event-bus.js';

/**
 * The bus variables a service reads (extend its config schema with `busConfigSchema.shape`):
 * `NATS_URL` (comma-separated `nats://host:port` list) selects NATS JetStream; otherwise `OPSLOOP_BUS_URL`
 * (+ `OPSLOOP_BUS_TOKEN`), the embedded broker served by the runtime.
 */
export const busConfigSchema = z.object({
  NATS_URL: z
    .string()
    .regex(/^(?:(?:nats|tls):\/\/[^\s,]+)(?:,(?:nats|tls):\/\/[^\s,]+)*$/, 'expected nats://host:port[,…]')
    .optional(),
  OPSLOOP_BUS_URL: z.url({ error: 'expected an http(s) URL' }).optional(),
  OPSLOOP_BUS_TOKEN: z.string().min(16, 'expected a token of at least 16 characters').optional(),
});

/** Bus settings parsed by {@link busConfigSchema}. */
export type BusConfig = z.infer<typeof busConfigSchema>;

/** Options of {@link createEventBusFromConfig}. */
export interface EventBusFromConfigOptions {
  config: BusConfig;
  /** Connection name (NATS) — usually the service name. */
  name?: string;
  log?: Logger;
  /** The service's metrics registry, for its consumers' lag and settlements. */
  registry?: ServiceMetrics['registry'];
}

/**
 * The EventBus a service's config selects: NATS JetStream when `NATS_URL` is set, else the embedded broker at
 * `OPSLOOP_BUS_URL`. Throws a {@link ConfigError} when neither is set.
 */
export async function createEventBusFromConfig(options: EventBusFromConfigOptions): Promise<EventBus> {
  const { config, log, name, registry } = options;
  if (config.NATS_URL !== undefined) {
    return createNatsEventBus({
      servers: config.NATS_URL.split(','),
      ...(name === undefined ? {} : { name }),
      ...(log === undefined ? {} : { log }),
      ...(registry === undefined ? {} : { registry }),
    });
  }
  if (config.OPSLOOP_BUS_URL !== undefined) {
    return createEmbeddedEventBus({
      url: config.OPSLOOP_BUS_URL,
      ...(config.OPSLOOP_BUS_TOKEN === undefined ? {} : { token: config.OPSLOOP_BUS_TOKEN }),
      ...(log === undefined ? {} : { log }),
      ...(registry === undefined ? {} : { registry }),
    });
  }
  throw new ConfigError(['NATS_URL or OPSLOOP_BUS_URL: one of them is required (not set)']);
}
