// Attribute names of the OpenTelemetry semantic conventions (HTTP, RPC, database and messaging, 1.3x) as
// plain strings: @opentelemetry/semantic-conventions' entry point costs ~10 ms of start-up for a handful of
// constants.

/**
 * The span attribute names the kit's instrumentation uses (OpenTelemetry semantic conventions), for the
 * packages that instrument their own code paths (rpc, bus, store).
 */
export const SEMCONV = {
  /** GET, POST, … or `_OTHER`. */
  httpRequestMethod: 'http.request.method',
  httpResponseStatusCode: 'http.response.status_code',
  /** The route template, e.g. `/orders/:id`. */
  httpRoute: 'http.route',
  /** The path without the query string. */
  urlPath: 'url.path',
  urlScheme: 'url.scheme',
  /** Scheme, host and path of an outgoing request; the query is left out (it may carry values). */
  urlFull: 'url.full',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  clientAddress: 'client.address',
  userAgentOriginal: 'user_agent.original',
  /** `1.1`, `2`. */
  networkProtocolVersion: 'network.protocol.version',
  /** The status code or the error's class. */
  errorType: 'error.type',
  /** The logical name of the service called. */
  peerService: 'peer.service',
  /** `grpc`. */
  rpcSystem: 'rpc.system',
  /** Full name of the service, e.g. `opsloop.orders.v1.OrderService`. */
  rpcService: 'rpc.service',
  rpcMethod: 'rpc.method',
  /** The numeric gRPC status code. */
  rpcGrpcStatusCode: 'rpc.grpc.status_code',
  /** `postgresql` (the name since conventions 1.30). */
  dbSystemName: 'db.system.name',
  /** `postgresql` (the name before 1.30, still the one most back-ends read). */
  dbSystem: 'db.system',
  /** SELECT, INSERT, … */
  dbOperationName: 'db.operation.name',
  /** The table. */
  dbCollectionName: 'db.collection.name',
  /** The schema. */
  dbNamespace: 'db.namespace',
  /** The statement with placeholders, never with the values. */
  dbQueryText: 'db.query.text',
  messagingSystem: 'messaging.system',
  /** The stream. */
  messagingDestinationName: 'messaging.destination.name',
  messagingDestinationPartitionId: 'messaging.destination.partition.id',
  /** `send` (publish) or `process` (consume). */
  messagingOperationType: 'messaging.operation.type',
  /** The system's own name of the operation: `publish`, `process`. */
  messagingOperationName: 'messaging.operation.name',
  /** The event id. */
  messagingMessageId: 'messaging.message.id',
  messagingConsumerGroupName: 'messaging.consumer.group.name',
} as const;
