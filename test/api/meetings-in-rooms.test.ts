import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';

for (const dialect of testDialects()) {
  describe(`meetings held in a meeting room [${dialect}]`, () => {
    let t: TestServer;
    let alice: string;
    let bob: string;
    let aliceId: string;
    let room: Record<string, any>;
    before(async () => {
      t = await startTestServer(dialect);
      aliceId = await t.createUser('alice', 'alice-pw-1');
      await t.createUser('bob', 'bob-pw-1');
      alice = await t.signIn('alice', 'alice-pw-1');
      bob = await t.signIn('bob', 'bob-pw-1');
      const r = await t.call('POST', '/api/v1/meeting_rooms', {
        query: { client_id: 'admin-console', token: await t.adminToken() },
        body: { meetingroom_name: "Alice's room", owner_id: aliceId, meeting_password: '424242' },
      });
      assert.equal(r.status, 200, r.text);
      room = r.body;
    });
    after(() => t.close());

    const schedule = (token: string, extra: Record<string, unknown> = {}) => {
      const start = Date.now() + 3_600_000;
      return t.call('POST', '/api/v1/meeting_schedule', {
        query: { client_id: 'c', token },
        body: { meeting_type: 'reservation', meeting_name: 'In the room', schedule_start_time: start, schedule_end_time: start + 3_600_000, meeting_room_id: room.meeting_room_id, ...extra },
      });
    };

    it("a meeting in the room uses the room's number and password, whatever password the body names", async () => {
      const r = await schedule(alice, { meeting_password: '111111' });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.body.meeting_number, room.meeting_number);
      assert.equal(r.body.meeting_password, '424242');
      assert.equal(r.body.meeting_room_id, room.meeting_room_id);
    });

    it('someone who neither owns the room nor administers → 403 0x10000003 naming meeting_room_id', async () => {
      const r = await schedule(bob);
      assert.equal(r.status, 403);
      assert.equal(r.body.errorCode, '0x10000003');
      assert.match(r.body.error, /^meeting_room_id:/);
    });

    it("changing the room's password changes it for the room's upcoming meetings", async () => {
      const meeting = (await schedule(alice)).body;
      const change = await t.call('POST', `/api/v1/meeting_rooms/${room.meeting_room_id}`, {
        query: { client_id: 'admin-console', token: await t.adminToken() },
        body: { meeting_password: '777777' },
      });
      assert.equal(change.status, 200, change.text);
      const detail = await t.call('GET', `/api/v1/meeting_schedule/${meeting.reservation_id}`, { query: { client_id: 'c', token: alice } });
      assert.equal(detail.body.meeting_password, '777777');
    });

    it('the room cannot be deleted while an upcoming meeting uses it → 403 0x10000006', async () => {
      const r = await t.call('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { query: { client_id: 'admin-console', token: await t.adminToken() } });
      assert.equal(r.status, 403);
      assert.equal(r.body.errorCode, '0x10000006');
    });
  });
}
