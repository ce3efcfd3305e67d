// Region → normalized Inventory (lib/model/inventory.ts), and SLB's current verdicts for the diagnosis re-check.
export { collectInventory, DEFAULT_INVENTORY_CONCURRENCY, type CollectInventoryOptions, type CollectedInventory, type InventoryClients } from './collect';
export { priorityGate, type PriorityGate } from './call-order';
export { readHealthStatus, recheckThrough } from './health-status';
export { normalizeHealthCheck, readHealthCheck, checkHostFor, HEALTH_CHECK_DEFAULTS, DEFAULT_ACCEPTED_CODES } from './health-check';
