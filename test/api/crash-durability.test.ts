import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { clientSecret } from '../../src/accounts/secret.ts';
import { HttpsClient } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { ADMIN_PASSWORD, createTestStorage, removeStorage, startServerProcess, startTestServer, type TestServer } from '../support/server.ts';

/**
 * Issue 11, item 12: a server process killed with SIGKILL in the middle of a write load loses no write it acknowledged
 * and leaves nothing half-written. Four clients create meetings and series with invitees and edit them (name and
 * invitees change together, so a half-done edit shows as a mismatch); the server is killed after about a second and a
 * half of it; a new server on the same database must hold every acknowledged write in full, and every other write
 * either in full or not at all.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const WRITERS = 4;
const SERIES_DAYS = 30;
const EDITED_DAYS = 40;

type Json = Record<string, any>;

/** What the clients were told had happened. */
interface Acknowledged {
  /** Reservation id → its version the server confirmed last (1 = created, 2 = edited). */
  meetings: Map<string, number>;
  /** Series id → its confirmed version. */
  series: Map<string, number>;
}

for (const dialect of testDialects()) {
  describe(`SIGKILL under a write load [${dialect}]`, () => {
    it('loses no acknowledged write and leaves nothing half-written', async (ctx) => {
      const storage = await createTestStorage(dialect);
      let t: TestServer | undefined;
      const child = await startServerProcess(storage, { CONVENE_TIMEZONE: 'UTC' });
      const acked: Acknowledged = { meetings: new Map(), series: new Map() };
      let a = '';
      let b = '';
      try {
        const admin = child.client;
        const signIn = await admin.call('POST', '/api/v1/user/sign_in', { query: { client_id: 'admin-console' }, body: { username: 'admin', secret: clientSecret(ADMIN_PASSWORD) } });
        assert.equal(signIn.status, 200, signIn.text);
        const auth = { client_id: 'admin-console', token: signIn.body.user_token as string };
        const user = async (username: string) => {
          const r = await admin.call('POST', '/api/v1/user/users', { query: auth, body: { username, secret: clientSecret(`${username}-pw-1`), role: 'Normal' } });
          assert.equal(r.status, 200, r.text);
          return r.body.user_id as string;
        };
        a = await user('ann');
        b = await user('ben');
        const base = Math.floor(Date.now() / DAY) * DAY + 2 * DAY;

        let killed = false;
        const writer = async (k: number) => {
          const http = new HttpsClient(child.url);
          const post = (path: string, body: Json) => http.call('POST', path, { query: auth, body });
          try {
            for (let i = 0; !killed; i++) {
              const start = base + (k * 1000 + i) * HOUR;
              const m = await post('/api/v1/meeting_schedule', {
                meeting_type: 'reservation',
                meeting_name: `w${k}-m${i} v1`,
                schedule_start_time: start,
                schedule_end_time: start + HOUR / 2,
                invited_users: [a],
              });
              if (m.status !== 200) continue;
              acked.meetings.set(m.body.reservation_id, 1);
              const e = await post(`/api/v1/meeting_schedule/${m.body.reservation_id}`, { meeting_name: `w${k}-m${i} v2`, invited_users: [b] });
              if (e.status === 200) acked.meetings.set(m.body.reservation_id, 2);
              if (i % 4 !== 0) continue;
              const end = start + HOUR / 4;
              const series = {
                meeting_type: 'recurrence',
                meeting_name: `w${k}-s${i} v1`,
                schedule_start_time: start,
                schedule_end_time: end,
                invited_users: [a],
                recurrence_type: 'DAILY',
                recurrenceInterval: 1,
                recurrenceStartTime: start,
                recurrenceEndTime: end,
                recurrenceEndDay: start + (SERIES_DAYS - 1) * DAY,
              };
              const s = await post('/api/v1/meeting_schedule/recurrence', series);
              if (s.status !== 200) continue;
              acked.series.set(s.body.recurrence_gid, 1);
              const edited = { ...series, meeting_name: `w${k}-s${i} v2`, invited_users: [b], recurrenceEndDay: start + (EDITED_DAYS - 1) * DAY };
              const se = await post(`/api/v1/meeting_schedule/recurrence/${s.body.reservation_id}`, edited);
              if (se.status === 200) acked.series.set(s.body.recurrence_gid, 2);
            }
          } catch {
            // The connection died with the server: whatever was in flight was not acknowledged.
          } finally {
            http.close();
          }
        };
        const writers = Array.from({ length: WRITERS }, (_, k) => writer(k));
        await new Promise((resolve) => setTimeout(resolve, 1500));
        killed = true;
        await child.kill();
        await Promise.all(writers);
      } finally {
        await child.kill();
      }
      ctx.diagnostic(`acknowledged before the kill: ${acked.meetings.size} meetings, ${acked.series.size} series`);
      assert.ok(acked.meetings.size > 0 && acked.series.size > 0, `some writes were acknowledged (${acked.meetings.size} meetings, ${acked.series.size} series)`);

      try {
        t = await startTestServer(dialect, { CONVENE_LOG_LEVEL: 'warn', CONVENE_TIMEZONE: 'UTC' }, { storage });
        const db = t.server.database.db;
        if (dialect === 'sqlite') {
          const { rows } = await sql<{ integrity_check: string }>`PRAGMA integrity_check`.execute(db);
          assert.deepEqual(rows.map((r) => r.integrity_check), ['ok']);
        }
        const version = (name: string) => Number(/ v(\d)$/.exec(name)?.[1]);
        const inviteeFor = (v: number) => (v === 1 ? a : b);

        // Single meetings: every acknowledged one at (at least) its acknowledged version; each name with its invitees.
        const meetings = await db.selectFrom('reservations').select(['id', 'name', 'meeting_number']).where('series_id', 'is', null).where('name', 'like', 'w%').execute();
        const invitees = await db.selectFrom('reservation_invitees').selectAll().execute();
        const byMeeting = new Map<string, string[]>();
        for (const row of invitees) byMeeting.set(row.reservation_id, [...(byMeeting.get(row.reservation_id) ?? []), row.user_id]);
        const stored = new Map(meetings.map((m) => [m.id, m]));
        for (const [id, v] of acked.meetings) {
          const m = stored.get(id);
          assert.ok(m, `acknowledged meeting ${id} is there`);
          assert.ok(version(m.name) >= v, `${m.name}: version ${v} was acknowledged`);
        }
        for (const m of meetings) assert.deepEqual(byMeeting.get(m.id), [inviteeFor(version(m.name))], `${m.name} has the invitees of its version`);

        // Series: every acknowledged one at (at least) its version, all occurrences of one version, invitees to match.
        const series = await db.selectFrom('series').select(['id', 'meeting_number']).execute();
        const occurrences = await db.selectFrom('reservations').select(['series_id', 'name']).where('series_id', 'is not', null).execute();
        const seriesInvitees = await db.selectFrom('series_invitees').selectAll().execute();
        const names = new Map<string, string[]>();
        for (const o of occurrences) names.set(o.series_id!, [...(names.get(o.series_id!) ?? []), o.name]);
        for (const [id, v] of acked.series) {
          assert.ok(series.some((s) => s.id === id), `acknowledged series ${id} is there`);
          assert.ok(version(names.get(id)![0]!) >= v, `series ${id}: version ${v} was acknowledged`);
        }
        for (const s of series) {
          const list = names.get(s.id) ?? [];
          const v = version(list[0] ?? '');
          assert.equal(new Set(list).size, 1, `series ${s.id}: every occurrence of one version`);
          assert.equal(list.length, v === 1 ? SERIES_DAYS : EDITED_DAYS, `series ${s.id}: all occurrences of version ${v}`);
          assert.deepEqual(seriesInvitees.filter((i) => i.series_id === s.id).map((i) => i.user_id), [inviteeFor(v)]);
        }

        // Meeting numbers: each meeting's and series' number is held by it, and nothing else holds one.
        const held = await db.selectFrom('meeting_numbers').select(['number', 'holder_id']).execute();
        const holders = new Map(held.map((h) => [h.holder_id, h.number]));
        for (const m of meetings) assert.equal(holders.get(m.id), m.meeting_number, `${m.name} holds its number`);
        for (const s of series) assert.equal(holders.get(s.id), s.meeting_number, `series ${s.id} holds its number`);
        assert.equal(held.length, meetings.length + series.length, 'no number claimed by a write that did not happen');

        // And the server works on.
        const owner = await t.adminToken();
        const list = await t.call('GET', '/api/v1/meeting_schedule', { query: { client_id: 'admin-console', token: owner, page_size: 50 } });
        assert.equal(list.status, 200);
        assert.equal(list.body.total_size, meetings.length + series.length);
      } finally {
        if (t) await t.close();
        else await removeStorage(storage);
      }
    });
  });
}
