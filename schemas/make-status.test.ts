import { describe, it, expect } from '@jest/globals';
import { executionStatusSymbols } from './generated/types.js';
import { executionStatusFromCode, executionStatusFromText } from './make-status.js';

describe('Make execution status', () => {
  it('maps the numeric codes of log rows', () => {
    expect([0, 1, 2, 3].map(executionStatusFromCode)).toEqual(['RUNNING', 'SUCCESS', 'WARNING', 'ERROR']);
  });

  it('maps unknown or missing codes to UNKNOWN', () => {
    expect([4, -1, 1.5, null, undefined].map(executionStatusFromCode)).toEqual(Array(5).fill('UNKNOWN'));
  });

  it('maps the words of the execution detail, PAUSED to UNKNOWN', () => {
    expect(['SUCCESS', 'error', ' Warning ', 'RUNNING', 'PAUSED', '', null].map(executionStatusFromText)).toEqual([
      'SUCCESS',
      'ERROR',
      'WARNING',
      'RUNNING',
      'UNKNOWN',
      'UNKNOWN',
      'UNKNOWN',
    ]);
  });

  it('only produces symbols of the schema', () => {
    for (const code of [0, 1, 2, 3, 9]) expect(executionStatusSymbols).toContain(executionStatusFromCode(code));
  });
});
