/**
 * The live domain's pure parts, without a server: LiveMeeting (admission effects, audio, roster batching, removal),
 * openingAt (which meeting a number opens when), PasscodeGuard (per client, per address, per meeting, over Budgets).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { memoryBudgets } from '../../src/limits/memory-budgets.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { LiveMeeting } from '../../src/live/live-meeting.ts';
import { openingAt } from '../../src/live/meeting-window.ts';
import type { Delivery } from '../../src/live/notices.ts';
import type { Participant } from '../../src/live/participant.ts';
import { participantFixture } from '../support/participant.ts';
import { PasscodeGuard } from '../../src/live/passcode-guard.ts';
import type { NumberLookup, ScheduledMeeting } from '../../src/live/ports.ts';
import { PromptSlots, TokenBucket } from '../../src/live/signal-limits.ts';

const MIN = 60_000;
const T0 = Date.UTC(2030, 0, 7, 9, 0, 0);

const scheduled = (over: Partial<ScheduledMeeting> = {}): ScheduledMeeting => ({
  meetingNumber: '123456789',
  kind: 'reservation',
  scheduleId: 'r1',
  name: 'Weekly',
  ownerId: 'owner',
  ownerName: 'Owner',
  password: '',
  start: T0,
  end: T0 + 60 * MIN,
  timeToJoin: 30,
  muteUponEntry: false,
  guestDialIn: true,
  watermark: false,
  watermarkType: '',
  callRate: '0',
  infoKey: 'k',
  groupKey: '',
  lobby: 'off',
  seriesId: '',
  liveKey: '',
  livePasscode: '',
  ...over,
});

const person = (clientId: string, over: Partial<Participant> = {}): Participant => participantFixture(clientId, T0, over);

/** A meeting with a host `h` and the given non-host ids admitted, roster already flushed. */
function meetingWith(ids: string[], settings: Partial<ScheduledMeeting> = {}): LiveMeeting {
  const m = new LiveMeeting('s1', scheduled(settings), T0, T0 + 60 * MIN);
  m.admit(person('h', { host: true, userId: 'owner' }), T0);
  for (const id of ids) m.admit(person(id), T0);
  m.flushRoster();
  return m;
}

const recipients = (d: Delivery): string[] | 'all' | 'hosts' => (d.audience.to === 'some' ? [...d.audience.clientIds].sort() : d.audience.to);
const kinds = (ds: Delivery[]): string[] => ds.map((d) => d.notice.kind);
const requestsIn = (ds: Delivery[]): Delivery[] => ds.filter((d) => d.notice.kind === 'unmuteRequests');

describe('LiveMeeting', () => {
  it('setRecording() and setStreaming() tell everyone the session state with its values; a later joiner’s welcome has it too', () => {
    const m = meetingWith(['a']);
    assert.deepEqual(m.session(), { kind: 'session', watermark: false, watermarkType: '', recording: false, streaming: null });
    const started = m.setRecording({ id: 'r1', layout: 'speaker' });
    assert.deepEqual(started.map((d) => [recipients(d), d.notice]), [['all', { kind: 'session', watermark: false, watermarkType: '', recording: true, streaming: null }]]);
    const live = m.setStreaming({ id: 's1', layout: 'gallery', url: 'https://x/live/k', passcode: '123456' });
    assert.deepEqual(live[0]!.notice, { kind: 'session', watermark: false, watermarkType: '', recording: true, streaming: { url: 'https://x/live/k', passcode: '123456' } });
    const late = person('late');
    m.admit(late, T0);
    assert.deepEqual(m.welcome(late).find((n) => n.kind === 'session'), { kind: 'session', watermark: false, watermarkType: '', recording: true, streaming: { url: 'https://x/live/k', passcode: '123456' } });
    m.setRecording(null);
    assert.deepEqual(m.setStreaming(null)[0]!.notice, { kind: 'session', watermark: false, watermarkType: '', recording: false, streaming: null });
  });

  it('admit() of a non-host applies mute upon entry with self-unmute allowed', () => {
    const m = meetingWith([], { muteUponEntry: true });
    const p = person('a');
    m.admit(p, T0);
    assert.equal(p.audioMuted, true);
    assert.deepEqual(p.hostMute, { muted: true, allowSelfUnmute: true });
    assert.deepEqual(m.welcome(p).find((n) => n.kind === 'muteLock'), { kind: 'muteLock', muted: true, allowSelfUnmute: true });
  });

  it('admit() of a host ignores mute upon entry and a mute_all in force', () => {
    const m = meetingWith([], { muteUponEntry: true });
    m.muteAll(false, []);
    const host = person('h2', { host: true, userId: 'op' });
    m.admit(host, T0);
    assert.equal(host.audioMuted, false);
    assert.equal(host.hostMute.muted, false);
    assert.equal(m.welcome(host).some((n) => n.kind === 'muteLock'), false);
  });

  it('admit() after muteAll() mutes the joiner with the mute_all setting', () => {
    const m = meetingWith(['a']);
    m.muteAll(false, []);
    const late = person('late');
    m.admit(late, T0);
    assert.deepEqual(late.hostMute, { muted: true, allowSelfUnmute: false });
    m.unmuteAll();
    const later = person('later');
    m.admit(later, T0);
    assert.equal(later.hostMute.muted, false);
  });

  it('admit() clears emptySince and remove() of the last participant sets it', () => {
    const m = new LiveMeeting('s1', scheduled(), T0, null);
    assert.equal(m.emptySince, T0);
    m.admit(person('a'), T0 + 1000);
    assert.equal(m.emptySince, null);
    m.remove('a', T0 + 5000);
    assert.equal(m.emptySince, T0 + 5000);
  });

  it('welcome() lists info, full roster, count, layout, pin, session, chat history in order; unmute requests only to hosts', () => {
    const m = meetingWith(['a']);
    m.setHand(m.get('a')!, true);
    const guest = m.welcome(m.get('a')!);
    assert.deepEqual(kinds(guest.map((notice) => ({ audience: { to: 'all' }, notice }))), ['info', 'roster', 'count', 'layout', 'pin', 'session', 'chatHistory']);
    const roster = guest[1]!;
    assert.ok(roster.kind === 'roster' && roster.full && roster.participants.length === 2);
    const host = m.welcome(m.get('h')!);
    assert.equal(host.at(-1)!.kind, 'unmuteRequests');
  });

  it('muteAll() keeps hosts and exclusions unmuted', () => {
    const m = meetingWith(['a', 'b', 'c']);
    const out = m.muteAll(true, ['b']);
    assert.equal(out.length, 1);
    assert.deepEqual(recipients(out[0]!), ['a', 'c']);
    assert.deepEqual(out[0]!.notice, { kind: 'muteLock', muted: true, allowSelfUnmute: true });
    assert.equal(m.get('a')!.audioMuted, true);
    assert.equal(m.get('c')!.audioMuted, true);
    assert.equal(m.get('b')!.audioMuted, false);
    assert.equal(m.get('h')!.audioMuted, false);
  });

  it('muteAll() with only hosts in the meeting tells nobody', () => {
    const m = meetingWith([]);
    assert.deepEqual(m.muteAll(true, []), []);
  });

  it('flushRoster() after muteAll() sends one delta with all_audio_mute and no entries, and no count', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.muteAll(true, ['b']);
    assert.equal(m.rosterPending, true);
    const out = m.flushRoster();
    assert.equal(out.length, 1, 'count unchanged: not sent');
    const notice = out[0]!.notice;
    assert.equal(out[0]!.audience.to, 'all');
    assert.ok(notice.kind === 'roster');
    assert.equal(notice.full, false);
    assert.deepEqual(notice.participants, []);
    assert.deepEqual(notice.left, []);
    assert.deepEqual(notice.allAudio?.muted, true);
    assert.deepEqual([...notice.allAudio!.except].sort(), ['b', 'h']);
    assert.equal(m.rosterPending, false);
    assert.deepEqual(m.flushRoster(), [], 'nothing left to send');
  });

  it('flushRoster() after unmuteAll() excepts those who were not host-muted', () => {
    const m = meetingWith(['a', 'b']);
    m.mute([m.get('a')!], true);
    m.flushRoster();
    const out = m.unmuteAll();
    assert.deepEqual(recipients(out[0]!), ['a']);
    assert.deepEqual(out[0]!.notice, { kind: 'muteLock', muted: false, allowSelfUnmute: true });
    const [delta] = m.flushRoster();
    assert.ok(delta!.notice.kind === 'roster');
    assert.deepEqual(delta!.notice.allAudio?.muted, false);
    assert.deepEqual([...delta!.notice.allAudio!.except].sort(), ['b', 'h']);
  });

  it('flushRoster() batches several joins into one delta and one count', () => {
    const m = meetingWith([]);
    m.admit(person('a'), T0);
    m.admit(person('b'), T0);
    m.admit(person('c'), T0);
    const out = m.flushRoster();
    assert.deepEqual(kinds(out), ['roster', 'count']);
    const [roster, count] = out;
    assert.ok(roster!.notice.kind === 'roster');
    assert.deepEqual(roster!.notice.participants.map((p) => p.clientId), ['a', 'b', 'c']);
    assert.deepEqual(count!.notice, { kind: 'count', count: 4 });
  });

  it('flushRoster() sends the count only when it changed', () => {
    const m = meetingWith(['a']);
    m.rename(m.get('a')!, 'Ann');
    assert.deepEqual(kinds(m.flushRoster()), ['roster']);
    m.admit(person('b'), T0);
    m.remove('b', T0);
    const out = m.flushRoster();
    assert.deepEqual(kinds(out), ['roster'], 'joined and left within one batch: count back where it was');
    assert.ok(out[0]!.notice.kind === 'roster');
    assert.deepEqual(out[0]!.notice.participants, []);
    assert.deepEqual(out[0]!.notice.left, ['b']);
  });

  it('flushRoster() reports a participant who changed and then left only as left', () => {
    const m = meetingWith(['a', 'b']);
    m.rename(m.get('a')!, 'Ann');
    m.remove('a', T0);
    const [roster, count] = m.flushRoster();
    assert.ok(roster!.notice.kind === 'roster');
    assert.deepEqual(roster!.notice.participants, []);
    assert.deepEqual(roster!.notice.left, ['a']);
    assert.deepEqual(count!.notice, { kind: 'count', count: 2 });
  });

  it('remove() of the lecturer clears it and tells everyone the layout', () => {
    const m = meetingWith(['a', 'b']);
    m.setLecturer('a');
    const out = m.remove('a', T0);
    assert.equal(m.lecturer, null);
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['layout', 'all']]);
  });

  it('remove() of the meeting pin clears it and tells the viewers without their own pin', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.setViewerPin(m.get('c')!, 'b');
    m.setMeetingPin('a');
    const out = m.remove('a', T0);
    assert.equal(m.meetingPin, null);
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['pin', ['b', 'h']]]);
    assert.equal(m.get('c')!.pin, 'b', 'own pin untouched');
  });

  it('remove() of a participant pinned by viewers clears their pins and tells only them', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.setMeetingPin('c');
    m.setViewerPin(m.get('b')!, 'a');
    m.setViewerPin(m.get('h')!, 'a');
    const out = m.remove('a', T0);
    assert.equal(m.get('b')!.pin, null);
    assert.equal(m.get('h')!.pin, null);
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['pin', ['b', 'h']]]);
    assert.deepEqual(m.pinFor(m.get('b')!), { clientId: 'c', scope: 'meeting' }, 'back to the meeting pin');
  });

  it('remove() of the meeting pin who is also a viewer pin tells everyone affected once', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.setMeetingPin('a');
    m.setViewerPin(m.get('b')!, 'a');
    const out = m.remove('a', T0);
    assert.equal(m.get('b')!.pin, null);
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['pin', ['b', 'c', 'h']]]);
  });

  it('remove() of someone with a raised hand updates the hosts’ request list (with the next roster batch)', () => {
    const m = meetingWith(['a', 'b']);
    m.setHand(m.get('a')!, true);
    m.setHand(m.get('b')!, true);
    m.flushRoster();
    assert.deepEqual(m.remove('a', T0), []);
    const [out] = requestsIn(m.flushRoster());
    assert.deepEqual([out!.notice.kind, recipients(out!)], ['unmuteRequests', 'hosts']);
    const n = out!.notice;
    assert.ok(n.kind === 'unmuteRequests');
    assert.deepEqual(n.requests.map((r) => r.clientId), ['b']);
  });

  it('remove() of an unknown participant does nothing', () => {
    const m = meetingWith(['a']);
    assert.deepEqual(m.remove('nobody', T0), []);
    assert.equal(m.rosterPending, false);
  });

  it('selfMute() is refused when host-muted without allow_self_unmute (operation.forbidden)', () => {
    const m = meetingWith(['a']);
    const a = m.get('a')!;
    m.mute([a], false);
    assert.throws(
      () => m.selfMute(a, { audio: false }),
      (e: unknown) => e instanceof DomainError && e.kind === 'operation.forbidden',
    );
    assert.equal(a.audioMuted, true);
    assert.deepEqual(m.selfMute(a, { video: true }), [], 'the camera stays the participant’s own');
    assert.equal(a.videoMuted, true);
  });

  it('selfMute() unmuting when allowed lifts the host mute and tells the participant', () => {
    const m = meetingWith(['a']);
    const a = m.get('a')!;
    m.mute([a], true);
    const out = m.selfMute(a, { audio: false });
    assert.equal(a.audioMuted, false);
    assert.equal(a.hostMute.muted, false);
    assert.deepEqual(out.map((d) => [d.notice, recipients(d)]), [[{ kind: 'muteLock', muted: false, allowSelfUnmute: true }, ['a']]]);
  });

  it('selfMute() unmuting with a raised hand lowers it and updates the hosts', () => {
    const m = meetingWith(['a']);
    const a = m.get('a')!;
    m.selfMute(a, { audio: true });
    m.setHand(a, true);
    m.flushRoster();
    assert.deepEqual(m.selfMute(a, { audio: false }), []);
    assert.equal(a.handRaised, false);
    const [out] = requestsIn(m.flushRoster());
    assert.ok(out?.notice.kind === 'unmuteRequests' && out.notice.requests.length === 0);
  });

  it('allowUnmute() lets a host-muted requester unmute itself', () => {
    const m = meetingWith(['a']);
    const a = m.get('a')!;
    m.mute([a], false);
    m.setHand(a, true);
    m.flushRoster();
    const out = m.allowUnmute([a]);
    assert.deepEqual(kinds(out), ['unmuteAllowed', 'muteLock']);
    assert.equal(requestsIn(m.flushRoster()).length, 1, 'the hosts’ list follows with the roster batch');
    assert.deepEqual(a.hostMute, { muted: true, allowSelfUnmute: true });
    assert.doesNotThrow(() => m.selfMute(a, { audio: false }));
  });

  it('setHand() twice with the same value tells the hosts once', () => {
    const m = meetingWith(['a']);
    m.flushRoster();
    m.setHand(m.get('a')!, true);
    assert.equal(requestsIn(m.flushRoster()).length, 1);
    m.setHand(m.get('a')!, true);
    assert.deepEqual(m.flushRoster(), []);
  });

  it('hands raised and lowered many times between two roster batches reach the hosts as one list', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.flushRoster();
    for (let i = 0; i < 100; i++) for (const id of ['a', 'b', 'c']) assert.deepEqual(m.setHand(m.get(id)!, i % 2 === 0), [], 'nothing sent per toggle');
    m.setHand(m.get('b')!, true);
    const out = requestsIn(m.flushRoster());
    assert.equal(out.length, 1);
    assert.deepEqual(recipients(out[0]!), 'hosts');
    assert.ok(out[0]!.notice.kind === 'unmuteRequests');
    assert.deepEqual(out[0]!.notice.requests.map((r) => r.clientId), ['b']);
  });

  it('share(): everyone may share by default; under "hosts" a non-host is refused and a non-host’s share ends', () => {
    const m = meetingWith(['a']);
    const [a, h] = [m.get('a')!, m.get('h')!];
    assert.equal(m.sharePolicy, 'everyone');
    m.share(a, true);
    assert.deepEqual(m.sharers, ['a']);
    const out = m.setSharePolicy('hosts');
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['info', 'all']], 'everyone learns the setting');
    assert.deepEqual(m.sharers, [], 'the guest’s share ended');
    assert.throws(() => m.share(a, true), (e: unknown) => e instanceof DomainError && e.kind === 'operation.forbidden' && /only hosts/.test(e.message));
    assert.deepEqual(m.sharers, []);
    m.share(h, true);
    assert.deepEqual(m.sharers, ['h']);
    assert.deepEqual(m.setSharePolicy('hosts'), [], 'no change, nothing sent');
    m.setSharePolicy('everyone');
    assert.deepEqual(m.sharers, ['h'], 'a host’s share goes on');
  });

  it('lockOut() tells the hosts once and is in the welcome of hosts only until it is over', () => {
    const m = meetingWith(['a']);
    const out = m.lockOut(T0 + 30 * MIN);
    assert.deepEqual(out.map((d) => [d.notice, recipients(d)]), [[{ kind: 'passcodeLockout', until: T0 + 30 * MIN }, 'hosts']]);
    assert.deepEqual(m.lockOut(T0 + 30 * MIN), [], 'told already');
    assert.equal(m.welcome(m.get('h')!).at(-1)!.kind, 'passcodeLockout');
    assert.ok(!m.welcome(m.get('a')!).some((n) => n.kind === 'passcodeLockout'));
    m.lockoutOver(T0 + 30 * MIN);
    assert.ok(!m.welcome(m.get('h')!).some((n) => n.kind === 'passcodeLockout'));
  });

  it('setMeetingPin() tells only viewers without their own pin', () => {
    const m = meetingWith(['a', 'b']);
    m.setViewerPin(m.get('a')!, 'b');
    const out = m.setMeetingPin('b');
    assert.deepEqual(out.map((d) => recipients(d)), [['b', 'h']]);
    assert.deepEqual(m.setMeetingPin('b'), [], 'unchanged: nobody told');
  });

  it('setLocked() and setLecturer() tell everyone only on a change', () => {
    const m = meetingWith(['a']);
    assert.deepEqual(kinds(m.setLocked(true)), ['info']);
    assert.deepEqual(m.setLocked(true), []);
    assert.deepEqual(kinds(m.setLecturer('a')), ['layout']);
    assert.deepEqual(m.setLecturer('a'), []);
  });

  it('rename() tells the renamed participant its info and batches a roster entry', () => {
    const m = meetingWith(['a']);
    const out = m.rename(m.get('a')!, 'Ann');
    assert.deepEqual(out.map((d) => [d.notice.kind, recipients(d)]), [['info', ['a']]]);
    const [delta] = m.flushRoster();
    assert.ok(delta!.notice.kind === 'roster');
    assert.deepEqual(delta!.notice.participants.map((p) => [p.clientId, p.displayName]), [['a', 'Ann']]);
  });

  it('require() of an unknown participant fails notFound naming the field', () => {
    const m = meetingWith([]);
    assert.throws(
      () => m.require('x', 'participants'),
      (e: unknown) => e instanceof DomainError && e.kind === 'notFound' && e.message.startsWith('participants:'),
    );
  });
});

describe('openingAt()', () => {
  const lookup = (over: Partial<NumberLookup> = {}): NumberLookup => ({ upcoming: [], hadEnded: false, ...over });

  it('opens a reservation within its time_to_join window (30 min)', () => {
    const m = scheduled();
    const r = openingAt(lookup({ upcoming: [m] }), T0 - 30 * MIN);
    assert.deepEqual(r, { open: true, meeting: m });
  });

  it('refuses MeetingNoStarted before the time_to_join window', () => {
    const r = openingAt(lookup({ upcoming: [scheduled()] }), T0 - 31 * MIN);
    assert.equal(r.open, false);
    assert.equal(!r.open && r.reason, 'MeetingNoStarted');
  });

  it('opens a reservation with time_to_join -1 at any time before its end', () => {
    const m = scheduled({ timeToJoin: -1 });
    assert.deepEqual(openingAt(lookup({ upcoming: [m] }), T0 - 3 * 24 * 60 * MIN), { open: true, meeting: m });
  });

  it('refuses MeetingExpired when every meeting under the number has ended', () => {
    const r = openingAt(lookup({ hadEnded: true }), T0 + 2 * 60 * MIN);
    assert.equal(!r.open && r.reason, 'MeetingExpired');
  });

  it('names the meeting a refusal is about (its password guards the answer to guests): the next one, or the last ended', () => {
    const next = scheduled({ password: '123456' });
    const early = openingAt(lookup({ upcoming: [next] }), T0 - 31 * MIN);
    assert.equal(!early.open && early.about, next);
    const ended = scheduled({ scheduleId: 'old', password: '654321', start: T0 - 120 * MIN, end: T0 - 60 * MIN });
    const late = openingAt(lookup({ hadEnded: true, lastEnded: ended }), T0);
    assert.equal(!late.open && late.about, ended);
    const none = openingAt(lookup(), T0);
    assert.equal(!none.open && none.about, undefined);
  });

  it('refuses MeetingNoExist for an unknown number', () => {
    const r = openingAt(lookup(), T0);
    assert.equal(!r.open && r.reason, 'MeetingNoExist');
  });

  it('does not open a meeting listed past its end (lookup race): falls back to the reason', () => {
    const r = openingAt(lookup({ upcoming: [scheduled()], hadEnded: true }), T0 + 60 * MIN);
    assert.equal(r.open, false);
  });

  it('opens the room when no reservation in it is open', () => {
    const room = scheduled({ kind: 'room', start: null, end: null, scheduleId: 'room1', name: 'Room' });
    const later = scheduled({ start: T0 + 5 * 60 * MIN, end: T0 + 6 * 60 * MIN });
    assert.deepEqual(openingAt(lookup({ room, upcoming: [later] }), T0), { open: true, meeting: room });
    assert.deepEqual(openingAt(lookup({ room, hadEnded: true }), T0), { open: true, meeting: room });
  });

  it('prefers a reservation in a room whose window is open over the room', () => {
    const room = scheduled({ kind: 'room', start: null, end: null, scheduleId: 'room1', name: 'Room' });
    const booked = scheduled({ scheduleId: 'r9', name: 'Booked' });
    assert.deepEqual(openingAt(lookup({ room, upcoming: [booked] }), T0 - 10 * MIN), { open: true, meeting: booked });
  });

  it('opens the first open meeting of several under the number', () => {
    const first = scheduled({ scheduleId: 'r1', start: T0 + 5 * 60 * MIN, end: T0 + 6 * 60 * MIN });
    const second = scheduled({ scheduleId: 'r2', timeToJoin: -1, start: T0 + 8 * 60 * MIN, end: T0 + 9 * 60 * MIN });
    assert.deepEqual(openingAt(lookup({ upcoming: [first, second] }), T0), { open: true, meeting: second });
  });
});

describe('PasscodeGuard (over memory budgets)', () => {
  let n = 0;
  /** Fresh budgets per test. */
  const guard = (meeting = 50, windowMs = 600_000) => {
    const name = `guard-test-${++n}`;
    return new PasscodeGuard({
      perClient: memoryBudgets({ name: `${name}-c`, points: 3, windowMs }),
      perAddress: memoryBudgets({ name: `${name}-a`, points: 5, windowMs }),
      perMeeting: memoryBudgets({ name: `${name}-m`, points: meeting, windowMs }),
    });
  };
  const fail = async (g: PasscodeGuard, m: string, c: string, ip: string) => g.failed(m, c, ip, await g.standing(m, c, ip));

  it('counts down per client and meeting; other meetings and clients have their own count', async () => {
    const g = guard();
    assert.deepEqual(await g.standing('m1', 'c1', '192.0.2.1'), { attemptsLeft: 3, lockoutMs: 0 });
    await fail(g, 'm1', 'c1', '192.0.2.1');
    assert.equal((await fail(g, 'm1', 'c1', '192.0.2.1')).attemptsLeft, 1);
    assert.equal((await fail(g, 'm1', 'c1', '192.0.2.1')).attemptsLeft, 0);
    assert.equal((await g.standing('m2', 'c1', '192.0.2.2')).attemptsLeft, 3, 'another meeting');
    assert.equal((await g.standing('m1', 'c2', '192.0.2.2')).attemptsLeft, 3, 'another client');
  });

  it('limits an address across client ids and meetings; an IPv6 address counts by its /64', async () => {
    const g = guard();
    for (let i = 0; i < 5; i++) await fail(g, `m${i}`, `c${i}`, `2001:db8:1:2::${i + 1}`);
    assert.equal((await g.standing('m9', 'fresh', '2001:db8:1:2:ffff::9')).attemptsLeft, 0, 'the same /64');
    assert.equal((await g.standing('m9', 'fresh', '2001:db8:1:3::1')).attemptsLeft, 3, 'another /64');
  });

  it('a meeting whose budget many addresses spent is locked out, tripped once, until its window ends', async () => {
    const g = guard(4, 400);
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await fail(g, 'm1', `c${i}`, `192.0.2.${i + 1}`));
    assert.deepEqual(results.map((r) => r.tripped), [false, false, false, true, false]);
    assert.deepEqual(results.map((r) => r.lockoutMs > 0), [false, false, false, true, true]);
    const fresh = await g.standing('m1', 'new-client', '198.51.100.1');
    assert.equal(fresh.attemptsLeft, 3, 'a new address still has its own tries …');
    assert.ok(fresh.lockoutMs > 0 && fresh.lockoutMs <= 400, '… but the meeting is locked out');
    assert.equal((await g.standing('m2', 'new-client', '198.51.100.1')).lockoutMs, 0, 'other meetings are not');
    await sleep(450);
    assert.deepEqual(await g.standing('m1', 'c0', '192.0.2.1'), { attemptsLeft: 3, lockoutMs: 0 }, 'the window ended');
  });
});

describe('signalling limits: TokenBucket, PromptSlots', () => {
  it('TokenBucket gives `burst` at once, then `perSecond` on average', () => {
    const bucket = new TokenBucket(10, 5, 0);
    assert.deepEqual(Array.from({ length: 6 }, () => bucket.take(0)), [true, true, true, true, true, false]);
    assert.equal(bucket.take(50), false, 'half a token after 50 ms');
    assert.equal(bucket.take(100), true, 'one after 100 ms');
    assert.equal(bucket.take(100), false);
    assert.deepEqual(Array.from({ length: 6 }, () => bucket.take(10_000)), [true, true, true, true, true, false], 'never more than the burst');
  });

  it('PromptSlots holds at most `max` per address, an IPv6 /64 counting as one', () => {
    const slots = new PromptSlots(2);
    assert.equal(slots.take('2001:db8::1'), true);
    assert.equal(slots.take('2001:db8::2'), true);
    assert.equal(slots.take('2001:db8:0:0:ffff::3'), false, 'the same /64');
    assert.equal(slots.take('192.0.2.1'), true, 'another address');
    slots.release('2001:db8::1');
    assert.equal(slots.take('2001:db8::9'), true);
  });
});

describe('LiveMeeting breakout rooms', () => {
  const ids = Array.from({ length: 200 }, (_, i) => `p${i}`);

  it('a random split spreads everyone but the hosts evenly (200 into 20 rooms: 10 each), and opening moves them all', () => {
    const m = meetingWith(ids);
    m.createBreakouts(Array.from({ length: 20 }, () => ''), false);
    m.shuffleBreakouts();
    const perRoom = new Map<string, number>();
    for (const room of m.breakouts.assignments.values()) perRoom.set(room, (perRoom.get(room) ?? 0) + 1);
    assert.equal(perRoom.size, 20);
    assert.deepEqual([...new Set(perRoom.values())], [10]);
    assert.equal(m.breakouts.assignments.has('h'), false, 'the host is not assigned');
    assert.equal(m.inRoom('').length, 201, 'nobody moves before the rooms open');
    m.openBreakouts(0, T0);
    assert.deepEqual(m.inRoom('').map((p) => p.clientId), ['h']);
    assert.equal(m.inRoom(m.breakouts.rooms[0]!.id).length, 10);
  });

  it('a screen share in one room does not end another room’s; a second sharer in the same room takes over', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.createBreakouts(['A', 'B'], false);
    const [ra, rb] = m.breakouts.rooms.map((r) => r.id) as [string, string];
    m.assignBreakouts([{ clientId: 'a', room: ra }, { clientId: 'b', room: ra }, { clientId: 'c', room: rb }]);
    m.openBreakouts(0, T0);
    m.share(m.participants.get('a')!, true);
    m.share(m.participants.get('c')!, true);
    assert.deepEqual(m.sharers, ['a', 'c'], 'both rooms share');
    m.share(m.participants.get('b')!, true);
    assert.deepEqual(m.sharers, ['c', 'b'], 'b took over room A; room B still shares');
    m.share(m.participants.get('c')!, false);
    assert.deepEqual(m.sharers, ['b']);
  });

  it('refuses bad input before changing anything: room counts, unknown rooms and people, opening twice, closing what is not open', () => {
    const m = meetingWith(['a', 'b']);
    const refused = (run: () => unknown, kind: string, field: RegExp) =>
      assert.throws(run, (e: unknown) => e instanceof DomainError && e.kind === kind && field.test(e.message));
    refused(() => m.createBreakouts([], false), 'input.invalid', /rooms/);
    refused(() => m.createBreakouts(Array.from({ length: 51 }, () => ''), false), 'input.invalid', /rooms/);
    refused(() => m.createBreakouts(['x'.repeat(65)], false), 'input.tooLong', /names\[0\]/);
    refused(() => m.openBreakouts(0, T0), 'state.invalid', /create/);
    m.createBreakouts(['A', 'B'], false);
    const [a, b] = m.breakouts.rooms.map((r) => r.id) as [string, string];
    refused(() => m.assignBreakouts([{ clientId: 'a', room: a }, { clientId: 'b', room: 'nope' }]), 'notFound', /assignments\[1\]\.room/);
    assert.equal(m.breakouts.assignments.size, 0, 'nothing assigned');
    refused(() => m.closeBreakouts(0, T0), 'state.invalid', /not open/);
    refused(() => m.openBreakouts(25 * 60 * MIN, T0), 'input.invalid', /duration/);
    m.assignBreakouts([{ clientId: 'a', room: a }, { clientId: 'b', room: b }]);
    m.openBreakouts(10 * MIN, T0);
    refused(() => m.openBreakouts(0, T0), 'state.invalid', /open already/);
    refused(() => m.createBreakouts(['C'], false), 'state.invalid', /close them/);
    refused(() => m.closeBreakouts(11 * MIN, T0), 'input.invalid', /grace/);
    refused(() => m.chooseBreakout(m.get('a')!, b), 'operation.forbidden', /room/);
  });

  it('the timer starts the grace period, and its end brings everyone back; a late joiner is in the main meeting meanwhile', () => {
    const m = meetingWith(['a', 'b']);
    m.createBreakouts(['A'], false);
    const room = m.breakouts.rooms[0]!.id;
    m.assignBreakouts([{ clientId: 'a', room }, { clientId: 'b', room }]);
    m.openBreakouts(5 * MIN, T0, 30_000);
    assert.equal(m.breakouts.deadline, T0 + 5 * MIN);
    assert.deepEqual(m.breakoutDue(T0 + 5 * MIN - 1), [], 'nothing before the deadline');
    const late = person('late');
    m.admit(late, T0 + MIN);
    assert.equal(late.room, '', 'a late joiner lands in the main meeting');
    // Someone who leaves and joins again is a newcomer too: its assignment went with it.
    m.remove('b', T0 + MIN);
    const bAgain = person('b');
    m.admit(bAgain, T0 + MIN);
    assert.equal(m.breakouts.assignments.has('b'), false);
    m.assignBreakouts([{ clientId: 'b', room }]);
    assert.equal(bAgain.room, room, 'assigned while open: moves at once');
    const closing = m.breakoutDue(T0 + 5 * MIN);
    assert.equal(m.breakouts.state, 'closing');
    assert.equal(m.breakouts.deadline, T0 + 5 * MIN + 30_000);
    assert.ok(closing.some((d) => d.notice.kind === 'breakout' && d.notice.view.closesAt === T0 + 5 * MIN + 30_000), 'everyone is told the countdown');
    assert.equal(m.get('a')!.room, room, 'still in the room during the grace period');
    const back = m.breakoutDue(T0 + 5 * MIN + 30_000);
    assert.equal(m.breakouts.state, 'planned');
    assert.deepEqual(m.inRoom('').map((p) => p.clientId).sort(), ['a', 'b', 'h', 'late']);
    assert.deepEqual(
      back.filter((d) => d.notice.kind === 'chatHistory').map(recipients),
      [['a'], ['b']],
      'whoever moves is shown the chat of the room it enters',
    );
  });

  it('chat and reactions in a room reach that room only; a host deletes a room message for the room', () => {
    const m = meetingWith(['a', 'b', 'c']);
    m.createBreakouts(['A', 'B'], false);
    const [ra, rb] = m.breakouts.rooms.map((r) => r.id) as [string, string];
    m.assignBreakouts([{ clientId: 'a', room: ra }, { clientId: 'b', room: ra }, { clientId: 'c', room: rb }]);
    m.openBreakouts(0, T0);
    const sent = m.sendChat(m.get('a')!, undefined, 'hi A', T0);
    assert.deepEqual(sent.deliveries.map(recipients), [['a', 'b']]);
    assert.equal(sent.room, ra);
    assert.deepEqual(m.react(m.get('c')!, '👍', T0).map(recipients), [['c']]);
    assert.deepEqual(m.sendChat(m.get('h')!, undefined, 'main', T0).deliveries.map(recipients), [['h']]);
    assert.deepEqual(m.deleteChat(sent.message.id, m.get('h'))!.deliveries.map(recipients), [['a', 'b']]);
    // Broadcasts reach everyone, and are limited per meeting also for a host who is not in it (a REST caller).
    assert.deepEqual(m.broadcastBreakout(undefined, 'Owner', 'five minutes', T0).map(recipients), ['all']);
    for (let i = 0; i < 4; i++) m.broadcastBreakout(undefined, 'Owner', `again ${i}`, T0);
    assert.throws(() => m.broadcastBreakout(undefined, 'Owner', 'too many', T0), (e: unknown) => e instanceof DomainError && e.kind === 'rate.limited' && /broadcasts/.test(e.message));
  });
});
