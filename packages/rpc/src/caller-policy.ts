import type { DescMethod } from '@bufbuild/protobuf';
import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Logger, ServiceMetrics } from '@opsloop/kit';
import { rpcServerRefused } from './metrics.js';
import { RPC_PEER, type RpcPeer } from './rpc-peer.js';

/** Options of {@link createCallerPolicy}. */
export interface CallerPolicyOptions {
  /** Services allowed to call (`OPSLOOP_RPC_CALLERS`); empty: nobody. */
  allowed: readonly string[];
  log: Logger;
  metrics: ServiceMetrics;
}

/** Why a call was refused: the `reason` label of `rpc_server_refused_total`. */
export type RefusalReason = 'no_client_certificate' | 'no_service_identity' | 'caller_not_allowed';

function refusalOf(peer: RpcPeer | undefined, allowed: ReadonlySet<string>): RefusalReason | undefined {
  if (peer === undefined || !peer.tls || !peer.certificate) return 'no_client_certificate';
  if (peer.service === undefined) return 'no_service_identity';
  return allowed.has(peer.service) ? undefined : 'caller_not_allowed';
}

const fullName = (method: DescMethod) => `${method.parent.typeName}/${method.name}`;

/**
 * Refuses, with PERMISSION_DENIED, calls whose verified client certificate does not name an allowed service.
 * Each refusal is logged (warn: caller, method, remote address) and counted in
 * `rpc_server_refused_total{reason}`. Installed by `serveRpc` outermost, so refused calls reach no handler.
 */
export function createCallerPolicy(options: CallerPolicyOptions): Interceptor {
  const { log } = options;
  const allowed = new Set(options.allowed);
  const refused = rpcServerRefused(options.metrics.registry);
  return (next) => async (req) => {
    const peer = req.contextValues.get(RPC_PEER);
    const reason = refusalOf(peer, allowed);
    if (reason === undefined) return await next(req);
    refused.inc({ reason });
    log.warn(
      {
        caller: peer?.service ?? null,
        rpc_method: fullName(req.method),
        remote_address: peer?.remoteAddress ?? null,
        reason,
      },
      'rpc caller refused',
    );
    throw new ConnectError('caller not allowed', Code.PermissionDenied);
  };
}
