/** The chat's rules without a server (src/live/chat.ts) and the allowance behind its rate (src/live/allowance.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { take } from '../../src/live/allowance.ts';
import { MeetingChat } from '../../src/live/chat.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import type { Participant } from '../../src/live/participant.ts';
import { participantFixture } from '../support/participant.ts';

const T0 = Date.UTC(2030, 0, 7, 9);
const person = (clientId: string, over: Partial<Participant> = {}): Participant => participantFixture(clientId, T0, over);
const chat = (history = 10) => new MeetingChat('main', { maxLength: 50, rate: { burst: 3, perMinute: 60 }, history });
const kind = (k: string) => (e: unknown) => e instanceof DomainError && e.kind === k;

describe('MeetingChat', () => {
  it('numbers messages in its scope and keeps only the most recent `history`', () => {
    const c = chat(2);
    const a = person('a', { userId: 'ua' });
    assert.deepEqual([1, 2, 3].map((i) => c.send(a, undefined, `m${i}`, T0 + i * 10_000).id), ['main:1', 'main:2', 'main:3']);
    assert.deepEqual(c.recent.map((m) => m.text), ['m2', 'm3']);
  });

  it('shows a private message again to its parties only: a user by account, a guest by its place (not its client id)', () => {
    const c = chat();
    const user = person('u', { userId: 'user-1' });
    const guest = person('g');
    c.send(user, guest, 'private', T0);
    c.send(user, undefined, 'public', T0);
    assert.deepEqual(c.historyFor(person('u-other-device', { userId: 'user-1' })).map((m) => m.text), ['private', 'public']);
    assert.deepEqual(c.historyFor(guest).map((m) => m.text), ['private', 'public']);
    assert.deepEqual(c.historyFor(person('g', { attendanceId: 'a-later' })).map((m) => m.text), ['public'], 'same client id, new place');
  });

  it('remove(): a host deletes a public message; a private one only when party to it', () => {
    const c = chat();
    const host = person('h', { host: true, userId: 'owner' });
    const pub = c.send(person('a'), undefined, 'hi', T0);
    const priv = c.send(person('a'), person('b'), 'secret', T0);
    assert.equal(c.remove(priv.id, host), undefined);
    assert.equal(c.remove(priv.id, undefined), undefined);
    assert.equal(c.remove(pub.id, undefined)?.id, pub.id);
    assert.equal(c.remove(pub.id, host), undefined, 'gone');
  });

  it('guest setting, length, blank and oneself are refused with the field named', () => {
    const c = chat();
    const guest = person('g');
    const other = person('o');
    c.guestChat = 'public';
    assert.throws(() => c.send(guest, other, 'x', T0), kind('operation.forbidden'));
    assert.ok(c.send(person('m', { userId: 'member' }), other, 'x', T0), 'members are not guests');
    c.guestChat = 'none';
    assert.throws(() => c.send(guest, undefined, 'x', T0), kind('operation.forbidden'));
    assert.ok(c.send(person('hg', { host: true }), undefined, 'x', T0), 'a host without account (not possible today) is no guest');
    assert.throws(() => c.send(other, undefined, 'x'.repeat(51), T0), kind('input.tooLong'));
    assert.throws(() => c.send(other, undefined, ' \u0007 ', T0), kind('input.invalid'));
    assert.throws(() => c.send(other, other, 'me', T0), kind('input.invalid'));
  });
});

describe('allowance', () => {
  it('gives `burst` at once, then refills at perMinute', () => {
    const rate = { burst: 2, perMinute: 60 };
    let a = take(undefined, rate, T0);
    assert.ok(a.ok);
    a = take(a.allowance, rate, T0);
    assert.ok(a.ok);
    assert.equal(take(a.allowance, rate, T0).ok, false);
    assert.equal(take(a.allowance, rate, T0 + 999).ok, false);
    assert.equal(take(a.allowance, rate, T0 + 1000).ok, true);
  });
});
