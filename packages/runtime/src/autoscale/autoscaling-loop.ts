import type { Clock, TimerHandle } from '@opsloop/kit';
import { createReplicaWindow, type ReplicaWindow } from '../metrics/replica-window.js';
import type { ServiceSpec } from '../spec/schema.js';
import type { Replica } from '../supervisor/replica.js';
import { createAutoscaler, type Autoscaler, type Decision } from './autoscaler.js';

/** How often every replica of an autoscaled service is scraped (the windows need two scrapes per minute). */
export const SCRAPE_PERIOD_MS = 5_000;
/** A scrape that takes longer is abandoned (the replica is probably overloaded: its metrics are missing). */
export const SCRAPE_TIMEOUT_MS = 2_000;

/** Fetches a replica's Prometheus text (`GET <url>/metrics`), bounded in time. */
export type MetricsScraper = (url: string, timeoutMs: number) => Promise<string>;

/** What the loop needs to know of one service. */
export interface AutoscaledService {
  spec: ServiceSpec;
  replicas(): Replica[];
}

/** Options of {@link createAutoscalingLoop}. */
export interface AutoscalingLoopOptions {
  clock: Clock;
  /** The services now (specs change with `apply`); those without `autoscaling` are left alone. */
  services(): ReadonlyMap<string, AutoscaledService>;
  scrape: MetricsScraper;
  /** Sets a service's replica count (the runtime's scale). */
  scale(service: string, replicas: number): Promise<void>;
  /** Every decision, including "no change". */
  onDecision?(decision: Decision): void;
  /** Scrape and scale failures (they never stop the loop). */
  onError?(service: string, message: string): void;
  /** Services held at a count by someone else (scheduled downtime): neither scraped nor scaled meanwhile. */
  held?(service: string): boolean;
}

/** The running autoscaling loop. */
export interface AutoscalingLoop {
  /** Decisions of a service, oldest first; undefined when it is not autoscaled. */
  history(service: string): Decision[] | undefined;
  stop(): void;
}

interface ServiceState {
  autoscaler: Autoscaler;
  /** The autoscaling block it was made from: a changed block (apply) makes a new autoscaler. */
  specJson: string;
  nextDecisionAt: number;
}

/**
 * Scrapes the replicas of every autoscaled service every {@link SCRAPE_PERIOD_MS} into per-replica windows and,
 * every autoscaler period, asks its autoscaler for a replica count and scales to it, like the HPA controller
 * does against metrics-server. Windows of replicas that are gone are dropped.
 */
export function createAutoscalingLoop(options: AutoscalingLoopOptions): AutoscalingLoop {
  const { clock } = options;
  const states = new Map<string, ServiceState>();
  const windows = new Map<Replica, ReplicaWindow>();
  let timer: TimerHandle | undefined;
  let stopped = false;
  let busy = false;

  const stateOf = (name: string, spec: ServiceSpec): ServiceState | undefined => {
    if (spec.autoscaling === undefined) {
      states.delete(name);
      return undefined;
    }
    const specJson = JSON.stringify(spec.autoscaling);
    const existing = states.get(name);
    if (existing !== undefined && existing.specJson === specJson) return existing;
    const autoscaler = createAutoscaler({
      service: name,
      spec: spec.autoscaling,
      clock,
      ...(spec.resources.cpu === undefined ? {} : { cpuRequestCores: spec.resources.cpu }),
    });
    const state = { autoscaler, specJson, nextDecisionAt: clock.now() + autoscaler.periodMs };
    states.set(name, state);
    return state;
  };

  async function scrapeReplica(replica: Replica, cpuRequestCores: number | undefined): Promise<void> {
    const url = replica.status().url;
    if (url === null) return;
    let window = windows.get(replica);
    if (window === undefined) {
      window = createReplicaWindow(cpuRequestCores === undefined ? {} : { cpuRequestCores });
      windows.set(replica, window);
    }
    const text = await options.scrape(`${url}/metrics`, SCRAPE_TIMEOUT_MS);
    window.addScrape(clock.now(), text);
  }

  async function tick(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      const services = options.services();
      for (const name of states.keys()) if (!services.has(name)) states.delete(name);
      const alive = new Set<Replica>();
      for (const [name, service] of services) {
        const state = stateOf(name, service.spec);
        if (state === undefined) continue;
        if (options.held?.(name) === true) {
          // Released, it waits a whole period before deciding: its replicas are just coming back.
          state.nextDecisionAt = clock.now() + state.autoscaler.periodMs;
          continue;
        }
        const replicas = service.replicas();
        for (const replica of replicas) alive.add(replica);
        await Promise.all(
          replicas.map((replica) =>
            scrapeReplica(replica, service.spec.resources.cpu).catch((error: unknown) =>
              options.onError?.(
                name,
                `cannot scrape ${replica.name}: ${error instanceof Error ? error.message : String(error)}`,
              ),
            ),
          ),
        );
        if (clock.now() < state.nextDecisionAt) continue;
        state.nextDecisionAt = clock.now() + state.autoscaler.periodMs;
        const decision = state.autoscaler.decide({
          replicas: replicas.map((replica) => ({
            id: replica.name,
            ready: replica.ready,
            window: windows.get(replica) ?? null,
          })),
        });
        options.onDecision?.(decision);
        if (decision.desired !== decision.current) {
          await options
            .scale(name, decision.desired)
            .catch((error: unknown) =>
              options.onError?.(
                name,
                `cannot scale: ${error instanceof Error ? error.message : String(error)}`,
              ),
            );
        }
      }
      for (const replica of windows.keys()) if (!alive.has(replica)) windows.delete(replica);
    } finally {
      busy = false;
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = clock.after(SCRAPE_PERIOD_MS, () => {
      void tick().finally(schedule);
    });
  };
  schedule();

  return {
    history: (service) => states.get(service)?.autoscaler.history(),
    stop() {
      stopped = true;
      timer?.cancel();
    },
  };
}
