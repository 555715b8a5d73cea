/** The driver-error classifier: what each failure a user can meet turns into. */
import { describe, expect, it } from 'vitest';
import { classifyMongoError } from '../src';

function driverError(name: string, fields: Record<string, unknown> = {}): Error {
  return Object.assign(new Error('x'), { name, ...fields });
}

describe('classifyMongoError', () => {
  it.each([
    ['server selection timeout', driverError('MongoServerSelectionError')],
    ['mongoose server selection', driverError('MongooseServerSelectionError')],
    ['network error', driverError('MongoNetworkError')],
    ['network timeout', driverError('MongoNetworkTimeoutError')],
    ['NotWritablePrimary (10107)', driverError('MongoServerError', { code: 10107 })],
    ['PrimarySteppedDown (189)', driverError('MongoServerError', { code: 189 })],
    ['ShutdownInProgress (91)', driverError('MongoServerError', { code: 91 })],
    [
      'a RetryableWriteError label',
      Object.assign(driverError('MongoServerError', { code: 1 }), { hasErrorLabel: (l: string) => l === 'RetryableWriteError' }),
    ],
    ['ECONNREFUSED from node', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })],
    ['a broken connection under another name', driverError('MongoBulkWriteError', { message: 'read ECONNRESET' })],
    ['a closed connection under another name', driverError('MongoError', { message: 'connection 13 to 127.0.0.1:46197 closed' })],
    ['a wrapped network error', driverError('MongoBulkWriteError', { cause: driverError('MongoNetworkError') })],
    [
      'mongoose before the first connection',
      driverError('MongooseError', {
        message: 'Cannot call `x.find()` before initial connection is complete if `bufferCommands = false`.',
      }),
    ],
  ])('%s is UNAVAILABLE', (_, error) => {
    expect(classifyMongoError(error)).toBe('UNAVAILABLE');
  });

  it.each([
    ['a duplicate key that escaped', driverError('MongoServerError', { code: 11000 })],
    ['a bad query', driverError('MongoServerError', { code: 2 })],
    ['a plain bug', new TypeError('undefined is not a function')],
    ['a string', 'boom'],
  ])('%s is INTERNAL', (_, error) => {
    expect(classifyMongoError(error)).toBe('INTERNAL');
  });
});
