import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveGrants } from '../../src/streaming/live-grants.ts';
import { byteRange } from '../../src/recording/recordings.routes.ts';

describe('live viewer grants', () => {
  it('a grant opens its own stream until it expires, and nothing else; forged or altered grants open nothing', () => {
    const grants = new LiveGrants(60_000);
    const { value, expiresAt } = grants.issue('stream-key-aaaaaaaa', 1_000_000);
    assert.equal(expiresAt, 1_060_000);
    assert.equal(grants.valid('stream-key-aaaaaaaa', value, 1_000_001), true);
    assert.equal(grants.valid('stream-key-aaaaaaaa', value, 1_060_000), false, 'expired');
    assert.equal(grants.valid('stream-key-bbbbbbbb', value, 1_000_001), false, 'another stream');
    const [, sig] = value.split('.');
    assert.equal(grants.valid('stream-key-aaaaaaaa', `${expiresAt + 50_000}.${sig}`, 1_000_001), false, 'a later expiry with the old signature');
    assert.equal(grants.valid('stream-key-aaaaaaaa', `${expiresAt}.${'A'.repeat(43)}`, 1_000_001), false, 'a made-up signature');
    assert.equal(grants.valid('stream-key-aaaaaaaa', undefined, 1_000_001), false);
    assert.equal(new LiveGrants(60_000).valid('stream-key-aaaaaaaa', value, 1_000_001), false, 'another process’s secret');
  });
});

describe('byte ranges of downloads', () => {
  it('reads single ranges as RFC 9110 says; several or malformed ones mean the whole file', () => {
    assert.deepEqual(byteRange('bytes=0-99', 1000), { start: 0, end: 99 });
    assert.deepEqual(byteRange('bytes=900-', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRange('bytes=-100', 1000), { start: 900, end: 999 });
    assert.deepEqual(byteRange('bytes=-5000', 1000), { start: 0, end: 999 });
    assert.deepEqual(byteRange('bytes=500-5000', 1000), { start: 500, end: 999 });
    assert.equal(byteRange('bytes=1000-', 1000), 'unsatisfiable');
    assert.equal(byteRange('bytes=-0', 1000), 'unsatisfiable');
    assert.equal(byteRange('bytes=5-2', 1000), undefined);
    assert.equal(byteRange('bytes=0-1,3-4', 1000), undefined);
    assert.equal(byteRange(undefined, 1000), undefined);
  });
});
