export { createSyslogSink, formatSyslogMessage, type SyslogSinkDependencies } from './connector.js';
export { syslogSinkConfigSchema, type SyslogSinkConfig, type SyslogSinkConfigInput } from './config.js';
