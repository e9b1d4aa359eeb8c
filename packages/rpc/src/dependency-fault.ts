import { Code, ConnectError } from '@connectrpc/connect';
import { isFaultInjectedError, type Clock } from '@opsloop/kit';
import { connectErrorOfFault } from './fault-codes.js';

/** What bounds the wait of a call's dependency fault. */
export interface DependencyFaultBounds {
  clock: Clock;
  /** Absolute deadline of the call (clock time). */
  deadline: number;
  signal: AbortSignal | undefined;
}

/**
 * Suffers the fault of one attempt at `dependency:<target>` before anything is sent, as a network fault
 * would: an injected latency past the call's deadline ends it with DEADLINE_EXCEEDED, a cancelled call
 * stops waiting with CANCELED, and an injected failure becomes its ConnectError (UNAVAILABLE by default: the
 * upstream looks unreachable, so retries, outlier ejection and the breaker behave as for a real outage).
 */
export function sufferDependencyFault(fault: Promise<void>, bounds: DependencyFaultBounds): Promise<void> {
  const { clock, deadline, signal } = bounds;
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve();
      else reject(error instanceof Error ? error : new Error('the dependency fault failed'));
    };
    const onAbort = () => settle(new ConnectError('the call was cancelled', Code.Canceled));
    const timer = clock.after(Math.max(0, deadline - clock.now()), () =>
      settle(new ConnectError('deadline exceeded', Code.DeadlineExceeded)),
    );
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
    fault.then(
      () => settle(),
      (error: unknown) => settle(isFaultInjectedError(error) ? connectErrorOfFault(error) : error),
    );
  });
}
