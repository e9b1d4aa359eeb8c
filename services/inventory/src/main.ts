import { runService } from '@opsloop/kit';
import { createDatabaseFromConfig } from '@opsloop/store';
import { inventoryService } from './app.js';
import type { InventoryTables } from './tables.js';

await runService(
  inventoryService({
    createDatabase: (config, log) =>
      createDatabaseFromConfig<InventoryTables>({ ...config, service: 'inventory', log }),
  }),
);
