import type { ReleaseStatus } from '@opsloop/contracts';
import type { Clock } from '@opsloop/kit';
import type { ServiceSpec } from '../spec/schema.js';
import type { ServiceController } from './service-controller.js';

/** One service of a release: its controller and the template it moves to. */
export interface ReleaseMember {
  service: string;
  controller: ServiceController;
  spec: ServiceSpec;
  extra: string;
}

// A release as `opsloop releases` and `GET /v1/releases` show it is a control API contract.
export type { ReleaseStatus };

/** Options of {@link ReleaseRun}. */
export interface ReleaseRunOptions {
  group: string;
  /** In dependency order: a service before those that depend on it. */
  members: ReleaseMember[];
  /** A member that has not settled this long after its rollout began fails the release. */
  deadlineMs: number;
  clock: Clock;
  report(phase: string, message: string): void;
  /** A member went back to `spec` (the runtime's desired state follows, as after `rollout undo`). */
  onRolledBack(service: string, spec: ServiceSpec): void;
}

/**
 * A release group's rollout: its changed services roll out one at a time in dependency order, each with its
 * own strategy (a canary's analysis included), and the release succeeds only when every one of them does.
 * If one fails (its analysis rolls it back, it is aborted or superseded, or it misses the deadline), every
 * member already moved goes back to the revision it had, newest first: the release is judged and undone as
 * one, as a contract change across services needs.
 */
export class ReleaseRun {
  readonly #o: ReleaseRunOptions;
  readonly #status: ReleaseStatus;
  readonly done: Promise<'complete' | 'rolled-back'>;

  constructor(options: ReleaseRunOptions) {
    this.#o = options;
    this.#status = {
      group: options.group,
      phase: 'rolling',
      startedAt: new Date(options.clock.now()).toISOString(),
      members: options.members.map((m) => ({
        service: m.service,
        from: m.controller.revision,
        to: null,
        state: 'pending',
      })),
    };
    this.done = this.#run();
  }

  /** Whether `service` belongs to this release and the release is still running. */
  holds(service: string): boolean {
    return (
      (this.#status.phase === 'rolling' || this.#status.phase === 'rolling-back') &&
      this.#status.members.some((m) => m.service === service)
    );
  }

  status(): ReleaseStatus {
    return structuredClone(this.#status);
  }

  async #run(): Promise<'complete' | 'rolled-back'> {
    const { members } = this.#o;
    this.#o.report(
      'started',
      `${members.map((m) => m.service).join(' → ')} (one at a time, in dependency order)`,
    );
    for (const [i, member] of members.entries()) {
      const record = this.#status.members[i]!;
      record.state = 'rolling';
      await member.controller.setSpec(member.spec, member.extra, member.spec.replicas, 'release');
      record.to = member.controller.revision;
      this.#o.report('rolling', `${member.service} ${record.from} → ${record.to}`);
      const result = await this.#settled(member.controller);
      if (result === 'complete') {
        record.state = 'complete';
        continue;
      }
      record.state = 'failed';
      if (result === 'timeout')
        await member.controller.abort('release deadline passed').catch(() => undefined);
      const why =
        result === 'timeout'
          ? `${member.service} did not finish within ${this.#o.deadlineMs / 1000} s`
          : `${member.service} was rolled back`;
      await this.#rollBack(i, why);
      return 'rolled-back';
    }
    this.#status.phase = 'complete';
    this.#status.finishedAt = new Date(this.#o.clock.now()).toISOString();
    this.#o.report('complete', members.map((m) => m.service).join(', '));
    return 'complete';
  }

  /** Undoes members before `failed`, newest first; the failed one already went back on its own. */
  async #rollBack(failed: number, why: string): Promise<void> {
    this.#status.phase = 'rolling-back';
    this.#status.message = why;
    this.#o.report('rolling back', why);
    for (let i = failed - 1; i >= 0; i--) {
      const member = this.#o.members[i]!;
      const record = this.#status.members[i]!;
      try {
        const target = await member.controller.undo(record.from);
        this.#o.onRolledBack(member.service, target.spec);
        await this.#settled(member.controller);
        record.state = 'rolled-back';
      } catch (error) {
        // Nothing to undo (already there): the member runs its old revision.
        record.state = member.controller.revision === record.from ? 'rolled-back' : 'failed';
        this.#o.report(
          'rolling back',
          `${member.service}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    this.#status.phase = 'rolled-back';
    this.#status.finishedAt = new Date(this.#o.clock.now()).toISOString();
    this.#o.report('rolled back', why);
  }

  #settled(controller: ServiceController): Promise<'complete' | 'aborted' | 'timeout'> {
    return new Promise((resolve) => {
      const timer = this.#o.clock.after(this.#o.deadlineMs, () => resolve('timeout'));
      void controller.whenSettled().then((result) => {
        timer.cancel();
        resolve(result);
      });
    });
  }
}
