import { createEventBusFromConfig } from '@opsloop/bus';
import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { notificationsService } from './app.js';
import type { NotificationsTables } from './tables.js';

await runService(
  notificationsService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<NotificationsTables>({ ...config, service: 'notifications', log }),
    createBus: (config, log, registry) =>
      createEventBusFromConfig({ config, name: 'notifications', log, registry }),
  }),
);
