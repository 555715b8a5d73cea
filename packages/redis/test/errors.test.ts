/**
 * The error classifier on reply texts that the live tests cannot produce here: Redis 6's
 * wrapping of errors raised inside scripts, and cluster-only client errors. The live cases
 * (connection loss, OOM, READONLY, a damaged key) are in resilience.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { classifyRedisError } from '../src/index';

describe('classifyRedisError', () => {
  it.each([
    ["READONLY You can't write against a read only replica.", 'UNAVAILABLE'],
    ["ERR Error running script (call to f_1a2b): @user_script:12: -READONLY You can't write against a read only replica.", 'UNAVAILABLE'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'UNAVAILABLE'],
    ['CLUSTERDOWN The cluster is down', 'UNAVAILABLE'],
    ['Too many Cluster redirections. Last error: Error: Connection is closed.', 'UNAVAILABLE'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'INTERNAL'],
    ['ERR Error running script (call to f_1a2b): @user_script:3: user_script:3: attempt to compare nil with number', 'INTERNAL'],
  ])('%s → %s', (message, code) => {
    expect(classifyRedisError(new Error(message))).toBe(code);
  });

  it('treats Node network errors and non-errors as they are', () => {
    expect(classifyRedisError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('UNAVAILABLE');
    expect(classifyRedisError('a string')).toBe('INTERNAL');
  });
});
