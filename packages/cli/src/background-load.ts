import { formatReport, runLoad, type LoadReport } from '@opsloop/loadgen';

/** Light user traffic against a running shop, for `opsloop up --load`. */
export interface BackgroundLoad {
  /** Stops the traffic and resolves to the report of the last stretch (undefined if none ran). */
  stop(): Promise<string | undefined>;
}

/** One stretch of load lasts at most this long; stretches follow each other until stopped. */
const STRETCH_SECONDS = 3600;

/**
 * Runs the loadgen's journeys (browse, purchase, sign-up) at `rate` journeys/s against `baseUrl` until
 * stopped. Failures of the load itself are reported with `say`, never thrown: the system under load matters
 * more than its traffic.
 */
export function startBackgroundLoad(
  baseUrl: string,
  rate: number,
  say: (line: string) => void,
): BackgroundLoad {
  const controller = new AbortController();
  let last: LoadReport | undefined;
  const loop = (async () => {
    while (!controller.signal.aborted) {
      try {
        last = await runLoad({
          baseUrl,
          rate,
          durationSeconds: STRETCH_SECONDS,
          thinkTimeMs: [200, 1000],
          signal: controller.signal,
        });
        if (!controller.signal.aborted) say(formatReport(last));
      } catch (error) {
        say(`load stopped: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
    }
  })();
  say(`background load: ${rate} journeys/s against ${baseUrl} (browse, purchase, sign-up)`);
  return {
    async stop() {
      controller.abort();
      await loop;
      return last === undefined ? undefined : formatReport(last);
    },
  };
}
