export { createDatadogSink, type DatadogSinkDependencies } from './connector.js';
export {
  datadogIntakeHosts,
  datadogIntakeUrl,
  datadogSinkConfigSchema,
  type DatadogSinkConfig,
  type DatadogSinkConfigInput,
} from './config.js';
export { datadogEntry, datadogStatus } from './payload.js';
export { classifyDatadogResponse } from './responses.js';
