import { z } from 'zod';

/** Name of an event type: `<entity>.<verb-past>.v<major>`, e.g. `order.placed.v1`. */
export const eventTypeNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*\.v[1-9][0-9]*$/,
    'expected <entity>.<event>.v<major>, e.g. order.placed.v1',
  );

/**
 * Metadata every event carries on the bus, whatever its type. `id` is unique (consumers dedupe by it);
 * `key` orders events (events of one key are delivered in publish order); `headers` carry W3C trace context.
 */
export const eventMetadataSchema = z.object({
  id: z.string().min(1).max(128),
  type: eventTypeNameSchema,
  key: z.string().min(1).max(256),
  time: z.iso.datetime({ offset: true }),
  headers: z.record(z.string(), z.string()).optional(),
});

/** Metadata of an event. */
export type EventMetadata = z.infer<typeof eventMetadataSchema>;
