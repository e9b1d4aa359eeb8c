export {
  inventoryService,
  inventoryConfigSchema,
  type InventoryConfig,
  type InventoryServiceOptions,
} from './app.js';
export {
  createInventory,
  InvalidInventoryInput,
  MAX_LINE_QUANTITY,
  MAX_ON_HAND,
  MAX_RESERVATION_LINES,
  MAX_RESERVATION_TTL_MS,
  type CommitResult,
  type Inventory,
  type InventoryOptions,
  type ReleaseResult,
  type Reservation,
  type ReservationLine,
  type ReserveInput,
  type ReserveResult,
  type SetStockResult,
  type Shortage,
  type StockLevel,
} from './inventory.js';
export { inventoryMigrations } from './migrations.js';
export {
  registerInventoryRoutes,
  reserveBodySchema,
  DEFAULT_TTL_SECONDS,
  type ReservationView,
} from './routes.js';
export { loadStockSeed, stockSeedEntrySchema, DEFAULT_STOCK_SEED, type StockSeedEntry } from './seed.js';
export type { InventoryTables, ReservationState } from './tables.js';
