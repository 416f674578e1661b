import { describe, it, expect, beforeEach, afterEach } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { exampleEvents } from '../../schemas/examples.js';
import { createEmbeddedLog } from '../log/embedded/index.js';
import { bindTopic, createAvroSerde, createEmbeddedSchemaStore } from '../serde/index.js';
import { main } from './main.js';

/** Runs the CLI in process with captured output. */
async function makestream(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const sink = (into: string[]) =>
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        into.push(chunk.toString());
        done();
      },
    });
  const code = await main(argv, { stdout: sink(out), stderr: sink(err) });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('makestream CLI on the embedded log', () => {
  let dir: string;
  let config: string;
  let database: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cli-'));
    database = join(dir, 'log.db');
    config = join(dir, 'makestream.yaml');
    writeFileSync(config, `log:\n  backend: embedded\n  path: ${database}\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates the topic catalogue once and reports what exists the second time', async () => {
    const first = await makestream('topics', 'ensure', '--config', config);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/make\.executions\.raw\.v1\s+created\s+6\s+7 d\s+scenario-execution/);
    expect(first.stdout).toMatch(/make\.scenarios\.v1\s+created\s+3\s+compacted/);
    const second = await makestream('topics', 'ensure', '--config', config);
    expect(second.stdout).toMatch(/make\.executions\.raw\.v1\s+exists/);
    expect(second.stdout).not.toContain('created');
  });

  it('registers schemas, then refuses an incompatible change with the reason and exit code 1', async () => {
    const registered = await makestream('schemas', 'register', '--config', config);
    expect(registered.code).toBe(0);
    expect(registered.stdout).toMatch(/make\.executions\.raw\.v1-value\s+1\s+com\.makestream\.v1\.ScenarioExecution/);

    const unchanged = await makestream('schemas', 'check', '--config', config);
    expect(unchanged.code).toBe(0);
    expect(unchanged.stdout).not.toContain('REFUSED');

    const schema = JSON.parse(readFileSync('schemas/scenario-execution.avsc', 'utf8')) as { fields: object[] };
    schema.fields.push({ name: 'workerId', type: 'long', doc: 'Worker that ran it.' });
    const changed = join(dir, 'scenario-execution.avsc');
    writeFileSync(changed, JSON.stringify(schema));
    const refused = await makestream('schemas', 'check', changed, '--config', config);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/make\.executions\.raw\.v1-value\s+REFUSED: not BACKWARD compatible.*workerId/);
    expect(refused.stderr).toContain('1 schema(s) would be refused');
  });

  it('prints Avro records as JSON lines with their metadata', async () => {
    await makestream('topics', 'ensure', '--config', config);
    const log = createEmbeddedLog({ path: database });
    const store = createEmbeddedSchemaStore({ database });
    const executions = await bindTopic(createAvroSerde({ store }), 'make.executions.raw.v1', 'scenario-execution');
    const example = exampleEvents['com.makestream.v1.ScenarioExecution'];
    const producer = await log.producer();
    await producer.send('make.executions.raw.v1', [
      { key: '42', value: executions.encode(example), headers: { source: 'test' } },
      { key: '42', value: Buffer.from('not avro') },
    ]);
    await producer.close();
    await store.close();
    await log.close();

    const result = await makestream(
      'consume',
      'make.executions.raw.v1',
      '--from-beginning',
      '--max',
      '2',
      '--meta',
      '--config',
      config,
    );
    expect(result.code).toBe(0);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      topic: 'make.executions.raw.v1',
      key: '42',
      offset: 0,
      headers: { source: 'test' },
    });
    expect(lines[0]?.value).toEqual(JSON.parse(JSON.stringify(example)));
    expect(lines[1]?.value).toBe('not avro');
    expect(result.stderr).toContain('2 record(s) from make.executions.raw.v1.');
  });

  it('names an unknown topic, and rejects bad usage with exit code 2', async () => {
    const unknown = await makestream('consume', 'no.such.topic', '--timeout-ms', '100', '--config', config);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Topic "no.such.topic" does not exist');
    expect((await makestream('consume', 'x', '--max', 'lots', '--config', config)).code).toBe(2);
    expect((await makestream('topics', 'create')).stderr).toContain('topics takes "ensure" or "list"');
  });

  it('names the bad field of a config file', async () => {
    writeFileSync(config, 'log:\n  backend: kafak\n');
    const result = await makestream('topics', 'ensure', '--config', config);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('log.backend');
  });
});
