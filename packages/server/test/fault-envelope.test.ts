// Which failures of the storage and the database become 507 or 503 (http/fault-envelope.ts),
// for the drivers a test here cannot make fail for real: S3 answers, PostgreSQL SQLSTATEs,
// network errors of the SDK, and errors wrapped as a cause. Anything else stays unmapped (500).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { faultOf } from '../src/http/fault-envelope.js';
import { UploadNotReadyError } from '../src/storage/blob-errors.js';

const s3 = (name: string, status: number): Error => Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } });
const coded = (code: string): Error => Object.assign(new Error(code), { code });

test('storage full, however it is said, is 507 INSUFFICIENT_STORAGE without Retry-After', () => {
  for (const error of [coded('ENOSPC'), coded('EDQUOT'), coded('SQLITE_FULL'), coded('53100'), s3('QuotaExceeded', 403), s3('InsufficientCapacity', 507), s3('Whatever', 507)]) {
    const fault = faultOf(error);
    assert.equal(fault?.code, 'INSUFFICIENT_STORAGE', error.message);
    assert.deepEqual(fault.headers, {});
  }
});

test('a database locked, busy, read-only or gone, storage out of reach, and an upload another process still copies, are 503 UNAVAILABLE with Retry-After', () => {
  const errors = [
    coded('SQLITE_BUSY'), coded('SQLITE_BUSY_SNAPSHOT'), coded('SQLITE_LOCKED'), coded('SQLITE_READONLY'), coded('SQLITE_CANTOPEN'),
    coded('08006'), coded('57P01'), coded('55P03'), coded('40P01'), coded('25006'),
    coded('EROFS'), coded('ECONNREFUSED'), coded('ETIMEDOUT'), s3('ServiceUnavailable', 503), s3('SlowDown', 503), s3('InternalError', 500),
    new UploadNotReadyError('still copying'),
  ];
  for (const error of errors) {
    const fault = faultOf(error);
    assert.equal(fault?.code, 'UNAVAILABLE', error.message);
    assert.ok(Number(fault.headers['retry-after']) > 0);
  }
});

test('a fault wrapped as a cause is found; other errors are not faults', () => {
  assert.equal(faultOf(new Error('upload failed', { cause: new Error('write', { cause: coded('ENOSPC') }) }))?.code, 'INSUFFICIENT_STORAGE');
  for (const error of [new Error('bug'), new TypeError('x'), coded('SQLITE_CONSTRAINT_UNIQUE'), coded('23505'), s3('NoSuchKey', 404), null, 'text']) {
    assert.equal(faultOf(error), undefined, String(error));
  }
});
