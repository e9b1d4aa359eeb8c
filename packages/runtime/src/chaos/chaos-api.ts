import {
  ChaosApplyError,
  ChaosInputError,
  ChaosTargetError,
  listFaults,
  UnknownInjectionError,
  type ChaosManager,
  type Injection,
} from '@opsloop/chaos';
import type { FaultInfo, InjectionJson } from '@opsloop/contracts';
import { ControlRequestError, type ChaosApi } from '../control-api/aiops-routes.js';

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** An injection as the control API shows it (ISO times). */
export function injectionJson(injection: Injection): InjectionJson {
  return {
    ...injection,
    startedAt: iso(injection.startedAt),
    endsAt: iso(injection.endsAt),
    endedAt: iso(injection.endedAt),
  };
}

/** Chaos errors as control API refusals. */
function refusal(error: unknown): never {
  if (error instanceof ChaosInputError) throw new ControlRequestError(error.message, 'invalid');
  if (error instanceof ChaosTargetError) throw new ControlRequestError(error.message, 'not-found');
  if (error instanceof UnknownInjectionError) throw new ControlRequestError(error.message, 'not-found');
  if (error instanceof ChaosApplyError) throw new ControlRequestError(error.message, 'failed');
  throw error;
}

/** The chaos manager behind `/v1/chaos/…`. */
export function chaosApiOf(manager: ChaosManager): ChaosApi {
  return {
    faults: (): FaultInfo[] => listFaults(),
    list: () => manager.list().map(injectionJson),
    get: (id) => {
      const injection = manager.get(id);
      return injection === undefined ? undefined : injectionJson(injection);
    },
    async inject(request) {
      try {
        return injectionJson(await manager.inject(request));
      } catch (error) {
        return refusal(error);
      }
    },
    async clear(id) {
      if (manager.get(id) === undefined) return undefined;
      try {
        return injectionJson(await manager.clear(id));
      } catch (error) {
        return refusal(error);
      }
    },
  };
}
