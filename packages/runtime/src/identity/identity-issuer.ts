import { chmod, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Clock, TimerHandle } from '@opsloop/kit';
import {
  MIN_CERT_TTL_MS,
  type CertificateAuthority,
  type IssuedCertificate,
} from './certificate-authority.js';
import { IdentityError } from './errors.js';
import { removeIdentityDir, writeIdentityDir, type IdentityMaterial } from './identity-dir.js';
import { assertInstanceName, assertServiceName } from './identity-names.js';

/** Default point of renewal: half-way through a certificate's validity, like SPIRE and cert-manager. */
export const DEFAULT_RENEW_AT_FRACTION = 0.5;
/** First retry of a failed renewal; doubles on each further failure. */
export const DEFAULT_RETRY_INITIAL_MS = 1_000;
/** Longest wait between retries of a failed renewal. */
export const DEFAULT_RETRY_MAX_MS = 30_000;
// With notBefore backdated for clock skew, a very short ttl puts the renewal point in the past: never spin.
const MIN_RENEW_DELAY_MS = 1_000;

/** Options of {@link createIdentityIssuer}. */
export interface IdentityIssuerOptions {
  /** Issues the certificates; usually {@link createCertificateAuthority}'s result. */
  ca: Pick<CertificateAuthority, 'caPem' | 'issue'>;
  /** Schedules renewals (`after`) and timestamps them (`now`). */
  clock: Clock;
  /** Each instance gets `<rootDir>/<instance>`; created with mode 0700. */
  rootDir: string;
  /** Lifetime of each certificate. */
  ttlMs: number;
  /** Renew at issue time + fraction × the time left until notAfter; 0 < fraction < 1, default 0.5. */
  renewAtFraction?: number;
  /** First retry delay after a failed renewal; default {@link DEFAULT_RETRY_INITIAL_MS}. */
  retryInitialMs?: number;
  /** Cap of the doubling retry delay; default {@link DEFAULT_RETRY_MAX_MS}. */
  retryMaxMs?: number;
  /** Called after each successful renewal (not the first issue). Exceptions it throws are ignored. */
  onRotated?: (event: IdentityRotatedEvent) => void;
  /** Called after each failed renewal, with the scheduled retry. Exceptions it throws are ignored. */
  onError?: (event: IdentityRenewalFailedEvent) => void;
  /** Writes a directory; defaults to {@link writeIdentityDir}. Replaceable to test failures. */
  writeDir?: (dir: string, material: IdentityMaterial) => Promise<void>;
}

/** A renewal that succeeded: the replica's files now hold a new certificate. */
export interface IdentityRotatedEvent {
  instance: string;
  service: string;
  serial: string;
  /** Epoch ms. */
  notAfter: number;
  /** Renewals of this instance so far, this one included. */
  rotations: number;
}

/** A renewal that failed; the replica keeps its current files until a retry succeeds. */
export interface IdentityRenewalFailedEvent {
  instance: string;
  service: string;
  error: unknown;
  /** Consecutive failures, this one included. */
  attempt: number;
  /** Delay before the next attempt. */
  retryInMs: number;
}

/** What describe and events show about one instance's identity. */
export interface IdentityStatus {
  instance: string;
  service: string;
  /** The directory given to the replica as `OPSLOOP_TLS_DIR`. */
  dir: string;
  /** Of the certificate currently in `dir`. */
  serial: string;
  /** Epoch ms. */
  notAfter: number;
  /** Successful renewals since provisioning. */
  rotations: number;
  /** Epoch ms of the next renewal attempt. */
  renewAt: number;
  /** Consecutive failed renewals (0 when the last one succeeded). */
  failures: number;
  /** Message of the last failure, while failures > 0. */
  lastError?: string;
}

/** Gives replicas certificates and keeps them fresh. */
export interface IdentityIssuer {
  /**
   * Issues a certificate for `instance` of `service`, writes its directory and schedules its renewal;
   * resolves to the directory (for `OPSLOOP_TLS_DIR`) once the files exist. Provisioning an instance again
   * replaces its certificate and schedule.
   */
  provision(service: string, instance: string): Promise<string>;
  /** Stops renewing `instance` and deletes its directory (waits for a renewal in progress). */
  release(instance: string): Promise<void>;
  /** Stops every renewal and waits for those in progress; directories stay (release them to delete). */
  close(): Promise<void>;
  /** One row per provisioned instance, sorted by instance. */
  status(): IdentityStatus[];
}

interface Entry {
  readonly service: string;
  readonly instance: string;
  readonly dir: string;
  current?: IssuedCertificate;
  rotations: number;
  failures: number;
  lastError?: string;
  renewAt: number;
  timer?: TimerHandle;
  /** The operation in progress (provision or renewal); never rejects. */
  busy: Promise<void>;
  stopped: boolean;
}

/**
 * Creates the per-replica identity lifecycle: provision before the replica starts, renew at a fraction of
 * the certificate's life (retrying failures with a doubling back-off), release when the replica stops.
 * Renewals run from clock timers and never throw: failures go to `onError`.
 */
export function createIdentityIssuer(options: IdentityIssuerOptions): IdentityIssuer {
  const { ca, clock, ttlMs } = options;
  const rootDir = resolve(options.rootDir);
  const fraction = options.renewAtFraction ?? DEFAULT_RENEW_AT_FRACTION;
  const retryInitialMs = options.retryInitialMs ?? DEFAULT_RETRY_INITIAL_MS;
  const retryMaxMs = options.retryMaxMs ?? DEFAULT_RETRY_MAX_MS;
  const writeDir = options.writeDir ?? writeIdentityDir;
  // Written so that NaN fails too: a NaN delay would become an immediate timer, a tight loop.
  if (!(fraction > 0 && fraction < 1)) {
    throw new IdentityError('options', 'renewAtFraction must be in (0, 1)');
  }
  if (!(Number.isInteger(ttlMs) && ttlMs >= MIN_CERT_TTL_MS)) {
    throw new IdentityError('ttl', `ttlMs must be an integer of at least ${MIN_CERT_TTL_MS}`);
  }
  if (!(Number.isFinite(retryMaxMs) && retryInitialMs > 0 && retryMaxMs >= retryInitialMs)) {
    throw new IdentityError('options', 'retry back-off needs 0 < retryInitialMs ≤ retryMaxMs');
  }
  const entries = new Map<string, Entry>();
  let closed = false;

  const material = (issued: IssuedCertificate): IdentityMaterial => ({
    caPem: ca.caPem,
    certPem: issued.certPem,
    keyPem: issued.keyPem,
  });

  function schedule(entry: Entry, delayMs: number): void {
    if (entry.stopped) return;
    entry.renewAt = clock.now() + delayMs;
    entry.timer = clock.after(delayMs, () => {
      entry.timer = undefined;
      entry.busy = renew(entry);
    });
  }

  function scheduleRenewal(entry: Entry, issued: IssuedCertificate): void {
    // From the moment of issue, not the backdated notBefore: a 10 s certificate renews after 5 s, not at once.
    const issuedAt = clock.now();
    const renewAt = issuedAt + fraction * (issued.notAfter - issuedAt);
    schedule(entry, Math.max(renewAt - clock.now(), MIN_RENEW_DELAY_MS));
  }

  async function renew(entry: Entry): Promise<void> {
    if (entry.stopped) return;
    try {
      const issued = await ca.issue({ service: entry.service, instance: entry.instance, ttlMs });
      if (entry.stopped) return;
      await writeDir(entry.dir, material(issued));
      if (entry.stopped) return; // released meanwhile: release() deletes what was just written
      entry.current = issued;
      entry.rotations++;
      entry.failures = 0;
      entry.lastError = undefined;
      scheduleRenewal(entry, issued);
      notify(options.onRotated, {
        instance: entry.instance,
        service: entry.service,
        serial: issued.serial,
        notAfter: issued.notAfter,
        rotations: entry.rotations,
      });
    } catch (error) {
      if (entry.stopped) return;
      entry.failures++;
      entry.lastError = error instanceof Error ? error.message : String(error);
      const retryInMs = Math.min(retryInitialMs * 2 ** Math.min(entry.failures - 1, 30), retryMaxMs);
      schedule(entry, retryInMs);
      notify(options.onError, {
        instance: entry.instance,
        service: entry.service,
        error,
        attempt: entry.failures,
        retryInMs,
      });
    }
  }

  async function stop(entry: Entry): Promise<void> {
    entry.stopped = true;
    entry.timer?.cancel();
    entry.timer = undefined;
    await entry.busy;
  }

  return {
    async provision(service, instance) {
      if (closed) throw new IdentityError('closed', 'the identity issuer is closed');
      assertServiceName(service);
      assertInstanceName(instance);
      const entry: Entry = {
        service,
        instance,
        dir: join(rootDir, instance),
        rotations: 0,
        failures: 0,
        renewAt: 0,
        busy: Promise.resolve(),
        stopped: false,
      };
      const previous = entries.get(instance);
      entries.set(instance, entry);
      const work = (async () => {
        if (previous !== undefined) await stop(previous);
        await mkdir(rootDir, { recursive: true, mode: 0o700 });
        await chmod(rootDir, 0o700);
        const issued = await ca.issue({ service, instance, ttlMs });
        await writeDir(entry.dir, material(issued));
        return issued;
      })();
      entry.busy = work.then(
        () => undefined,
        () => undefined,
      );
      let issued: IssuedCertificate;
      try {
        issued = await work;
      } catch (error) {
        // A later provision of the same instance owns the directory now: leave it alone.
        if (entries.get(instance) === entry) {
          entries.delete(instance);
          await removeIdentityDir(entry.dir).catch(() => undefined);
        }
        throw error;
      }
      if (entry.stopped)
        throw new IdentityError('closed', `instance ${instance} was released while provisioning`);
      entry.current = issued;
      scheduleRenewal(entry, issued);
      return entry.dir;
    },

    async release(instance) {
      const entry = entries.get(instance);
      if (entry === undefined) return;
      entries.delete(instance);
      await stop(entry);
      await removeIdentityDir(entry.dir);
    },

    async close() {
      closed = true;
      const all = [...entries.values()];
      entries.clear();
      await Promise.all(all.map(stop));
    },

    status() {
      const rows: IdentityStatus[] = [];
      for (const entry of entries.values()) {
        if (entry.current === undefined) continue;
        rows.push({
          instance: entry.instance,
          service: entry.service,
          dir: entry.dir,
          serial: entry.current.serial,
          notAfter: entry.current.notAfter,
          rotations: entry.rotations,
          renewAt: entry.renewAt,
          failures: entry.failures,
          ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
        });
      }
      return rows.sort((a, b) => (a.instance < b.instance ? -1 : a.instance > b.instance ? 1 : 0));
    },
  };
}

function notify<T>(listener: ((event: T) => void) | undefined, event: T): void {
  try {
    listener?.(event);
  } catch {
    // A listener's bug must not stop renewals: they run from timers with no caller to report to.
  }
}
