/**
 * @opsloop/bus — the EventBus port, its embedded broker and NATS JetStream adapters. See README.md.
 */
export type {
  Delivery,
  EventBus,
  EventEnvelope,
  PublishResult,
  SubscribeOptions,
  Subscription,
} from './event-bus.js';
export { BusError, isBusErrorCode, type BusErrorCode } from './bus-error.js';
export { PARTITION_COUNT, partitionOf } from './partition.js';
export {
  assertStreamName,
  encodeEvent,
  type EncodedEvent,
  DEAD_LETTER_SUFFIX,
  DEFAULT_DEDUPE_WINDOW_MS,
  MAX_EVENT_BYTES,
  NAME_PATTERN,
  deadLetterStreamOf,
  isDeadLetterStream,
} from './validation.js';

export {
  BUS_ERROR_MEMBER,
  type BrokerApi,
  type BrokerPublishOptions,
  type FetchRequest,
  type NakRequest,
  type SettleRequest,
  type StreamInfo,
} from './adapters/embedded/broker-api.js';
export {
  createEmbeddedBroker,
  type BrokerStats,
  type EmbeddedBroker,
  type EmbeddedBrokerOptions,
} from './adapters/embedded/broker.js';
export { registerBrokerRoutes, type BrokerRoutesOptions } from './adapters/embedded/broker-routes.js';
export {
  createEmbeddedEventBus,
  createInProcessEventBus,
  type BrokerEventBusOptions,
  type EmbeddedEventBusOptions,
} from './adapters/embedded/broker-event-bus.js';
export { createNatsEventBus, type NatsEventBusOptions } from './adapters/nats/nats-event-bus.js';
export {
  busConfigSchema,
  createEventBusFromConfig,
  type BusConfig,
  type EventBusFromConfigOptions,
} from './adapters/event-bus-from-config.js';
export { consumerMetricsOn, type ConsumerMetrics, type DeliveryOutcome } from './consumer-metrics.js';
export { tracePublish, traceDelivery, withTraceContext, type MessagingSystem } from './tracing.js';
