/** The embedded EventLog backend: a durable local log in one SQLite file (see README.md). */
export { createEmbeddedLog, type EmbeddedEventLog, type EmbeddedLogOptions } from './log.js';
export type { MaintenanceReport } from './maintenance.js';
export type { Synchronous } from './store.js';
