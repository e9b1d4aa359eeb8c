import { serviceStatusSchema } from '@opsloop/contracts';
import { CliError } from '../cli-error.js';
import { callControlApi, findRuntime, stateDirFor } from '../control-client.js';

/** Options of `opsloop scale`. */
export interface ScaleOptions {
  file: string;
  stateDir?: string;
  service: string;
  replicas: number;
}

/** `opsloop scale <service> --replicas n`: sets the replica count of a running service (operator role). */
export async function scale(options: ScaleOptions): Promise<number> {
  const state = await findRuntime(stateDirFor(options));
  // Scaling down waits for the removed replicas to drain and stop.
  const answer = await callControlApi(
    state,
    'POST',
    `/v1/services/${encodeURIComponent(options.service)}/scale`,
    120_000,
    { replicas: options.replicas },
  );
  const parsed = serviceStatusSchema.safeParse(answer);
  if (!parsed.success) throw new CliError('the control API answered with an unexpected service document');
  const service = parsed.data;
  process.stdout.write(
    `${service.name} scaled to ${service.desiredReplicas} (${service.readyReplicas} of them ready now; replicas: ${
      service.replicas.map((r) => r.name).join(', ') || 'none'
    })\n`,
  );
  return 0;
}
