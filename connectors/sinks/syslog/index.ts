export {
  createSyslogSink,
  formatSyslogMessage,
  syslogMessageFormatter,
  type SyslogSinkDependencies,
} from './connector.js';
export { syslogSinkConfigSchema, type SyslogSinkConfig, type SyslogSinkConfigInput } from './config.js';
