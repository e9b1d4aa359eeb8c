import type { Logger } from '@opsloop/kit';
import { Pool } from 'undici';
import { sleep } from '../../async-utils.js';
import { BusError, isBusErrorCode } from '../../bus-error.js';
import type { Delivery, EventEnvelope, PublishResult } from '../../event-bus.js';
import {
  BUS_ERROR_MEMBER,
  type BrokerApi,
  type BrokerPublishOptions,
  type FetchRequest,
  type NakRequest,
  type SettleRequest,
  type StreamInfo,
} from './broker-api.js';

/** Options of {@link createBrokerHttpClient}. */
export interface BrokerHttpClientOptions {
  /** Base URL of the broker's HTTP API (where `/v1/bus/…` is served). */
  url: string;
  token?: string;
  log?: Logger;
  /** Deadline of one request (a long-poll gets its wait on top), ms; default 10000. */
  requestTimeoutMs?: number;
  /**
   * How long a request is retried, with back-off, while the broker is unreachable or answers 503 (for
   * example while it restarts), ms; default 15000. Long-polls are not retried here (the consumer loop is).
   */
  retryTimeoutMs?: number;
}

/** The HTTP client of the broker, with `close()` for its connection pool. */
export interface BrokerHttpClient extends BrokerApi {
  close(): Promise<void>;
}

interface CallOptions {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  body?: unknown;
  timeoutMs?: number;
  signal?: AbortSignal;
  retry: boolean;
}

interface Answer {
  status: number;
  body: unknown;
}

const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 2_000;

function pathOf(stream: string, group?: string, action?: string): string {
  const base = `/v1/bus/streams/${encodeURIComponent(stream)}`;
  return group === undefined ? base : `${base}/groups/${encodeURIComponent(group)}/${action ?? ''}`;
}

function errorFromProblem(status: number, body: unknown): BusError {
  const problem = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const detail =
    typeof problem.detail === 'string'
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : '';
  const member = problem[BUS_ERROR_MEMBER];
  const message = `broker answered ${status}${detail ? `: ${detail}` : ''}`;
  if (isBusErrorCode(member)) return new BusError(member, detail || message);
  if (status === 401 || status === 403) return new BusError('unauthorized', message);
  if (status === 413) return new BusError('event-too-large', message);
  if (status === 503) return new BusError('unavailable', message);
  if (status === 400) return new BusError('invalid-argument', message);
  return new BusError('protocol', message);
}

class HttpBrokerClient implements BrokerHttpClient {
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #authorization: string | undefined;
  readonly #log: Logger | undefined;
  readonly #timeoutMs: number;
  readonly #retryMs: number;
  readonly #closing = new AbortController();

  constructor(options: BrokerHttpClientOptions) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch (error) {
      throw new BusError('invalid-argument', `invalid broker URL ${JSON.stringify(options.url)}`, {
        cause: error,
      });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new BusError('invalid-argument', `the broker URL must be http(s) (got ${url.protocol})`);
    this.#prefix = url.pathname.replace(/\/+$/, '');
    this.#pool = new Pool(url.origin, { keepAliveTimeout: 30_000, connectTimeout: 5_000 });
    this.#authorization = options.token === undefined ? undefined : `Bearer ${options.token}`;
    this.#log = options.log;
    this.#timeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#retryMs = options.retryTimeoutMs ?? 15_000;
  }

  async #once(options: CallOptions): Promise<Answer> {
    const timeout = options.timeoutMs ?? this.#timeoutMs;
    let response;
    try {
      response = await this.#pool.request({
        method: options.method,
        path: this.#prefix + options.path,
        headers: {
          accept: 'application/json',
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...(this.#authorization === undefined ? {} : { authorization: this.#authorization }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        headersTimeout: timeout,
        bodyTimeout: timeout,
        // close() destroys the pool, which ends every request in flight: no need to link its signal here.
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (this.#closing.signal.aborted)
        throw new BusError('closed', 'the bus client is closed', { cause: error });
      if (options.signal?.aborted === true)
        throw new BusError('closed', 'request cancelled', { cause: error });
      throw new BusError('unavailable', `broker unreachable: ${(error as Error).message}`, { cause: error });
    }
    let body: unknown;
    try {
      const text = await response.body.text();
      body = text === '' ? undefined : JSON.parse(text);
    } catch (error) {
      if (this.#closing.signal.aborted)
        throw new BusError('closed', 'the bus client is closed', { cause: error });
      throw new BusError('unavailable', `broker answer broken: ${(error as Error).message}`, {
        cause: error,
      });
    }
    return { status: response.statusCode, body };
  }

  /** One call; with `retry`, unreachable-broker errors and 503s are retried with back-off until the deadline. */
  async #call(options: CallOptions, expected: readonly number[]): Promise<Answer> {
    const deadline = Date.now() + this.#retryMs;
    let delay = RETRY_INITIAL_MS;
    for (let attempt = 1; ; attempt++) {
      let error: BusError;
      try {
        const answer = await this.#once(options);
        if (expected.includes(answer.status)) return answer;
        error = errorFromProblem(answer.status, answer.body);
      } catch (caught) {
        error = caught as BusError;
      }
      if (!options.retry || error.code !== 'unavailable' || Date.now() + delay > deadline) throw error;
      if (attempt === 1)
        this.#log?.warn({ err: error.message, path: options.path }, 'bus broker unavailable; retrying');
      await sleep(delay + Math.floor(Math.random() * delay * 0.2), this.#closing.signal);
      if (this.#closing.signal.aborted) throw new BusError('closed', 'the bus client is closed');
      delay = Math.min(delay * 2, RETRY_MAX_MS);
    }
  }

  async ensureStream(stream: string): Promise<void> {
    await this.#call({ method: 'PUT', path: pathOf(stream), retry: true }, [204]);
  }

  async streamInfo(stream: string): Promise<StreamInfo> {
    const answer = await this.#call({ method: 'GET', path: pathOf(stream), retry: true }, [200]);
    return answer.body as StreamInfo;
  }

  async publish(
    stream: string,
    event: EventEnvelope,
    options: BrokerPublishOptions = {},
  ): Promise<PublishResult> {
    const answer = await this.#call(
      { method: 'POST', path: `${pathOf(stream)}/events`, body: { event, ...options }, retry: true },
      [200],
    );
    return answer.body as PublishResult;
  }

  async fetch(request: FetchRequest, signal?: AbortSignal): Promise<Delivery[]> {
    const { stream, group, ...body } = request;
    const answer = await this.#call(
      {
        method: 'POST',
        path: pathOf(stream, group, 'fetch'),
        body,
        timeoutMs: request.waitMs + this.#timeoutMs,
        ...(signal ? { signal } : {}),
        retry: false,
      },
      [200],
    );
    const deliveries = (answer.body as { deliveries?: unknown } | undefined)?.deliveries;
    if (!Array.isArray(deliveries)) throw new BusError('protocol', 'broker fetch answer without deliveries');
    return deliveries as Delivery[];
  }

  async #settle(action: 'ack' | 'nak', request: SettleRequest): Promise<boolean> {
    const { stream, group, ...body } = request;
    const answer = await this.#call(
      { method: 'POST', path: pathOf(stream, group, action), body, retry: true },
      [204, 409],
    );
    return answer.status === 204;
  }

  ack(request: SettleRequest): Promise<boolean> {
    return this.#settle('ack', request);
  }

  nak(request: NakRequest): Promise<boolean> {
    return this.#settle('nak', request);
  }

  async cancelFetch(stream: string, group: string, consumer: string): Promise<void> {
    await this.#call(
      { method: 'POST', path: pathOf(stream, group, 'cancel'), body: { consumer }, retry: false },
      [204],
    );
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#pool.destroy();
  }
}

/** An HTTP client of a broker served with `registerBrokerRoutes` (undici pool, bounded timeouts, retries). */
export function createBrokerHttpClient(options: BrokerHttpClientOptions): BrokerHttpClient {
  return new HttpBrokerClient(options);
}
