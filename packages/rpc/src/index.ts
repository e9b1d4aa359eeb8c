export { Code, ConnectError } from '@connectrpc/connect';
export type { ConnectRouter, ServiceImpl, HandlerContext, Interceptor } from '@connectrpc/connect';
export { serveRpc, type ServeRpcOptions } from './serve-rpc.js';
export { createRpcClient, type RpcClient, type RpcClientOptions } from './client.js';
export { createServerInterceptor, type ServerInterceptorOptions } from './server-interceptor.js';
export { createCallerPolicy, type CallerPolicyOptions, type RefusalReason } from './caller-policy.js';
export { callerOf, peerOfRequest, RPC_PEER, type RpcPeer } from './rpc-peer.js';
export {
  createCircuitBreaker,
  type CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitState,
  type CallOutcome,
  type Permit,
} from './circuit-breaker.js';
export {
  retryPolicy,
  backoffDelay,
  isRetryableMethod,
  isRetryableError,
  PUSHBACK_TRAILER,
  type RetryOptions,
  type RetryPolicy,
} from './retry-policy.js';
export { codeName, isUnhealthyCode } from './codes.js';
export {
  parseRpcInput,
  invalidArgument,
  protoFieldPath,
  type RpcInputSchema,
  type InputIssue,
} from './validate.js';
export { createRpcTestServer, rpcErrorOf, type RpcTestServer, type RpcTestServerOptions } from './testing.js';
export {
  createTracingClientInterceptor,
  createTracingServerInterceptor,
  type TracingClientInterceptorOptions,
} from './tracing.js';
