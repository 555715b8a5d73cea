import { describe, expect, it } from 'vitest';
import {
  DEFAULT_READ_LIMIT,
  MAX_NAME_BYTES,
  normalizeReadQuery,
  resolveStoreOptions,
  validateInteger,
  validateOptionalText,
  validateStream,
  validateText,
} from '../src/index';

const invalid = expect.objectContaining({
  name: 'RoomlogError',
  code: 'INVALID_ARGUMENT',
  message: expect.stringMatching(/^\[roomlog\] \[test\] /),
});

describe('validateText', () => {
  it.each([
    ['a number', 5],
    ['null', null],
    ['an object', { toString: () => 'room' }],
    ['an empty string', ''],
    ['a NUL', 'a\u0000'],
    ['a lone surrogate', '\uD800'],
    ['513 UTF-8 bytes', 'é'.repeat(256) + 'x'],
  ])('refuses %s', (_, value) => {
    expect(() => validateText('test', 'room', value, MAX_NAME_BYTES)).toThrow(invalid);
  });

  it.each(["'; drop table x; --", '{"$gt": ""}', '{tag}', '*', '..', ':', ' ', '🦄', 'é'.repeat(256), '🦄'.repeat(128)])(
    'accepts %j unchanged',
    (value) => {
      expect(validateText('test', 'room', value, MAX_NAME_BYTES)).toBe(value);
    },
  );

  it('names the field in the message and gives a TypeError cause', () => {
    expect(() => validateText('test', 'event', '', 512)).toThrow(
      expect.objectContaining({ message: '[roomlog] [test] event must not be empty', cause: expect.any(TypeError) }),
    );
  });

  it('lets null and undefined through as null only when optional', () => {
    expect(validateOptionalText('test', 'senderId', undefined, 256)).toBeNull();
    expect(validateOptionalText('test', 'senderId', null, 256)).toBeNull();
    expect(() => validateOptionalText('test', 'senderId', '', 256)).toThrow(invalid);
  });
});

describe('validateStream', () => {
  it('returns only namespace and room', () => {
    expect(validateStream('test', { namespace: '/', room: 'r', extra: { $ne: 1 } })).toEqual({ namespace: '/', room: 'r' });
  });

  it.each([null, 'room', { namespace: '/' }, { namespace: '/', room: { $gt: '' } }])('refuses %j', (stream) => {
    expect(() => validateStream('test', stream)).toThrow(invalid);
  });
});

describe('normalizeReadQuery', () => {
  it('defaults to the latest 50', () => {
    expect(normalizeReadQuery('test', undefined)).toEqual({ after: null, before: null, limit: DEFAULT_READ_LIMIT });
    expect(normalizeReadQuery('test', {})).toEqual({ after: null, before: null, limit: 50 });
  });

  it('keeps valid bounds, including 0, and limits 1 and 1000', () => {
    expect(normalizeReadQuery('test', { after: 0, before: 10, limit: 1 })).toEqual({ after: 0, before: 10, limit: 1 });
    expect(normalizeReadQuery('test', { limit: 1000 }).limit).toBe(1000);
  });

  it.each([
    { limit: 0 },
    { limit: 1001 },
    { limit: 1.5 },
    { limit: Number.NaN },
    { limit: -1 },
    { limit: '5' },
    { after: -1 },
    { after: 2 ** 53 },
    { before: '3' },
    { before: null },
  ])('refuses %j', (query) => {
    expect(() => normalizeReadQuery('test', query)).toThrow(invalid);
  });

  it('refuses a query that is not an object', () => {
    expect(() => normalizeReadQuery('test', 'latest')).toThrow(invalid);
  });
});

describe('validateInteger and store options', () => {
  it('accepts safe integers from the minimum up', () => {
    expect(validateInteger('test', 'n', 0, 0)).toBe(0);
    expect(validateInteger('test', 'n', Number.MAX_SAFE_INTEGER, 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => validateInteger('test', 'n', 0, 1)).toThrow(invalid);
  });

  it('applies defaults and refuses non-positive limits', () => {
    const resolved = resolveStoreOptions('test');
    expect(resolved).toMatchObject({ maxCount: null, maxAgeMs: null, maxPayloadBytes: 1024 * 1024 });
    expect(() => resolveStoreOptions('test', { maxCount: 0 })).toThrow(invalid);
    expect(() => resolveStoreOptions('test', { maxAgeMs: 1.5 })).toThrow(invalid);
    expect(() => resolveStoreOptions('test', { now: 5 as unknown as () => number })).toThrow(invalid);
  });
});
