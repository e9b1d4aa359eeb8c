import { randomUUID } from 'node:crypto';
import type { Clock, TimerHandle } from '@opsloop/kit';
import type { WebhookPayload } from '@opsloop/telemetry';
import { ActionLimits, type ActionLimitsOptions, type ActionLimitsSnapshot } from './action-limits.js';
import { parseDiagnosis, type Diagnosis, type DiagnosisCause } from './diagnosis.js';
import {
  defaultPolicies,
  parsePolicies,
  policyMatches,
  type RemediationMode,
  type RemediationPolicy,
  type RemediationPolicyInput,
} from './policy.js';
import { actionKey, actionTarget, describeAction, type RemediationAction } from './remediation-action.js';
import {
  ProposalNotFoundError,
  RemediationOptionsError,
  RemediationStoppedError,
} from './remediation-errors.js';
import { remediationNotification, type RemediationNotificationOptions } from './remediation-notification.js';
import type { ActionOutcome, RemediationPlatform, ServiceState } from './remediation-platform.js';
import type {
  IncidentRemediation,
  RemediationPhase,
  RemediationProposal,
  RemediationState,
  RemediationStep,
} from './remediation-step.js';
import { resolveAction } from './resolve-action.js';
import { checkSafety, type SafetyVerdict } from './safety-check.js';

/** What verification says about an incident since an action: its anomalous signals are back to baseline, or not. */
export type VerifyResult = 'recovered' | 'not-recovered' | 'unknown';

/** Everything the engine needs; time, the platform and verification are injected. */
export interface RemediationEngineOptions {
  readonly clock: Clock;
  readonly platform: RemediationPlatform;
  /** The policy list, first match wins ({@link defaultPolicies} when absent); validated at creation. */
  readonly policies?: readonly RemediationPolicyInput[];
  /** The engine's mode; a policy's own `mode` overrides it. */
  readonly mode: RemediationMode;
  readonly limits?: ActionLimitsOptions;
  /** Whether the incident's anomalous signals are back to baseline since `sinceMs`. May reject (counted as unknown). */
  readonly verify: (incidentId: string, sinceMs: number) => Promise<VerifyResult>;
  /** How often verification is asked (5 s by default). */
  readonly verifyIntervalMs?: number;
  /** How long a proposal waits for a person before it expires and the incident is escalated (15 min by default). */
  readonly proposalTimeoutMs?: number;
  /**
   * Only root causes scoring at least this share of the top cause's score are acted on (0.5 by default; the
   * top cause always is): a knock-on victim with a low score must not get a false action when the top
   * cause's actions fail. 0 acts on every cause. Between 0 and 1.
   */
  readonly minCauseShare?: number;
  /** Actions executed per incident before it is escalated (2 by default: the first choice and one more). */
  readonly maxAttemptsPerIncident?: number;
  /** A platform call that has not settled after this counts as failed (120 s by default). */
  readonly actionTimeoutMs?: number;
  /** A restart that would go below `minAvailable` becomes a replace (true by default); false refuses it. */
  readonly surge?: boolean;
  /** Receives an Alertmanager webhook payload (v4) for every step. Must not throw (if it does, it is ignored). */
  readonly notify?: (payload: WebhookPayload) => void;
  readonly notification?: RemediationNotificationOptions;
  /** Receives every step for the audit log. */
  readonly audit?: (entry: RemediationStep) => void;
  /** Receives every step (the caller resolves the incident on `verified`). */
  readonly onStep?: (step: RemediationStep) => void;
  /** Steps kept for `history()` (1000 by default). */
  readonly historyLimit?: number;
  /** Proposal ids (random UUIDs by default). */
  readonly newId?: () => string;
}

/** The remediation engine: diagnoses in, guarded actions out, each verified or undone and escalated. */
export interface RemediationEngine {
  /**
   * Plans and starts the remediation of an incident: resolves once the first action is executed and being
   * verified, proposed, refused or escalated (verification continues on the clock). An incident is handled
   * once: a later call with the same id returns its status, unless it names a later reopening
   * (`reopenedAtMs`) and the last remediation finished (verified, escalated, rejected, skipped, cancelled):
   * then it starts anew. Throws a `DiagnosisError` on a malformed diagnosis.
   */
  diagnose(diagnosis: Diagnosis): Promise<IncidentRemediation>;
  /** Approves a pending proposal and executes it (guardrails checked again). */
  approve(proposalId: string, by: string): Promise<IncidentRemediation>;
  /** Rejects a pending proposal: nothing is done for the incident. */
  reject(proposalId: string, by: string, reason: string): IncidentRemediation;
  /**
   * Stops handling an incident that resolved by itself: a proposal is withdrawn, verification stops (the
   * action stays). Returns false when the incident is unknown or already finished.
   */
  cancel(incidentId: string): boolean;
  pending(): RemediationProposal[];
  /** Steps, oldest first. */
  history(): RemediationStep[];
  incident(incidentId: string): IncidentRemediation | undefined;
  /** The rate-limit counters (to survive a restart). */
  snapshot(): ActionLimitsSnapshot;
  /** Restores counters from {@link RemediationEngine.snapshot}; throws a `RemediationSnapshotError` when malformed. */
  restore(snapshot: unknown): void;
  /** Cancels every timer; later calls throw a {@link RemediationStoppedError}. */
  stop(): void;
}

interface Candidate {
  readonly policy: RemediationPolicy;
  readonly cause: DiagnosisCause;
  readonly action: RemediationAction;
  readonly reason: string;
}

interface InFlight {
  readonly candidate: Candidate;
  readonly action: RemediationAction;
  undo?: () => Promise<ActionOutcome | void>;
  noUndo?: string;
  sinceMs: number;
  deadlineMs: number;
  lastVerify: VerifyResult;
  /** The service's lock was given back (so a late path never releases a lock another action took since). */
  released: boolean;
}

interface Run {
  readonly id: string;
  readonly diagnosis: Diagnosis;
  state: RemediationState;
  candidates: Candidate[];
  next: number;
  attempts: number;
  /** Why candidates were refused or failed: the escalation says so. */
  readonly setbacks: string[];
  current?: InFlight;
  proposal?: RemediationProposal;
  proposed?: Candidate;
  timer?: TimerHandle;
  cancelled: boolean;
}

const TERMINAL: ReadonlySet<RemediationState> = new Set([
  'verified',
  'escalated',
  'rejected',
  'skipped',
  'cancelled',
]);
const RUNS_KEPT = 1000;

/** Whether `next` diagnoses a later reopening of the incident than `last` did. */
const reopenedSince = (last: Diagnosis, next: Diagnosis): boolean =>
  next.reopenedAtMs !== undefined && next.reopenedAtMs > (last.reopenedAtMs ?? -Infinity);

/** Creates a {@link RemediationEngine}; throws a {@link RemediationOptionsError} or `PolicyError` on bad options. */
export function createRemediationEngine(options: RemediationEngineOptions): RemediationEngine {
  return new Engine(options);
}

class Engine implements RemediationEngine {
  readonly #o: RemediationEngineOptions;
  readonly #clock: Clock;
  readonly #platform: RemediationPlatform;
  readonly #policies: RemediationPolicy[];
  readonly #limits: ActionLimits;
  readonly #intervalMs: number;
  readonly #proposalTimeoutMs: number;
  readonly #maxAttempts: number;
  readonly #minCauseShare: number;
  readonly #actionTimeoutMs: number;
  readonly #historyLimit: number;
  readonly #newId: () => string;
  readonly #runs = new Map<string, Run>();
  readonly #proposals = new Map<string, Run>();
  readonly #history: RemediationStep[] = [];
  #stopped = false;

  constructor(options: RemediationEngineOptions) {
    this.#o = options;
    this.#clock = options.clock;
    this.#platform = options.platform;
    if (!['off', 'suggest', 'auto'].includes(options.mode)) {
      throw new RemediationOptionsError(`mode must be off, suggest or auto, got ${String(options.mode)}`);
    }
    this.#policies = options.policies === undefined ? defaultPolicies() : parsePolicies(options.policies);
    this.#limits = new ActionLimits(options.limits);
    this.#intervalMs = positive('verifyIntervalMs', options.verifyIntervalMs ?? 5000);
    this.#proposalTimeoutMs = positive('proposalTimeoutMs', options.proposalTimeoutMs ?? 15 * 60_000);
    this.#maxAttempts = positive('maxAttemptsPerIncident', options.maxAttemptsPerIncident ?? 2);
    this.#minCauseShare = options.minCauseShare ?? 0.5;
    if (!Number.isFinite(this.#minCauseShare) || this.#minCauseShare < 0 || this.#minCauseShare > 1) {
      throw new RemediationOptionsError(
        `minCauseShare must be between 0 and 1, got ${options.minCauseShare}`,
      );
    }
    this.#actionTimeoutMs = positive('actionTimeoutMs', options.actionTimeoutMs ?? 120_000);
    this.#historyLimit = positive('historyLimit', options.historyLimit ?? 1000);
    this.#newId = options.newId ?? randomUUID;
  }

  async diagnose(input: Diagnosis): Promise<IncidentRemediation> {
    this.#alive();
    const diagnosis = parseDiagnosis(input);
    const known = this.#runs.get(diagnosis.incidentId);
    if (known && !(TERMINAL.has(known.state) && reopenedSince(known.diagnosis, diagnosis)))
      return status(known);
    const run: Run = {
      id: diagnosis.incidentId,
      diagnosis,
      state: 'planning',
      candidates: [],
      next: 0,
      attempts: 0,
      setbacks: [],
      cancelled: false,
    };
    this.#remember(run);
    await this.#safely(run, async () => {
      run.candidates = await this.#plan(run);
      if (this.#gone(run)) return;
      await this.#advance(run);
    });
    return status(run);
  }

  async approve(proposalId: string, by: string): Promise<IncidentRemediation> {
    this.#alive();
    const run = this.#takeProposal(proposalId);
    const proposal = run.proposal!;
    const chosen = run.proposed!;
    run.proposal = undefined;
    run.proposed = undefined;
    this.#step(run, 'approved', proposal.action, `approved by ${by}: ${describeAction(proposal.action)}`, {
      policy: proposal.policy,
      proposalId,
      by,
    });
    await this.#safely(run, async () => {
      // The world may have changed while the proposal waited: check the guardrails again.
      const verdict = await this.#guard(run, proposal.action);
      if (this.#gone(run)) return;
      if (!verdict.ok) {
        this.#refuse(run, chosen, verdict.reason);
        await this.#advance(run);
        return;
      }
      await this.#execute(run, chosen, verdict.action, verdict.note);
    });
    return status(run);
  }

  reject(proposalId: string, by: string, reason: string): IncidentRemediation {
    this.#alive();
    const run = this.#takeProposal(proposalId);
    const proposal = run.proposal!;
    run.proposal = undefined;
    run.proposed = undefined;
    run.state = 'rejected';
    this.#step(run, 'rejected', proposal.action, `rejected by ${by}: ${reason}`, {
      policy: proposal.policy,
      proposalId,
      by,
    });
    return status(run);
  }

  cancel(incidentId: string): boolean {
    this.#alive();
    const run = this.#runs.get(incidentId);
    if (!run || TERMINAL.has(run.state)) return false;
    run.cancelled = true;
    run.timer?.cancel();
    run.timer = undefined;
    if (run.proposal) this.#proposals.delete(run.proposal.id);
    const action = run.current?.action ?? run.proposal?.action;
    // While executing, the platform call still owns the lock; it is released when the call returns.
    if (run.state === 'verifying' && run.current) this.#release(run.current);
    run.proposal = undefined;
    run.proposed = undefined;
    run.state = 'cancelled';
    this.#step(run, 'skipped', action, 'cancelled: the incident resolved without (further) remediation');
    return true;
  }

  pending(): RemediationProposal[] {
    return [...this.#proposals.values()]
      .map((r) => r.proposal!)
      .sort((a, b) => a.proposedAtMs - b.proposedAtMs);
  }

  history(): RemediationStep[] {
    return [...this.#history];
  }

  incident(incidentId: string): IncidentRemediation | undefined {
    const run = this.#runs.get(incidentId);
    return run ? status(run) : undefined;
  }

  snapshot(): ActionLimitsSnapshot {
    return this.#limits.snapshot(this.#clock.now());
  }

  restore(snapshot: unknown): void {
    this.#limits.restore(snapshot);
  }

  stop(): void {
    this.#stopped = true;
    for (const run of this.#runs.values()) {
      run.timer?.cancel();
      run.timer = undefined;
    }
    this.#proposals.clear();
  }

  // --- planning -----------------------------------------------------------------------------------------

  /**
   * Every applicable action, best first: per cause (by score) scoring at least minCauseShare of the top
   * cause's, the matching policies in their order.
   */
  async #plan(run: Run): Promise<Candidate[]> {
    const d = run.diagnosis;
    const states = new Map<string, Promise<ServiceState>>();
    const ctx = {
      nowMs: this.#clock.now(),
      state: (service: string) => {
        let s = states.get(service);
        if (!s) states.set(service, (s = this.#platform.serviceState(service)));
        return s;
      },
    };
    const ranked = [...d.rootCauses].sort((a, b) => b.score - a.score);
    const floor = this.#minCauseShare * (ranked[0]?.score ?? 0);
    const causes = ranked.filter((c, i) => i === 0 || c.score >= floor);
    const weak = ranked.filter((c) => !causes.includes(c));
    if (weak.length > 0) {
      run.setbacks.push(
        `not acted on (score below ${this.#minCauseShare} of the top cause's ${round(ranked[0]!.score)}): ` +
          weak.map((c) => `${c.kind} of ${c.service} (${round(c.score)})`).join(', '),
      );
    }
    const out: Candidate[] = [];
    const seen = new Set<string>();
    for (const cause of causes) {
      for (const policy of this.#policies) {
        if (!policyMatches(policy, cause, d)) continue;
        try {
          const r = await resolveAction(policy.action, cause, d, ctx);
          if (r.action === null) continue;
          const key = actionKey(r.action);
          if (seen.has(key)) continue;
          seen.add(key);
          out.push({ policy, cause, action: r.action, reason: r.reason });
        } catch (error) {
          run.setbacks.push(`${policy.name}: the platform state is unavailable (${message(error)})`);
        }
      }
    }
    return out;
  }

  /** Takes the next candidate that passes the guardrails and acts on it as its mode says; else escalates. */
  async #advance(run: Run): Promise<void> {
    for (;;) {
      if (this.#gone(run)) return;
      if (run.attempts >= this.#maxAttempts) {
        this.#escalate(run, `${run.attempts} actions did not recover the incident`);
        return;
      }
      const candidate = run.candidates[run.next++];
      if (!candidate) {
        this.#escalate(
          run,
          run.candidates.length === 0 && run.attempts === 0
            ? 'no remediation policy applies'
            : 'nothing left to try',
        );
        return;
      }
      const mode = candidate.policy.mode ?? this.#o.mode;
      if (mode === 'off') {
        run.state = 'skipped';
        this.#step(
          run,
          'skipped',
          candidate.action,
          `remediation is off: would ${describeAction(candidate.action)} (${candidate.reason})`,
          { policy: candidate.policy.name },
        );
        return;
      }
      const verdict = await this.#guard(run, candidate.action);
      if (this.#gone(run)) return;
      if (!verdict.ok) {
        this.#refuse(run, candidate, verdict.reason);
        continue;
      }
      if (mode === 'suggest') {
        this.#propose(run, candidate, verdict.action, verdict.note);
        return;
      }
      await this.#execute(run, candidate, verdict.action, verdict.note);
      return;
    }
  }

  /** The guardrails: the counters and locks, then the platform's replica counts. */
  async #guard(run: Run, action: RemediationAction): Promise<SafetyVerdict> {
    const refusal = this.#limits.refusal(action.service, this.#clock.now());
    if (refusal) return { ok: false, reason: refusal };
    if (action.type !== 'restart' && action.type !== 'scale-out' && action.type !== 'rolling-restart')
      return { ok: true, action };
    let state: ServiceState;
    try {
      state = await this.#platform.serviceState(action.service);
    } catch (error) {
      return { ok: false, reason: `the state of ${action.service} is unavailable (${message(error)})` };
    }
    const replicaReady =
      action.type === 'restart'
        ? run.diagnosis.context.replicas[action.service]?.find((r) => r.name === action.replica)?.ready
        : undefined;
    return checkSafety(action, state, {
      surge: this.#o.surge ?? true,
      ...(replicaReady === undefined ? {} : { replicaReady }),
    });
  }

  #refuse(run: Run, candidate: Candidate, reason: string): void {
    run.setbacks.push(`${describeAction(candidate.action)}: ${reason}`);
    this.#step(run, 'refused', candidate.action, `refused ${describeAction(candidate.action)}: ${reason}`, {
      policy: candidate.policy.name,
    });
  }

  #propose(run: Run, candidate: Candidate, action: RemediationAction, note?: string): void {
    const now = this.#clock.now();
    const proposal: RemediationProposal = {
      id: this.#newId(),
      incidentId: run.id,
      action,
      target: actionTarget(action),
      policy: candidate.policy.name,
      reason: note ? `${candidate.reason}; ${note}` : candidate.reason,
      proposedAtMs: now,
      expiresAtMs: now + this.#proposalTimeoutMs,
    };
    run.proposal = proposal;
    run.proposed = candidate;
    run.state = 'pending-approval';
    this.#proposals.set(proposal.id, run);
    run.timer = this.#clock.after(this.#proposalTimeoutMs, () => this.#expire(run, proposal.id));
    this.#step(run, 'proposed', action, `proposed: ${describeAction(action)} (${proposal.reason})`, {
      policy: candidate.policy.name,
      proposalId: proposal.id,
    });
  }

  #expire(run: Run, proposalId: string): void {
    if (this.#gone(run) || run.proposal?.id !== proposalId) return;
    const proposal = run.proposal;
    this.#proposals.delete(proposalId);
    run.proposal = undefined;
    run.proposed = undefined;
    run.timer = undefined;
    const minutes = Math.round(this.#proposalTimeoutMs / 60_000);
    this.#step(
      run,
      'expired',
      proposal.action,
      `nobody approved ${describeAction(proposal.action)} within ${minutes} min`,
      {
        policy: proposal.policy,
        proposalId,
      },
    );
    this.#escalate(run, `the proposal to ${describeAction(proposal.action)} expired`);
  }

  // --- acting and verifying -------------------------------------------------------------------------------

  async #execute(run: Run, candidate: Candidate, action: RemediationAction, note?: string): Promise<void> {
    // Awaits happened since the guard: take the lock in the same tick as the last check.
    const refusal = this.#limits.refusal(action.service, this.#clock.now());
    if (refusal) {
      this.#refuse(run, candidate, refusal);
      await this.#advance(run);
      return;
    }
    this.#limits.begin(action.service, this.#clock.now());
    run.attempts++;
    run.state = 'executing';
    const policy = { policy: candidate.policy.name };
    this.#step(
      run,
      'executing',
      action,
      `${describeAction(action)} (${candidate.reason}${note ? `; ${note}` : ''})`,
      policy,
    );
    let outcome: ActionOutcome;
    try {
      outcome = await this.#withTimeout(this.#perform(action), action);
    } catch (error) {
      outcome = { ok: false, detail: `${describeAction(action)} threw: ${message(error)}` };
    }
    if (this.#gone(run)) {
      this.#limits.end(action.service);
      return;
    }
    if (!outcome.ok) {
      this.#limits.end(action.service);
      run.setbacks.push(`${describeAction(action)} failed`);
      this.#step(run, 'failed', action, `failed: ${outcome.detail}`, policy);
      await this.#advance(run);
      return;
    }
    this.#step(run, 'executed', action, outcome.detail || describeAction(action), policy);
    const now = this.#clock.now();
    const undo = outcome.undo ?? this.#inverse(action);
    run.current = {
      candidate,
      action,
      sinceMs: now,
      deadlineMs: now + candidate.policy.verify.deadlineSeconds * 1000,
      lastVerify: 'unknown',
      released: false,
      ...(undo ? { undo } : { noUndo: noUndoReason(action) }),
    };
    run.state = 'verifying';
    this.#step(
      run,
      'verifying',
      action,
      `waiting up to ${candidate.policy.verify.deadlineSeconds} s for the anomalous signals to return to baseline`,
      policy,
    );
    const settleMs = candidate.policy.verify.settleSeconds * 1000;
    this.#schedulePoll(
      run,
      settleMs > 0 ? Math.min(settleMs, run.current.deadlineMs - now) : this.#intervalMs,
    );
  }

  #schedulePoll(run: Run, delayMs: number): void {
    run.timer = this.#clock.after(Math.max(0, delayMs), () => {
      run.timer = undefined;
      void this.#safely(run, () => this.#poll(run));
    });
  }

  async #poll(run: Run): Promise<void> {
    const current = run.current;
    if (this.#gone(run) || run.state !== 'verifying' || !current) return;
    let result: VerifyResult;
    try {
      result = await this.#o.verify(run.id, current.sinceMs);
    } catch {
      result = 'unknown';
    }
    if (this.#gone(run) || run.current !== current) return;
    const policy = { policy: current.candidate.policy.name };
    if (result === 'recovered') {
      this.#release(current);
      run.current = undefined;
      run.state = 'verified';
      const seconds = Math.round((this.#clock.now() - current.sinceMs) / 1000);
      this.#step(
        run,
        'verified',
        current.action,
        `recovered ${seconds} s after ${describeAction(current.action)}`,
        policy,
      );
      return;
    }
    current.lastVerify = result;
    const now = this.#clock.now();
    if (now < current.deadlineMs) {
      this.#schedulePoll(run, Math.min(this.#intervalMs, current.deadlineMs - now));
      return;
    }
    await this.#notEffective(run, current);
  }

  async #notEffective(run: Run, current: InFlight): Promise<void> {
    const policy = { policy: current.candidate.policy.name };
    const deadline = current.candidate.policy.verify.deadlineSeconds;
    this.#step(
      run,
      'not-effective',
      current.action,
      `not recovered within ${deadline} s (last check: ${current.lastVerify})` +
        (current.undo ? '; undoing it' : `; ${current.noUndo ?? 'it has no undo'}`),
      policy,
    );
    run.setbacks.push(`${describeAction(current.action)} did not help`);
    if (current.undo) {
      let undone: ActionOutcome | void;
      try {
        undone = await this.#withTimeout(current.undo(), current.action);
      } catch (error) {
        undone = { ok: false, detail: `the undo threw: ${message(error)}` };
      }
      if (undone && !undone.ok) {
        this.#step(
          run,
          'failed',
          current.action,
          `undo of ${describeAction(current.action)} failed: ${undone.detail}`,
          policy,
        );
      } else {
        this.#step(
          run,
          'undone',
          current.action,
          undone?.detail || `undid ${describeAction(current.action)}`,
          policy,
        );
      }
    }
    this.#release(current);
    run.current = undefined;
    if (this.#gone(run)) return;
    await this.#advance(run);
  }

  #perform(action: RemediationAction): Promise<ActionOutcome> {
    const p = this.#platform;
    switch (action.type) {
      case 'rollback':
        return p.rollback(action.service);
      case 'flag-off':
        return p.setFlag(action.flag, action.variant);
      case 'restart':
        return p.restartReplica(action.replica);
      case 'rolling-restart':
        return p.restartService(action.service);
      case 'replace':
        return p.replaceReplica(action.replica);
      case 'scale-out':
        return p.scale(action.service, action.to);
      case 'shed-load':
        return p.setRateLimit(action.service, action.requestsPerSecond);
      case 'failover':
        return p.failover(action.service, action.to);
      case 'open-circuit':
        return this.#openCircuits(action.callers, action.service, action.durationMs);
    }
  }

  async #openCircuits(
    callers: readonly string[],
    target: string,
    durationMs: number,
  ): Promise<ActionOutcome> {
    const opened: string[] = [];
    for (const caller of callers) {
      const r = await this.#platform
        .openCircuit(caller, target, durationMs)
        .catch((error: unknown): ActionOutcome => ({ ok: false, detail: message(error) }));
      if (!r.ok) {
        // Half-opened is worse than either: close what was opened.
        for (const c of opened) await this.#platform.closeCircuit(c, target).catch(() => undefined);
        return { ok: false, detail: `opening the circuit from ${caller} to ${target}: ${r.detail}` };
      }
      opened.push(caller);
    }
    return { ok: true, detail: `circuits from ${callers.join(', ')} to ${target} open` };
  }

  /** The engine's own inverse of an action the platform gave no undo for. */
  #inverse(action: RemediationAction): (() => Promise<ActionOutcome | void>) | undefined {
    const p = this.#platform;
    switch (action.type) {
      case 'flag-off':
        return action.fromVariant === undefined
          ? undefined
          : () => p.setFlag(action.flag, action.fromVariant!);
      case 'scale-out':
        return () => p.scale(action.service, action.from);
      case 'shed-load':
        return () => p.setRateLimit(action.service, null);
      case 'open-circuit':
        return async () => {
          for (const caller of action.callers) await p.closeCircuit(caller, action.service);
        };
      default:
        return undefined;
    }
  }

  #withTimeout<T>(promise: Promise<T>, action: RemediationAction): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.after(this.#actionTimeoutMs, () =>
        reject(
          new Error(
            `${describeAction(action)} did not finish within ${Math.round(this.#actionTimeoutMs / 1000)} s`,
          ),
        ),
      );
      promise.then(
        (v) => {
          timer.cancel();
          resolve(v);
        },
        (e: unknown) => {
          timer.cancel();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  // --- bookkeeping --------------------------------------------------------------------------------------

  #escalate(run: Run, why: string): void {
    run.state = 'escalated';
    run.timer?.cancel();
    run.timer = undefined;
    const setbacks = run.setbacks.length > 0 ? ` (${run.setbacks.join('; ')})` : '';
    this.#step(run, 'escalated', undefined, `escalated to a person: ${why}${setbacks}`);
  }

  /** Runs engine work so that nothing escapes: an unexpected error escalates the incident. */
  async #safely(run: Run, work: () => Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      if (run.current) this.#release(run.current);
      run.current = undefined;
      if (!TERMINAL.has(run.state) && !this.#stopped) {
        try {
          this.#escalate(run, `internal error: ${message(error)}`);
        } catch {
          // Nothing left to report to.
        }
      }
    }
  }

  #step(
    run: Run,
    phase: RemediationPhase,
    action: RemediationAction | undefined,
    detail: string,
    extra: { policy?: string; proposalId?: string; by?: string } = {},
  ): void {
    const step: RemediationStep = {
      incidentId: run.id,
      at: this.#clock.now(),
      phase,
      action: action?.type ?? 'none',
      target: action ? actionTarget(action) : '',
      service: action?.service ?? run.diagnosis.rootCauses[0]?.service ?? run.diagnosis.services[0] ?? '',
      detail,
      ...extra,
      ...(action ? { plan: action } : {}),
    };
    this.#history.push(step);
    if (this.#history.length > this.#historyLimit)
      this.#history.splice(0, this.#history.length - this.#historyLimit);
    // Observers must never break remediation: their errors are dropped, as telemetry's are.
    try {
      this.#o.onStep?.(step);
    } catch {
      /* ignored */
    }
    try {
      this.#o.audit?.(step);
    } catch {
      /* ignored */
    }
    if (this.#o.notify) {
      try {
        this.#o.notify(remediationNotification(step, this.#o.notification));
      } catch {
        /* ignored */
      }
    }
  }

  #remember(run: Run): void {
    this.#runs.set(run.id, run);
    if (this.#runs.size <= RUNS_KEPT) return;
    for (const [id, r] of this.#runs) {
      if (this.#runs.size <= RUNS_KEPT) break;
      if (TERMINAL.has(r.state)) this.#runs.delete(id);
    }
  }

  #takeProposal(proposalId: string): Run {
    const run = this.#proposals.get(proposalId);
    if (!run?.proposal) throw new ProposalNotFoundError(`no pending remediation proposal ${proposalId}`);
    this.#proposals.delete(proposalId);
    run.timer?.cancel();
    run.timer = undefined;
    return run;
  }

  #release(current: InFlight): void {
    if (current.released) return;
    current.released = true;
    this.#limits.end(current.action.service);
  }

  #gone(run: Run): boolean {
    return run.cancelled || this.#stopped;
  }

  #alive(): void {
    if (this.#stopped) throw new RemediationStoppedError('the remediation engine is stopped');
  }
}

function status(run: Run): IncidentRemediation {
  const current = run.current?.action ?? run.proposal?.action;
  return {
    incidentId: run.id,
    state: run.state,
    attempts: run.attempts,
    ...(current ? { current } : {}),
    ...(run.proposal ? { proposalId: run.proposal.id } : {}),
  };
}

function noUndoReason(action: RemediationAction): string {
  switch (action.type) {
    case 'rollback':
      return 'a rollback has no undo (rolling forward would bring the suspect change back)';
    case 'restart':
    case 'replace':
      return `a ${action.type} has no undo`;
    case 'rolling-restart':
      return 'a rolling restart has no undo';
    default:
      return `the platform gave no undo for ${action.type}`;
  }
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RemediationOptionsError(`${name} must be a positive number, got ${value}`);
  }
  return value;
}

function round(v: number): number {
  return Math.round(v * 100) / 100;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
