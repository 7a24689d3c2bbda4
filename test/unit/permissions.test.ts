import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describePermission, type Permission, PERMISSIONS } from '../../contract/permissions.ts';
import { demand, may } from '../../src/accounts/permissions.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { asUserId } from '../../src/kernel/ids.ts';

const alice = { id: asUserId('alice'), role: 'Normal' as const };
const operator = { id: asUserId('op'), role: 'MeetingOperator' as const };
const admin = { id: asUserId('root'), role: 'SystemAdmin' as const };
const alicesMeeting = { ownerId: 'alice' };
const bobsMeeting = { ownerId: 'bob' };

describe('may()', () => {
  it('lets the owner host and manage her own meeting, not someone else’s', () => {
    assert.equal(may(alice, 'meeting.host', alicesMeeting), true);
    assert.equal(may(alice, 'meeting.manage', alicesMeeting), true);
    assert.equal(may(alice, 'meeting.host', bobsMeeting), false);
  });

  it('gives MeetingOperator and SystemAdmin everyone’s meetings, and only SystemAdmin the accounts', () => {
    for (const p of ['meeting.read', 'meeting.manage', 'meeting.host', 'room.read', 'room.use'] as const) {
      assert.equal(may(operator, p, bobsMeeting), true, p);
      assert.equal(may(admin, p, bobsMeeting), true, p);
    }
    assert.equal(may(operator, 'account.manage'), false);
    assert.equal(may(admin, 'account.manage'), true);
    assert.equal(may(operator, 'room.manage'), false);
  });

  it('counts only roles when no resource is given (listing every room)', () => {
    assert.equal(may(alice, 'room.read'), false);
    assert.equal(may(operator, 'room.read'), true);
  });

  it('never lets ownership grant a role-only permission (high call rates, accounts)', () => {
    assert.equal(may(alice, 'callRate.high', alicesMeeting), false);
    assert.equal(may(alice, 'account.manage', { ownerId: 'alice' }), false);
  });

  it('demand() fails with permission.denied and the given message', () => {
    assert.throws(
      () => demand(alice, 'meeting.host', bobsMeeting, 'not yours'),
      (e: unknown) => e instanceof DomainError && e.kind === 'permission.denied' && e.message === 'not yours',
    );
    assert.doesNotThrow(() => demand(alice, 'meeting.host', alicesMeeting, 'not yours'));
  });

  it('describes every permission in words for the API documentation', () => {
    for (const p of Object.keys(PERMISSIONS) as Permission[]) assert.match(describePermission(p), /^Requires .+\(.+: .+\)\.$/);
    assert.equal(describePermission('account.manage'), 'Requires SystemAdmin (account.manage: create, change, lock, reset and delete accounts).');
  });
});
