import { describe, expect, it } from '@jest/globals';
import { ClickHouseError } from '@clickhouse/client';
import { classify, clickHouseCode, toPipelineError } from './errors.js';

const chdbError = (code: number): Error =>
  Object.assign(new Error(`Code: ${code}. DB::Exception: …`), { clickhouseCode: code });

describe('ClickHouse error classification', () => {
  it.each([
    ['too many parts', chdbError(252)],
    ['memory limit', chdbError(241)],
    ['timeout', chdbError(159)],
    ['keeper', chdbError(999)],
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' })],
    ['socket reset', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['client timeout', new Error('Timeout error.')],
    ['proxy 502', new Error('Unexpected response 502 Bad Gateway')],
    [
      'HTTP client error code',
      new ClickHouseError({ message: 'Too many parts (300).', code: '252', type: 'TOO_MANY_PARTS' }),
    ],
  ])('%s is retriable', (_name, error) => {
    expect(classify(error)).toBe('retriable');
    expect(toPipelineError(error, 'insert').retriable).toBe(true);
  });

  it.each([
    ['parse error (chDB)', chdbError(27)],
    ['bad datetime (18.16 body)', new Error('Code: 41, e.displayText() = DB::Exception: Cannot parse datetime')],
    ['type mismatch (HTTP)', new ClickHouseError({ message: 'Type mismatch', code: '53', type: 'TYPE_MISMATCH' })],
  ])('%s is a data error: permanent', (_name, error) => {
    expect(classify(error)).toBe('data');
    expect(toPipelineError(error, 'insert').retriable).toBe(false);
  });

  it.each([
    ['unknown table', chdbError(60)],
    ['access denied', new ClickHouseError({ message: 'Not enough privileges', code: '497', type: 'ACCESS_DENIED' })],
    ['unknown setting (old server)', new Error('Code: 115, e.displayText() = DB::Exception: Unknown setting x')],
    ['not an error object', 'boom'],
  ])('%s is fatal', (_name, error) => {
    expect(classify(error)).toBe('fatal');
    expect(toPipelineError(error, 'insert').retriable).toBe(false);
  });

  it('reads the code from chDB, from @clickhouse/client and from old server bodies', () => {
    expect(clickHouseCode(chdbError(60))).toBe(60);
    expect(clickHouseCode(new ClickHouseError({ message: 'x', code: '81', type: 'UNKNOWN_DATABASE' }))).toBe(81);
    expect(clickHouseCode(new Error('Code: 117, e.displayText() = …'))).toBe(117);
    expect(clickHouseCode(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBeUndefined();
  });

  it('says where it failed', () => {
    expect(toPipelineError(chdbError(60), 'insert of 3 rows into db.t').message).toMatch(
      /^ClickHouse insert of 3 rows into db.t failed \(fatal\): Code: 60/,
    );
  });
});
