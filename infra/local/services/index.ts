/**
 * Every service of the local stack, in the order `stack:up` starts them when no names are given
 * (dependencies are honoured whatever the order). JVMs come one after another: on 2 cores,
 * starting them in parallel is slower than in sequence.
 */
import type { LocalService } from '../service.js';
import { chdb } from './chdb.js';
import { clickhouse } from './clickhouse.js';
import { elasticsearch } from './elasticsearch.js';
import { kafka } from './kafka.js';
import { opensearch } from './opensearch.js';
import { otelcol } from './otelcol.js';
import { postgres } from './postgres.js';
import { registry } from './registry.js';
import { rsyslog } from './rsyslog.js';
import { syslogNg } from './syslog-ng.js';

export const services: readonly LocalService[] = [
  kafka,
  registry,
  postgres,
  clickhouse,
  chdb,
  elasticsearch,
  opensearch,
  rsyslog,
  syslogNg,
  otelcol,
];
