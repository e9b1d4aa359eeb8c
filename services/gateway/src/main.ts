import cluster from 'node:cluster';
import { createResolverFromConfig, runService } from '@opsloop/kit';
import { gatewayService } from './app.js';
import { gatewayConfigSchema } from './config.js';
import { superviseWorkers } from './workers.js';

// GATEWAY_WORKERS is read before the full config so the primary stays tiny; workers validate everything
// (a bad value there exits 78 like any config error).
const workers = gatewayConfigSchema.shape.GATEWAY_WORKERS.safeParse(process.env.GATEWAY_WORKERS || undefined);

if (cluster.isPrimary && workers.success && workers.data > 1) {
  superviseWorkers({ workers: workers.data });
} else {
  await runService(gatewayService({ createResolver: (config) => createResolverFromConfig(config) }));
}
