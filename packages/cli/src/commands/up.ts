import { performance } from 'node:perf_hooks';
import { AlreadyRunningError, createRuntime, loadSpec, SpecError, type RuntimeEvent } from '@opsloop/runtime';
import { CliError } from '../cli-error.js';
import { stateDirFor } from '../control-client.js';
import { formatSignalValue } from '@opsloop/aiops';
import { formatLogLine } from '../format.js';
import { startBackgroundLoad, type BackgroundLoad } from '../background-load.js';

/** Options of `opsloop up`. */
export interface UpOptions {
  file: string;
  stateDir?: string;
  logs: boolean;
  rawLogs: boolean;
  /** False: `--no-mtls` (cleartext gRPC, no caller policy); undefined: the spec decides. */
  mtls?: boolean;
  timeout: number;
  /** Background user journeys per second against the exposed gateway once ready (`--load`). */
  load?: number;
}

function describe(event: RuntimeEvent): string | undefined {
  switch (event.type) {
    case 'replica-started':
      return `${event.replica} started (pid ${event.pid}, port ${event.port})`;
    case 'replica-ready':
      return `${event.replica} ready`;
    case 'replica-unready':
      return event.reason === 'stopping' || event.reason === 'exited'
        ? undefined
        : `${event.replica} not ready: ${event.reason}`;
    case 'replica-exited':
      return `${event.replica} exited: ${event.reason}${event.code !== null ? ` (code ${event.code})` : ''}${
        event.restartInMs === null
          ? ''
          : event.restartInMs === 0
            ? '; restarting'
            : `; restarting in ${event.restartInMs / 1000} s (back-off)`
      }`;
    case 'replica-killed':
      return `${event.replica} killed: ${event.reason}`;
    case 'rollout-action':
      return `${event.service}: rollout ${event.action}`;
    case 'spec-applied':
      return `applied: ${event.changes.join('; ')}`;
    case 'autoscaled':
      return `${event.service} autoscaled ${event.from} → ${event.to}: ${event.reason}`;
    case 'autoscaling-error':
      return `${event.service} autoscaling: ${event.message}`;
    case 'rollout-blocked':
      return `${event.service} rollout blocked: ${event.reason}`;
    case 'rollout-step':
      return `${event.service}: canary ${event.revision} at ${event.weight} % (step ${event.step}/${event.of})`;
    case 'rollout-analysis':
      return `${event.service}: analysis of ${event.revision} at ${event.weight} %: ${event.verdict} (${event.summary})`;
    case 'rollout-paused':
      return `${event.service}: rollout of ${event.revision} paused: ${event.reason}`;
    case 'rollout-promoted':
      return `${event.service}: ${event.revision} promoted (replaces ${event.from})`;
    case 'rollout-aborted':
      return `${event.service}: rollout of ${event.from} aborted, back to ${event.revision}: ${event.reason}`;
    case 'identity-error':
      return `${event.replica}: certificate renewal failed: ${event.message}`;
    case 'release-group':
      return `release ${event.group}: ${event.phase}: ${event.message}`;
    case 'service-scaled':
      return `${event.service} scaled from ${event.from} to ${event.to} replicas`;
    case 'scheduled-scaling':
      return `${event.service} scaled from ${event.from} to ${event.to} replicas: scheduled ${event.reason} (uptime ${event.uptime})`;
    case 'anomaly':
      return event.phase === 'opened'
        ? `${event.service}: anomaly in ${event.signal}: ${formatSignalValue(event.value, event.unit)} ` +
            `(expected ${formatSignalValue(event.expected, event.unit)}), score ${event.score.toFixed(2)}`
        : `${event.service}: anomaly in ${event.signal} resolved`;
    case 'anomaly-detection-warning':
      return `anomaly detection: ${event.message}`;
    case 'log-event':
      return `${event.service} logs: ${event.summary}`;
    case 'chaos':
      return `chaos ${event.id}: ${event.detail}`;
    case 'circuit':
      return event.phase === 'opened'
        ? `circuit ${event.caller} → ${event.service} opened: ${event.caller} falls back without ${event.service}`
        : `circuit ${event.caller} → ${event.service} closed`;
    case 'flag-changed':
      return `flag ${event.flag}: ${event.from ?? 'none'} → ${event.to ?? 'none'}`;
    case 'incident':
      return `incident ${event.id} ${event.phase} (${event.services.join(', ')}): ${event.summary}`;
    case 'remediation':
      return `incident ${event.incident}: ${event.action} ${event.target} ${event.phase}: ${event.detail}`;
    case 'backup':
      return `backup ${event.id}${event.service === undefined ? '' : ` ${event.service}`} ${event.phase}: ${event.detail}`;
    case 'service-exposed':
    case 'control-api':
      return undefined;
  }
}

/** `opsloop up`: runs the system in the foreground until Ctrl-C, SIGTERM or `opsloop down`. */
export async function up(options: UpOptions): Promise<number> {
  const began = performance.now();
  let loaded;
  try {
    loaded = await loadSpec(options.file);
  } catch (error) {
    if (error instanceof SpecError) throw new CliError(error.message);
    throw error;
  }
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const runtime = createRuntime({
    loaded,
    stateDir: stateDirFor(options),
    ...(options.mtls === false ? { mtls: false } : {}),
    onEvent: (event) => {
      const text = describe(event);
      if (text !== undefined) out(`opsloop | ${text}`);
    },
    ...(options.logs
      ? {
          onLog: (replica: string, _stream: unknown, line: string) =>
            out(`${replica} | ${options.rawLogs ? line : formatLogLine(line)}`),
        }
      : {}),
  });

  let signals = 0;
  let onSignal: (signal: string) => void = () => {};
  const interrupted = new Promise<string>((resolve) => (onSignal = resolve));
  const handler = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      out('opsloop | second signal: killing every replica now');
      process.exit(130);
    }
    onSignal(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, handler);

  try {
    const started = runtime.start(options.timeout * 1000);
    const result = await Promise.race([started, interrupted.then(() => undefined)]);
    if (result !== undefined) {
      for (const [name, url] of Object.entries(result.endpoints)) out(`${name}: ${url}`);
      // Signing in needs a token: `opsloop dashboard` prints a link that carries one.
      if (loaded.spec.runtime.dashboard.enabled) out(`dashboard: ${new URL('/', result.controlUrl).href}`);
      const seconds = ((performance.now() - began) / 1000).toFixed(1);
      if (result.ready)
        out(`opsloop | ${loaded.spec.metadata.name} is ready in ${seconds} s; Ctrl-C to stop`);
      else {
        out(`opsloop | not ready after ${options.timeout} s: ${result.notReady.join(', ')} (still trying)`);
        // Keep watching: a slow first start (databases created on a busy machine) still says when it is ready.
        void whenAllReady(runtime, interrupted).then((ready) => {
          if (!ready) return;
          const late = ((performance.now() - began) / 1000).toFixed(1);
          out(`opsloop | ${loaded.spec.metadata.name} is ready in ${late} s; Ctrl-C to stop`);
        });
      }
      let load: BackgroundLoad | undefined;
      const target = result.endpoints.gateway ?? Object.values(result.endpoints)[0];
      if (options.load !== undefined && target !== undefined) {
        load = startBackgroundLoad(target, options.load, (line) => out(`load | ${line}`));
      } else if (options.load !== undefined) {
        out('opsloop | --load: no exposed service to send load to');
      }
      const reason = await Promise.race([interrupted, runtime.shutdownRequested.then(() => 'opsloop down')]);
      if (load !== undefined) {
        const report = await load.stop();
        if (report !== undefined) out(`load | ${report}`);
      }
      out(`opsloop | stopping (${reason})`);
    } else {
      out('opsloop | stopping before start finished');
    }
  } catch (error) {
    await runtime.stop().catch(() => {});
    if (error instanceof AlreadyRunningError) throw new CliError(error.message);
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  await runtime.stop();
  out('opsloop | stopped');
  return 0;
}

/** Resolves true once every desired replica of every service is ready, false if interrupted first. */
async function whenAllReady(
  runtime: { status(): { services: { desiredReplicas: number; readyReplicas: number }[] } },
  interrupted: Promise<unknown>,
): Promise<boolean> {
  let stop = false;
  void interrupted.then(() => (stop = true));
  while (!stop) {
    if (runtime.status().services.every((s) => s.readyReplicas >= s.desiredReplicas)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500).unref());
  }
  return false;
}
