import type { Socket } from 'node:net';
import { create } from '@bufbuild/protobuf';
import type { Endpoint } from '@opsloop/contracts';
import { createService, type Resolver, type Service } from '@opsloop/kit';
import { Code, ConnectError, serveRpc, type HandlerContext } from '../src/index.js';
import { EchoResponseSchema, EchoService, type EchoRequest } from './gen/opsloop/rpctest/v1/echo_pb.js';

/** A running echo replica and what it saw. */
export interface EchoReplica {
  readonly name: string;
  readonly service: Service;
  readonly url: string;
  readonly endpoint: Endpoint;
  /** Calls received, by method name. */
  readonly calls: Record<string, number>;
  /** While set, every call fails with this code (e.g. UNAVAILABLE: the replica is sick). */
  failWith: Code | undefined;
  /** Open TCP connections to this replica. */
  readonly sockets: Set<Socket>;
  /** Log lines of the replica. */
  readonly logs: string[];
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new ConnectError('cancelled', Code.Canceled));
    });
  });

/**
 * Starts an echo replica on 127.0.0.1 (createService + serveRpc). Request texts script the behaviour:
 * `sleep:<ms>` waits, `throw` throws a plain Error holding a secret, `hang` never answers (`hang:<name>`: only
 * on that replica).
 */
export async function startEchoReplica(
  name: string,
  env: Record<string, string> = {},
  onCall?: (method: string) => void,
): Promise<EchoReplica> {
  const logs: string[] = [];
  const calls: Record<string, number> = {};
  const sockets = new Set<Socket>();
  const replica = { name, calls, sockets, logs, failWith: undefined as Code | undefined };
  const answer = async (method: string, request: EchoRequest, context: HandlerContext) => {
    calls[method] = (calls[method] ?? 0) + 1;
    onCall?.(method);
    if (replica.failWith !== undefined) throw new ConnectError(`${name} is failing`, replica.failWith);
    const [verb, arg] = request.text.split(':');
    if (verb === 'sleep') await sleep(Number(arg), context.signal);
    if (verb === 'hang' && (arg === undefined || arg === name)) await new Promise(() => {});
    if (verb === 'throw') throw new Error('connection to postgres://admin:hunter2@db failed');
    return create(EchoResponseSchema, {
      text: request.text,
      replica: name,
      timeoutMs: Math.max(0, Math.round(context.timeoutMs() ?? 0)),
    });
  };
  const service = await createService({
    name: 'echo',
    version: '1.0.0',
    env: { OPSLOOP_INSTANCE: name, SHUTDOWN_TIMEOUT_MS: '2000', ...env },
    logDestination: { write: (line: string) => void logs.push(line) },
    setup(context) {
      serveRpc(context, (router) =>
        router.service(EchoService, {
          read: (request, context) => answer('Read', request, context),
          put: (request, context) => answer('Put', request, context),
          charge: (request, context) => answer('Charge', request, context),
          async *count(request, context) {
            const n = Number(request.text);
            for (let i = 1; i <= n; i++)
              yield await answer(
                'Count',
                create(EchoService.method.read.input, { text: String(i) }),
                context,
              );
          },
        }),
      );
    },
  });
  const url = await service.listen();
  // Added after listen(): the kit routes connections through its own listener from then on.
  service.app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return Object.assign(replica, {
    service,
    url,
    endpoint: { instance: name, url, version: '1.0.0' },
  });
}

/** A resolver whose endpoints a test sets. */
export function createMutableResolver(): Resolver & { set(service: string, endpoints: Endpoint[]): void } {
  const map = new Map<string, Endpoint[]>();
  const watched: string[] = [];
  return {
    set: (service, endpoints) => void map.set(service, endpoints),
    watch: (service) => void watched.push(service),
    endpoints: (service) => map.get(service) ?? [],
    synced: () => true,
    close: () => Promise.resolve(),
  };
}
