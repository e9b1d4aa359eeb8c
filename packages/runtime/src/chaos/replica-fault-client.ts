import { request } from 'undici';

/** How long a replica's fault endpoint may take to answer. */
const FAULT_CALL_TIMEOUT_MS = 5_000;

/** A refused or failed call to a replica's fault endpoint. */
export class ReplicaFaultError extends Error {
  override readonly name = 'ReplicaFaultError';
}

/** Calls the fault endpoint of replicas (`/internal/faults`, service kit), with the run's fault token. */
export interface ReplicaFaultClient {
  /** `POST <url>/internal/faults` with the fault; rejects with {@link ReplicaFaultError} unless 201. */
  send(url: string, fault: unknown): Promise<void>;
  /** `DELETE <url>/internal/faults/<id>`; an unknown id (404) is fine: the fault already ended. */
  clear(url: string, id: string): Promise<void>;
}

/** A {@link ReplicaFaultClient} presenting `token` (the runtime's per-run fault token). */
export function createReplicaFaultClient(token: string): ReplicaFaultClient {
  const call = async (method: 'POST' | 'DELETE', url: string, body?: unknown) => {
    try {
      const response = await request(url, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: FAULT_CALL_TIMEOUT_MS,
        bodyTimeout: FAULT_CALL_TIMEOUT_MS,
      });
      const text = await response.body.text();
      return { status: response.statusCode, text };
    } catch (error) {
      throw new ReplicaFaultError(
        `${method} ${url}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const detailOf = (text: string) => {
    try {
      const problem = JSON.parse(text) as { detail?: unknown; title?: unknown };
      const said = typeof problem.detail === 'string' ? problem.detail : problem.title;
      return (typeof said === 'string' ? said : text).slice(0, 300);
    } catch {
      return text.slice(0, 300);
    }
  };
  return {
    async send(url, fault) {
      const { status, text } = await call('POST', `${url}/internal/faults`, fault);
      if (status !== 201)
        throw new ReplicaFaultError(`${url} refused the fault (${status}): ${detailOf(text)}`);
    },
    async clear(url, id) {
      const { status, text } = await call('DELETE', `${url}/internal/faults/${encodeURIComponent(id)}`);
      if (status !== 204 && status !== 404)
        throw new ReplicaFaultError(`${url} did not clear fault ${id} (${status}): ${detailOf(text)}`);
    },
  };
}
