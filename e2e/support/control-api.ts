import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import type { Stack } from './stack.js';

/** A service's rollout as `GET /v1/services/:service/rollout` (and `opsloop rollout status -o json`) shows it. */
export interface RolloutStatusJson {
  revision: string;
  stableRevision: string;
  complete: boolean;
  updatedReplicas: number;
  progress?: {
    strategy: 'BlueGreen' | 'Canary';
    weight: number;
    step: number;
    steps: number;
    phase: string;
    analyses: { weight: number; verdict: string }[];
  };
  lastOutcome?: {
    result: 'promoted' | 'aborted';
    revision: string;
    other: string;
    at: string;
    reason?: string;
  };
  preview?: { discovery: string; url: string | null; endpoints: string[] };
}

/**
 * GETs a control API path with the run's admin token (from the state file next to the spec). Polling a
 * rollout through the CLI would start a Node process every poll, CPU the load under test competes for.
 */
export async function controlGet<T>(stack: Stack, path: string): Promise<T> {
  const state = JSON.parse(readFileSync(join(stack.dir, '.opsloop', 'runtime.json'), 'utf8')) as {
    token: string;
  };
  const response = await request(`${stack.control}${path}`, {
    headers: { authorization: `Bearer ${state.token}`, accept: 'application/json' },
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200) throw new Error(`GET ${path}: ${response.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

/** The rollout of `service`. */
export function rolloutStatus(stack: Stack, service: string): Promise<RolloutStatusJson> {
  return controlGet<RolloutStatusJson>(stack, `/v1/services/${service}/rollout`);
}
