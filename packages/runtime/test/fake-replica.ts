// Test support: a replica stand-in for controller tests (no process), whose readiness the test sets and whose
// request counters stand for what its /metrics would show. Not part of the package build.
import type { ReplicaStatus } from '@opsloop/contracts';
import type { TrafficSample } from '../src/analysis/traffic-sample.js';

export class FakeReplica {
  ready = false;
  phase: ReplicaStatus['phase'] = 'stopped';
  requests = 0;
  errors = 0;
  constructor(
    readonly name: string,
    readonly revision: string,
  ) {}
  start() {
    this.phase = 'running';
  }
  stop() {
    this.phase = 'stopped';
    this.ready = false;
    return Promise.resolve();
  }
  whenReady() {
    return Promise.resolve();
  }
  killNow() {}
  status(): ReplicaStatus {
    return {
      name: this.name,
      service: this.name.replace(/-\d+$/, ''),
      phase: this.phase,
      ready: this.ready,
      pid: null,
      port: null,
      url: null,
      restarts: 0,
      lastExit: null,
      startedAt: null,
      nextRestartAt: null,
    };
  }
  /** What its /metrics would say: every request within 10 ms. */
  sample(): TrafficSample {
    return {
      requests: this.requests,
      errors: this.errors,
      buckets: new Map([
        [0.01, this.requests],
        [Infinity, this.requests],
      ]),
    };
  }
}
