import { createResolverFromConfig, runService } from '@opsloop/kit';
import { gatewayService } from './app.js';

await runService(gatewayService({ createResolver: (config) => createResolverFromConfig(config) }));
