/** The ClickHouse sink: tables, migrations, transports and the connector. */
export { createClickHouseSink, minimumServerVersion } from './connector.js';
export type { ClickHouseSink, ClickHouseSinkDependencies } from './connector.js';
export { clickHouseSinkConfigSchema, describeWarehouse, parseClickHouseSinkConfig, ttlDaysOf } from './config.js';
export type { ClickHouseSinkConfig, ClickHouseSinkConfigInput } from './config.js';
export { currentDialect, legacyDialect } from './column-types.js';
export type { Dialect } from './column-types.js';
export { migrate, migrations } from './migrations.js';
export type { Migration, MigrationReport } from './migrations.js';
export { warehouseTables, tableForTopic } from './tables/index.js';
export type { AnyTableSpec, TableSpec, ColumnSpec } from './tables/index.js';
export { createChdbTransport } from './transport-chdb.js';
export { createHttpTransport } from './transport-http.js';
export type { ClickHouseTransport, InsertRequest, InsertFormat } from './transport.js';
export { classify } from './errors.js';
