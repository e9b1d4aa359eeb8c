import { render, type RenderResult } from '@testing-library/react';
import type { ReactNode } from 'react';
import { vi } from 'vitest';
import { createApi } from '../api/client.js';
import type { RuntimeEventRecord, WhoAmI } from '../api/types.js';
import { Dashboard, type DashboardContext } from '../app/context.js';

/**
 * An answer of the fake control API: a JSON body (200), `{ status, body }`, a `Response` (sent as it is), or a
 * function of the call giving one.
 */
export type FakeAnswer = unknown;

/** One request the page made. */
export interface FakeCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

/**
 * A control API for page tests: `routes` maps `METHOD /path` (path without query) to an answer or to a
 * function of the call. Unknown routes answer 404 problem+json, so a page calling something unexpected
 * shows it (and the test can see the call in `calls`).
 */
export function fakeControlApi(routes: Record<string, FakeAnswer>) {
  const calls: FakeCall[] = [];
  const fetchImpl = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const href = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(href, 'http://dashboard.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const call = { method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const route = routes[`${method} ${url.pathname}`];
    const answer = typeof route === 'function' ? (route as (c: FakeCall) => FakeAnswer)(call) : route;
    // A Response as it is: streamed answers (ndjson, server-sent events) for pages that read streams.
    if (answer instanceof Response) return Promise.resolve(answer);
    if (answer === undefined)
      return Promise.resolve(problem(404, `no fake route for ${method} ${url.pathname}`));
    if (isStatusAnswer(answer)) {
      return Promise.resolve(
        answer.status >= 400
          ? problem(answer.status, detailOf(answer.body))
          : json(answer.status, answer.body),
      );
    }
    return Promise.resolve(json(200, answer));
  });
  return {
    api: createApi({ baseUrl: '', token: 'test-token' }, fetchImpl),
    calls,
    fetchImpl,
  };
}

function detailOf(body: unknown): string {
  const detail = (body as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' ? detail : 'refused';
}

function isStatusAnswer(answer: unknown): answer is { status: number; body: unknown } {
  return typeof answer === 'object' && answer !== null && 'status' in answer && 'body' in answer;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

function problem(status: number, detail: string): Response {
  return new Response(
    JSON.stringify({ type: 'https://opsloop.dev/problems/test', title: 'refused', status, detail }),
    {
      status,
      headers: { 'content-type': 'application/problem+json' },
    },
  );
}

/**
 * Renders `ui` as a signed-in page: the given fake API and role, and a live feed the test drives with
 * `emit(event)`.
 */
export function renderSignedIn(
  ui: ReactNode,
  options: { api: ReturnType<typeof fakeControlApi>['api']; role?: WhoAmI['role']; live?: boolean },
): RenderResult & { emit: (event: Partial<RuntimeEventRecord> & { type: string }) => void } {
  const listeners = new Set<(event: RuntimeEventRecord) => void>();
  let seq = 0;
  const context: DashboardContext = {
    api: options.api,
    whoami: { name: 'tester', role: options.role ?? 'admin' },
    onEvent: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    live: options.live ?? true,
  };
  const result = render(<Dashboard.Provider value={context}>{ui}</Dashboard.Provider>);
  return {
    ...result,
    emit(event) {
      seq += 1;
      const full = { seq, at: new Date().toISOString(), ...event } as RuntimeEventRecord;
      for (const listener of listeners) listener(full);
    },
  };
}
