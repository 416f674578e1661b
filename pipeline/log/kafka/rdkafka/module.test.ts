import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '../../../errors/index.js';
import { createKafkaLog } from '../log.js';
import { loadRdkafka, type RdkafkaModule } from './module.js';

const missing = (): never => {
  throw new Error("Cannot find module '@confluentinc/kafka-javascript'");
};

describe('loading @confluentinc/kafka-javascript', () => {
  it('turns a missing package into a ConfigError that says how to install it', () => {
    expect(() => loadRdkafka(missing)).toThrow(ConfigError);
    expect(() => loadRdkafka(missing)).toThrow(/CKJS_LINKING=dynamic npm rebuild @confluentinc\/kafka-javascript/);
  });

  it('refuses a package without the native Producer', () => {
    expect(() => loadRdkafka(() => ({}))).toThrow(/no native Producer/);
  });

  it('createKafkaLog with client librdkafka fails at once when the binding is missing; kafkajs does not load it', () => {
    const load = (): RdkafkaModule => loadRdkafka(missing);
    expect(() => createKafkaLog({ brokers: ['127.0.0.1:1'], client: 'librdkafka' }, { loadRdkafka: load })).toThrow(
      ConfigError,
    );
    expect(() => createKafkaLog({ brokers: ['127.0.0.1:1'] }, { loadRdkafka: load })).not.toThrow();
  });
});
