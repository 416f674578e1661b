/** The PostgreSQL / TimescaleDB sink: config schema, factory and the table descriptions (docs). */
export { parsePostgresSinkConfig, postgresSinkConfigSchema, type PostgresSinkConfig } from './config.js';
export { createPostgresSink, type PostgresSinkDependencies } from './connector.js';
export { warehouseTables, tableForTopic } from './tables.js';
export type { TableSpec, ColumnSpec } from './table-spec.js';
