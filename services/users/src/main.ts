import { createEventBusFromConfig } from '@opsloop/bus';
import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { usersService } from './app.js';
import type { UsersTables } from './tables.js';

await runService(
  usersService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<UsersTables>({ ...config, service: 'users', log }),
    createBus: (config, log, registry) => createEventBusFromConfig({ config, name: 'users', log, registry }),
  }),
);
