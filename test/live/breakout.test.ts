/**
 * Breakout rooms over the signalling protocol and the REST API, on SQLite and PostgreSQL: hosts create rooms, assign
 * people (by hand or at random), open them; each room has its own chat and reactions; the roster and the REST detail
 * show who is where; late joiners land in the main meeting; closing (by the host or the timer) brings everyone back
 * after the grace period. Bad input and non-hosts are refused with an FRTC errorCode naming the field.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RestError, type RestClient } from '../../sdk/rest-client.ts';
import { type SignalClient, SignalError } from '../../sdk/signal-client.ts';
import { testDialects } from '../support/dialects.ts';
import { closeAll, instantMeeting, joinAs, restFor } from '../support/live.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

const quiet = (clients: SignalClient[]) => Promise.all(clients.filter((c) => c.connected).map((c) => c.ping()));
const rejectsWith = (status: number, code: string, field: RegExp) => (e: unknown) =>
  e instanceof RestError && e.status === status && e.errorCode === code && field.test(e.error);
const roomOf = (viewer: SignalClient, uuid: string) => viewer.roster.get(uuid)?.room;

for (const dialect of testDialects()) {
  describe(`breakout rooms [${dialect}]`, () => {
    let t: TestServer;
    let number = '';
    let passcode = '';
    let host: RestClient;
    let owner: SignalClient;
    let ann: SignalClient;
    let ben: SignalClient;
    let cat: SignalClient;
    let dan: SignalClient;
    const clients: SignalClient[] = [];
    let rooms: Array<{ id: string; name: string }> = [];

    const join = async (clientId: string, name: string, token?: string) => {
      const c = await joinAs(t, { meeting_number: number, client_id: clientId, display_name: name, passcode, ...(token ? { token } : {}) });
      clients.push(c);
      return c;
    };

    before(async () => {
      t = await startTestServer(dialect);
      await t.createUser('bo-owner', 'bo-owner-pw-1');
      await t.createUser('bo-other', 'bo-other-pw-1');
      const token = await t.signIn('bo-owner', 'bo-owner-pw-1', 'bo-owner-app');
      const m = await instantMeeting(t, token, 'bo-owner-app', 'Workshop');
      number = m.meeting_number;
      passcode = m.meeting_password;
      host = restFor(t, 'bo-owner-app', token);
      owner = await join('bo-owner-app', 'Olga', token);
      ann = await join('bo-ann', 'Ann');
      ben = await join('bo-ben', 'Ben');
      cat = await join('bo-cat', 'Cat');
      dan = await join('bo-dan', 'Dan');
    });
    after(async () => {
      await closeAll(clients);
      await t.close();
    });

    it('guests and strangers cannot run breakout rooms; bad counts are refused naming the field', async () => {
      await assert.rejects(ann.createBreakouts(2), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000003' && /breakout: only hosts/.test(e.error));
      await assert.rejects(restFor(t, 'bo-ann').createBreakouts(number, 2), (e: unknown) => e instanceof RestError && e.status === 401);
      const otherToken = await t.signIn('bo-other', 'bo-other-pw-1', 'bo-other-app');
      await assert.rejects(restFor(t, 'bo-other-app', otherToken).createBreakouts(number, 2), rejectsWith(403, '0x10000003', /token/));
      await assert.rejects(host.createBreakouts(number, 51), rejectsWith(400, '0x10000001', /count/));
      await assert.rejects(owner.send({ type: 'breakout.create', count: 0 }), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000001' && /count/.test(e.error));
      await assert.rejects(host.openBreakouts(number), rejectsWith(409, '0x10000007', /breakout: create/));
      await assert.rejects(host.assignBreakouts(number, 'random'), rejectsWith(409, '0x10000007', /breakout: create/));
    });

    it('a host creates rooms: everyone is told, only hosts see the assignments', async () => {
      for (const c of clients) c.mark();
      await owner.createBreakouts(['Red', '']);
      const seen = await ann.waitFor('breakout');
      assert.equal(seen.state, 'planned');
      assert.deepEqual(seen.rooms.map((r) => r.name), ['Red', 'Room 2']);
      assert.equal(seen.your_room, '');
      assert.equal(seen.assignments, undefined, 'participants do not see the plan');
      rooms = seen.rooms;
      assert.deepEqual((await owner.waitFor('breakout')).assignments, []);
    });

    it('unknown rooms and participants: 404 naming the field, and nothing is assigned', async () => {
      await assert.rejects(host.assignBreakouts(number, { 'bo-ann': rooms[0]!.id, 'bo-ben': 'b9-9' }), rejectsWith(404, '0x10000004', /assignments\[1\]\.room/));
      await assert.rejects(host.assignBreakouts(number, { 'bo-nobody': rooms[0]!.id }), rejectsWith(404, '0x10000004', /assignments\[0\]\.participant/));
      await assert.rejects(owner.assignBreakouts({ 'bo-nobody': rooms[0]!.id }), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000004' && /assignments\[0\]\.uuid/.test(e.error));
      await assert.rejects(owner.visitBreakout(rooms[0]!.id), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000007');
      assert.deepEqual((await host.breakouts(number)).rooms.map((r) => r.assigned), [[], []]);
      await assert.rejects(ann.chooseBreakout(rooms[0]!.id), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000006' && /room/.test(e.error));
    });

    it('opening moves the assigned into their rooms; the roster, the detail and GET breakout show who is where', async () => {
      await host.assignBreakouts(number, { 'bo-ann': rooms[0]!.id, 'bo-ben': rooms[0]!.id, 'bo-cat': rooms[1]!.id, 'bo-dan': rooms[1]!.id });
      for (const c of clients) c.mark();
      const start = Date.now();
      await host.openBreakouts(number, 600);
      const mine = await ann.waitFor('breakout', (e) => e.state === 'open');
      assert.equal(mine.your_room, rooms[0]!.id);
      assert.ok(mine.ends_at >= start + 599_000 && mine.ends_at <= Date.now() + 600_000, 'the countdown ends in ten minutes');
      assert.equal((await cat.waitFor('breakout', (e) => e.state === 'open')).your_room, rooms[1]!.id);
      assert.equal((await owner.waitFor('breakout', (e) => e.state === 'open')).your_room, '', 'hosts stay in the main meeting');
      await owner.waitFor('roster', (r) => r.participants.some((p) => p.uuid === 'bo-dan' && p.room === rooms[1]!.id));
      await quiet(clients);
      assert.deepEqual(['bo-ann', 'bo-ben', 'bo-cat', 'bo-dan', 'bo-owner-app'].map((id) => roomOf(owner, id)), [rooms[0]!.id, rooms[0]!.id, rooms[1]!.id, rooms[1]!.id, '']);
      const detail = await host.liveMeeting(number);
      assert.deepEqual(Object.fromEntries(detail.participants.map((p) => [p.client_uuid, p.room])), {
        'bo-owner-app': '',
        'bo-ann': rooms[0]!.id,
        'bo-ben': rooms[0]!.id,
        'bo-cat': rooms[1]!.id,
        'bo-dan': rooms[1]!.id,
      });
      const state = await host.breakouts(number);
      assert.equal(state.state, 'open');
      assert.deepEqual(state.rooms.map((r) => r.participants.sort()), [['bo-ann', 'bo-ben'], ['bo-cat', 'bo-dan']]);
      await assert.rejects(host.createBreakouts(number, 3), rejectsWith(409, '0x10000007', /close them/));
    });

    it('each room has its own chat and reactions: room 1 is not read in room 2 nor in the main meeting', async () => {
      for (const c of clients) c.mark();
      await ann.sendChat('hello red room');
      await ann.react('👍');
      const got = await ben.waitFor('chat.message');
      assert.equal(got.message.text, 'hello red room');
      assert.ok(got.message.id.startsWith(`${rooms[0]!.id}:`), got.message.id);
      await ben.waitFor('reaction');
      await assert.rejects(ann.sendChat('psst', 'bo-cat'), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000007' && /to:/.test(e.error));
      await cat.sendChat('hello room 2');
      await dan.waitFor('chat.message');
      await quiet(clients);
      assert.equal(cat.count('chat.message'), 1, 'room 2 reads only its own');
      assert.equal(dan.count('reaction'), 0);
      assert.equal(owner.count('chat.message'), 0, 'the main meeting reads neither');
      assert.equal(ann.count('chat.message'), 1);
    });

    it('a late joiner lands in the main meeting; the host assigns it and it moves at once, with its room’s chat', async () => {
      const eve = await join('bo-eve', 'Eve');
      assert.equal(eve.self?.room, '');
      assert.equal(eve.breakout?.state, 'open');
      assert.equal(eve.breakout?.your_room, '');
      eve.mark();
      await host.assignBreakouts(number, { 'bo-eve': rooms[0]!.id });
      assert.equal((await eve.waitFor('breakout')).your_room, rooms[0]!.id);
      const history = await eve.waitFor('chat.history');
      assert.deepEqual(history.messages.map((m) => m.text), ['hello red room']);
    });

    it('a host broadcasts to every room, visits one (hears its chat) and returns', async () => {
      for (const c of clients) c.mark();
      await host.broadcastToBreakouts(number, 'five minutes left');
      for (const c of [ann, cat, owner]) assert.equal((await c.waitFor('breakout.message')).text, 'five minutes left');
      await owner.visitBreakout(rooms[1]!.id);
      assert.equal((await owner.waitFor('breakout', (e) => e.your_room !== '')).your_room, rooms[1]!.id);
      assert.deepEqual((await owner.waitFor('chat.history')).messages.map((m) => m.text), ['hello room 2']);
      owner.mark();
      await dan.sendChat('hi teacher');
      assert.equal((await owner.waitFor('chat.message')).message.text, 'hi teacher');
      await owner.visitBreakout('');
      assert.equal((await owner.waitFor('breakout', (e) => e.your_room === '')).your_room, '');
      await assert.rejects(owner.visitBreakout('nope'), (e: unknown) => e instanceof SignalError && e.errorCode === '0x10000004' && /room/.test(e.error));
    });

    it('closing shows everyone the grace countdown, then brings everyone back to the main meeting', async () => {
      for (const c of clients) c.mark();
      await assert.rejects(host.closeBreakouts(number, 601), rejectsWith(400, '0x10000001', /grace/));
      const asked = Date.now();
      await host.closeBreakouts(number, 1);
      const closing = await ann.waitFor('breakout', (e) => e.state === 'closing');
      assert.ok(closing.closes_at >= asked + 900 && closing.closes_at <= Date.now() + 1000, 'back in a second');
      assert.equal(closing.your_room, rooms[0]!.id, 'still in the room during the grace period');
      const back = await ann.waitFor('breakout', (e) => e.state === 'planned', 5000);
      assert.equal(back.your_room, '');
      await owner.waitFor('roster', (r) => r.participants.some((p) => p.uuid === 'bo-dan' && p.room === ''));
      await quiet(clients);
      for (const c of clients) assert.equal(roomOf(owner, c.self!.uuid), '', `${c.self!.uuid} is back`);
      // Back in the main meeting, the chat is the main meeting's again.
      ann.mark();
      await cat.sendChat('we are back');
      assert.equal((await ann.waitFor('chat.message')).message.text, 'we are back');
    });

    it('the timer closes the rooms by itself (then the grace period runs); participants may choose when allowed', async () => {
      await host.createBreakouts(number, 2, true);
      await ann.waitFor('breakout', (e) => e.allow_choose);
      rooms = (await host.breakouts(number)).rooms;
      await ann.chooseBreakout(rooms[1]!.id);
      for (const c of clients) c.mark();
      await owner.openBreakouts(1);
      assert.equal((await ann.waitFor('breakout', (e) => e.state === 'open')).your_room, rooms[1]!.id);
      const closing = await ann.waitFor('breakout', (e) => e.state === 'closing', 5000);
      assert.ok(closing.closes_at - Date.now() > 50_000, 'the usual 60 s grace period');
      assert.equal(closing.your_room, rooms[1]!.id);
      await owner.closeBreakouts(0);
      assert.equal((await ann.waitFor('breakout', (e) => e.state === 'planned')).your_room, '');
      await host.removeBreakouts(number);
      assert.equal((await ann.waitFor('breakout', (e) => e.state === 'none')).rooms.length, 0);
    });

    it('stopping the meeting ends its breakout rooms: the next session starts without any', async () => {
      await host.createBreakouts(number, 2);
      rooms = (await host.breakouts(number)).rooms;
      await host.assignBreakouts(number, { 'bo-ann': rooms[0]!.id });
      await host.openBreakouts(number, 600);
      await ann.waitFor('breakout', (e) => e.state === 'open' && e.your_room !== '');
      await host.stop(number);
      await ann.closed;
      // A fresh sign-in of the same device (the host's next session), joining the meeting again.
      const token = await t.signIn('bo-owner', 'bo-owner-pw-1', 'bo-owner-app');
      const again = await join('bo-owner-app', 'Olga', token);
      assert.equal(again.breakout, undefined, 'no breakout event: there are no rooms');
      const state = await restFor(t, 'bo-owner-app', token).breakouts(number);
      assert.equal(state.state, 'none');
      assert.equal(again.self?.room, '');
    });
  });
}
