/** The SIEM feeds processor (see README.md). */
export {
  createSiemProcessor,
  parseSiemConfig,
  siemConfigSchema,
  siemProcessor,
  siemTopics,
  type SiemConfig,
  type SiemProcessorOptions,
} from './processor.js';
