import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { KyselyMeetingDirectory } from '../../src/live/directory.repo.ts';
import { KyselySessionHistory } from '../../src/live/history.repo.ts';
import type { ScheduledMeeting } from '../../src/live/ports.ts';
import { testDialects } from '../support/dialects.ts';
import { openTestDatabase, type ReservationFields, reservationRow } from '../support/storage.ts';

/** Beyond 2^32 so a 32-bit or string read would show. */
const T = 1_900_000_000_123;
const HOUR = 3_600_000;

for (const dialect of testDialects()) {
  describe(`live storage [${dialect}]`, () => {
    let handle: DatabaseHandle;
    let directory: KyselyMeetingDirectory;
    let history: KyselySessionHistory;
    let closeDatabase: (() => Promise<void>) | undefined;

    const insertUser = async (name: string, realName: string) => {
      await handle.db
        .insertInto('users')
        .values({
          id: `id-${name}`,
          username: name,
          username_key: name.toLowerCase(),
          real_name: realName,
          real_name_key: realName.toLowerCase(),
          email: '',
          department: '',
          mobile: '',
          role: 'Normal',
          security_level: 'NORMAL',
          secret_hash: 'x',
          locked: 0,
          password_changed_at: T,
          created_at: T,
          updated_at: T,
        })
        .execute();
      return `id-${name}`;
    };

    const insertRoom = async (id: string, meetingNumber: string, ownerId: string, password = '654321') => {
      await handle.db
        .insertInto('meeting_rooms')
        .values({
          id,
          meeting_number: meetingNumber,
          name: `Room ${id}`,
          name_key: `room ${id}`,
          password,
          owner_id: ownerId,
          creator_id: '',
          created_at: T,
          updated_at: T,
        })
        .execute();
    };

    const insertSeries = async (id: string, meetingNumber: string, ownerId: string, groupKey: string) => {
      await handle.db
        .insertInto('series')
        .values({
          id,
          owner_id: ownerId,
          frequency: 'DAILY',
          interval: 1,
          time_zone: 'UTC',
          first_start: T,
          duration: HOUR,
          last_day: '2030-01-01',
          days_of_week: '[]',
          days_of_month: '[]',
          group_key: groupKey,
          meeting_number: meetingNumber,
          password: '',
          room_id: null,
          created_at: T,
          updated_at: T,
        })
        .execute();
    };

    const insertReservation = async (fields: ReservationFields) => {
      const row = reservationRow({ created_at: T, updated_at: T, ...fields });
      await handle.db.insertInto('reservations').values(row).execute();
      return row;
    };

    let alice: string; // has a real name
    let bob: string; // has none: his username stands in

    before(async () => {
      ({ handle, close: closeDatabase } = await openTestDatabase(dialect, 'convene-live-'));
      directory = new KyselyMeetingDirectory(handle.db);
      history = new KyselySessionHistory(handle.db);
      alice = await insertUser('alice', 'Alice Able');
      bob = await insertUser('bob', '');
    });
    after(() => closeDatabase?.());

    describe(`MeetingDirectory.lookup [${dialect}]`, () => {
      it('an unknown number: no room, nothing upcoming, nothing ended', async () => {
        assert.deepEqual(await directory.lookup('000000000', T), { upcoming: [], hadEnded: false });
      });

      it('a room: its id, name, password and owner, open any time with the fixed room options', async () => {
        await insertRoom('room-a', '100000001', alice);
        const found = await directory.lookup('100000001', T);
        const room: ScheduledMeeting = {
          meetingNumber: '100000001',
          kind: 'room',
          scheduleId: 'room-a',
          name: 'Room room-a',
          ownerId: alice,
          ownerName: 'Alice Able',
          password: '654321',
          start: null,
          end: null,
          timeToJoin: -1,
          muteUponEntry: false,
          guestDialIn: true,
          watermark: false,
          watermarkType: '',
          callRate: '2048K',
          infoKey: '',
          groupKey: '',
          lobby: 'off',
          seriesId: '',
          liveKey: '',
          livePasscode: '',
        };
        assert.deepEqual(found, { room, upcoming: [], hadEnded: false });

        await insertRoom('room-b', '100000002', bob, '');
        const b = (await directory.lookup('100000002', T)).room;
        assert.equal(b?.ownerName, 'bob', 'the username when there is no real name');
        assert.equal(b?.password, '');
      });

      it('a room with meetings in it: the room and its meetings not ended, by start; an ended one sets hadEnded and lastEnded', async () => {
        await insertRoom('room-c', '100000003', alice);
        const later = await insertReservation({ meeting_number: '100000003', owner_id: bob, room_id: 'room-c', start_time: T + 2 * HOUR, end_time: T + 3 * HOUR, name: 'Later' });
        const running = await insertReservation({
          meeting_number: '100000003',
          owner_id: alice,
          room_id: 'room-c',
          start_time: T - HOUR,
          end_time: T + HOUR,
          name: 'Running',
          password: '654321',
          mute_upon_entry: 1,
          guest_dial_in: 1,
          watermark: 1,
          watermark_type: 'multiple',
          time_to_join: 15,
          call_rate: '1024K',
        });
        const ended = await insertReservation({ meeting_number: '100000003', owner_id: alice, room_id: 'room-c', start_time: T - 2 * HOUR, end_time: T - HOUR, password: '111222' });
        const found = await directory.lookup('100000003', T);
        assert.equal(found.room?.scheduleId, 'room-c');
        assert.equal(found.hadEnded, true);
        // The ended one is read in full: its password guards the "expired" answer to guests.
        assert.deepEqual([found.lastEnded?.scheduleId, found.lastEnded?.password, found.lastEnded?.end], [ended.id, '111222', T - HOUR]);
        assert.deepEqual(found.upcoming, [
          {
            meetingNumber: '100000003',
            kind: 'reservation',
            scheduleId: running.id,
            name: 'Running',
            ownerId: alice,
            ownerName: 'Alice Able',
            password: '654321',
            start: T - HOUR,
            end: T + HOUR,
            timeToJoin: 15,
            muteUponEntry: true,
            guestDialIn: true,
            watermark: true,
            watermarkType: 'multiple',
            callRate: '1024K',
            infoKey: running.info_key,
            groupKey: '',
            lobby: 'off',
            seriesId: '',
            liveKey: '',
            livePasscode: '',
          },
          {
            meetingNumber: '100000003',
            kind: 'reservation',
            scheduleId: later.id,
            name: 'Later',
            ownerId: bob,
            ownerName: 'bob',
            password: '',
            start: T + 2 * HOUR,
            end: T + 3 * HOUR,
            timeToJoin: 30,
            muteUponEntry: false,
            guestDialIn: false,
            watermark: false,
            watermarkType: 'single',
            callRate: '4096K',
            infoKey: later.info_key,
            groupKey: '',
            lobby: 'off',
            seriesId: '',
            liveKey: '',
            livePasscode: '',
          },
        ]);
      });

      it('an instant meeting has kind "instant"', async () => {
        const instant = await insertReservation({ type: 'instant', meeting_number: '100000004', owner_id: bob, start_time: T, end_time: T + HOUR });
        const found = await directory.lookup('100000004', T + 1);
        assert.equal(found.room, undefined);
        assert.equal(found.hadEnded, false);
        assert.deepEqual(
          found.upcoming.map((m) => [m.kind, m.scheduleId, m.start, m.end, m.groupKey]),
          [['instant', instant.id, T, T + HOUR, '']],
        );
      });

      it('series occurrences: kind "occurrence" with the series\' group key, nearest first, at most 5', async () => {
        await insertSeries('series-1', '100000005', alice, 'group-key-1');
        const ids: string[] = [];
        // Inserted farthest first, so the order cannot come from the insertion order.
        for (let day = 7; day >= -2; day--) {
          const r = await insertReservation({
            type: 'recurrence',
            series_id: 'series-1',
            meeting_number: '100000005',
            owner_id: alice,
            start_time: T + day * 24 * HOUR,
            end_time: T + day * 24 * HOUR + HOUR,
          });
          ids[day + 2] = r.id;
        }
        const found = await directory.lookup('100000005', T + 2 * HOUR);
        assert.equal(found.hadEnded, true, 'days -2, -1 and 0 have ended');
        assert.deepEqual(
          found.upcoming.map((m) => m.scheduleId),
          ids.slice(3, 8),
          'days 1 to 5',
        );
        for (const m of found.upcoming) {
          assert.equal(m.kind, 'occurrence');
          assert.equal(m.groupKey, 'group-key-1');
          assert.equal(m.ownerName, 'Alice Able');
        }
        assert.equal(found.upcoming[0]!.start, T + 24 * HOUR);
      });

      it('ended meetings: hadEnded, not upcoming; a meeting ends at its end_time exactly', async () => {
        const ended = await insertReservation({ meeting_number: '100000006', owner_id: bob, start_time: T - HOUR, end_time: T });
        const found = await directory.lookup('100000006', T);
        assert.deepEqual({ ...found, lastEnded: found.lastEnded?.scheduleId }, { upcoming: [], hadEnded: true, lastEnded: ended.id });
        const before = await directory.lookup('100000006', T - 1);
        assert.equal(before.hadEnded, false);
        assert.equal(before.upcoming.length, 1);
      });
    });

    describe(`SessionHistory [${dialect}]`, () => {
      const sessionsOf = async (number: string, limit: number) => (await history.list(number, { offset: 0, limit, attendanceLimit: 100 })).sessions;
      it('started → joined → renamed → left → ended round-trips through list(), the open attendance closed by the end', async () => {
        const number = '200000001';
        await history.started({ id: 's-1', meetingNumber: number, scheduleId: 'room-x', name: 'Stand-up', ownerId: alice, startedAt: T, nodeId: '' });
        assert.deepEqual(await sessionsOf(number, 10), [
          { id: 's-1', meetingNumber: number, name: 'Stand-up', ownerId: alice, startedAt: T, endedAt: 0, endReason: '', attendance: [], attendanceTruncated: false },
        ]);
        // Joined out of order of time: attendance is listed by joined_at.
        await history.joined({ id: 'a-2', sessionId: 's-1', clientId: 'c-guest', userId: '', displayName: 'Guest', joinedAt: T + 20 });
        await history.joined({ id: 'a-1', sessionId: 's-1', clientId: 'c-alice', userId: alice, displayName: 'Alice', joinedAt: T + 10 });
        await history.renamed('a-2', 'Guest Renamed');
        await history.left('a-1', T + 100, 'left');
        await history.left('a-1', T + 200, 'again'); // a duplicate leave does not rewrite the first
        const live = await sessionsOf(number, 10);
        assert.deepEqual(live[0]!.attendance, [
          { id: 'a-1', sessionId: 's-1', clientId: 'c-alice', userId: alice, displayName: 'Alice', joinedAt: T + 10, leftAt: T + 100, leftReason: 'left' },
          { id: 'a-2', sessionId: 's-1', clientId: 'c-guest', userId: '', displayName: 'Guest Renamed', joinedAt: T + 20, leftAt: 0, leftReason: '' },
        ]);

        await history.ended('s-1', T + 1000, 'stopped', null);
        const [ended] = await sessionsOf(number, 10);
        assert.equal(ended!.endedAt, T + 1000);
        assert.equal(ended!.endReason, 'stopped');
        assert.deepEqual(
          ended!.attendance.map((a) => [a.id, a.leftAt, a.leftReason]),
          [
            ['a-1', T + 100, 'left'],
            ['a-2', T + 1000, 'stopped'],
          ],
        );
        assert.equal(await history.closedUntil(number, T + 1000), null, 'ended without closedUntil');
      });

      it('list(): newest first, limited, each session with only its own attendance; other numbers apart', async () => {
        const number = '200000002';
        for (let i = 1; i <= 4; i++) {
          await history.started({ id: `l-${i}`, meetingNumber: number, scheduleId: 'r', name: `Session ${i}`, ownerId: bob, startedAt: T + i * HOUR, nodeId: '' });
          await history.joined({ id: `la-${i}`, sessionId: `l-${i}`, clientId: `c-${i}`, userId: bob, displayName: `Bob ${i}`, joinedAt: T + i * HOUR + 1 });
          await history.ended(`l-${i}`, T + i * HOUR + 1000, 'ended', null);
        }
        await history.started({ id: 'other', meetingNumber: '200000099', scheduleId: 'r', name: 'Other', ownerId: bob, startedAt: T + 9 * HOUR, nodeId: '' });
        await history.joined({ id: 'other-a', sessionId: 'other', clientId: 'c', userId: bob, displayName: 'Bob', joinedAt: T + 9 * HOUR });
        const page = await sessionsOf(number, 3);
        assert.deepEqual(
          page.map((s) => s.id),
          ['l-4', 'l-3', 'l-2'],
        );
        assert.deepEqual(
          page.map((s) => s.attendance.map((a) => a.id)),
          [['la-4'], ['la-3'], ['la-2']],
        );
        assert.deepEqual(await sessionsOf('299999999', 10), []);
        await history.ended('other', T + 10 * HOUR, 'ended', null);
      });

      it('list(): pages with offset and limit, counts the sessions, filters by owner, lists the first joins of each session', async () => {
        const number = '200000010';
        for (let i = 1; i <= 5; i++) {
          const owner = i % 2 === 0 ? alice : bob;
          await history.started({ id: `p-${i}`, meetingNumber: number, scheduleId: 'r', name: `Session ${i}`, ownerId: owner, startedAt: T + i * HOUR, nodeId: '' });
        }
        // 250 joins in one session: listed up to the limit, in order of joining, and the session says there were more.
        for (let j = 0; j < 250; j++) {
          await history.joined({ id: `pj-${String(j).padStart(3, '0')}`, sessionId: 'p-5', clientId: `c-${j}`, userId: '', displayName: `G${j}`, joinedAt: T + 5 * HOUR + 250 - j });
        }
        const first = await history.list(number, { offset: 0, limit: 2, attendanceLimit: 100 });
        assert.equal(first.total, 5);
        assert.deepEqual(first.sessions.map((s) => s.id), ['p-5', 'p-4']);
        assert.equal(first.sessions[0]!.attendance.length, 100);
        assert.equal(first.sessions[0]!.attendanceTruncated, true);
        assert.deepEqual(first.sessions[0]!.attendance.slice(0, 2).map((a) => a.id), ['pj-249', 'pj-248'], 'in order of joining');
        assert.equal(first.sessions[1]!.attendanceTruncated, false);
        const last = await history.list(number, { offset: 4, limit: 2, attendanceLimit: 100 });
        assert.deepEqual(last.sessions.map((s) => s.id), ['p-1']);
        const alices = await history.list(number, { offset: 0, limit: 10, attendanceLimit: 100, ownerId: alice });
        assert.deepEqual([alices.total, alices.sessions.map((s) => s.id)], [2, ['p-4', 'p-2']]);
        assert.equal(await history.any(number), true);
        assert.equal(await history.any('200000011'), false);
        for (let i = 1; i <= 5; i++) await history.ended(`p-${i}`, T + 10 * HOUR, 'ended', null);
      });

      it('closedUntil(): the latest one still in the future, else null', async () => {
        const number = '200000003';
        await history.started({ id: 'c-1', meetingNumber: number, scheduleId: 'r', name: 'n', ownerId: alice, startedAt: T, nodeId: '' });
        await history.ended('c-1', T + 10, 'stopped', T + 5000);
        await history.started({ id: 'c-2', meetingNumber: number, scheduleId: 'r', name: 'n', ownerId: alice, startedAt: T + 20, nodeId: '' });
        await history.ended('c-2', T + 30, 'stopped', T + 3000);
        assert.equal(await history.closedUntil(number, T + 30), T + 5000);
        assert.equal(await history.closedUntil(number, T + 4999), T + 5000);
        assert.equal(await history.closedUntil(number, T + 5000), null);
        assert.equal(await history.closedUntil('200000098', T), null);
      });

      it('closeAbandoned(): ends the open sessions and their open attendance, returns how many; ended ones stay as they were', async () => {
        await history.closeAbandoned(T, 'earlier', null); // whatever an earlier test left open
        await history.started({ id: 'ab-1', meetingNumber: '200000004', scheduleId: 'r', name: 'n', ownerId: alice, startedAt: T, nodeId: '' });
        await history.joined({ id: 'ab-1-a', sessionId: 'ab-1', clientId: 'c1', userId: alice, displayName: 'A', joinedAt: T + 1 });
        await history.joined({ id: 'ab-1-b', sessionId: 'ab-1', clientId: 'c2', userId: '', displayName: 'G', joinedAt: T + 2 });
        await history.left('ab-1-b', T + 3, 'left');
        await history.started({ id: 'ab-2', meetingNumber: '200000005', scheduleId: 'r', name: 'n', ownerId: bob, startedAt: T, nodeId: '' });
        await history.started({ id: 'ab-3', meetingNumber: '200000005', scheduleId: 'r', name: 'n', ownerId: bob, startedAt: T - HOUR, nodeId: '' });
        await history.ended('ab-3', T - 1, 'stopped', null);

        assert.equal(await history.closeAbandoned(T + 500, 'restart', null), 2);
        const [one] = await sessionsOf('200000004', 10);
        assert.deepEqual([one!.endedAt, one!.endReason], [T + 500, 'restart']);
        assert.deepEqual(
          one!.attendance.map((a) => [a.id, a.leftAt, a.leftReason]),
          [
            ['ab-1-a', T + 500, 'restart'],
            ['ab-1-b', T + 3, 'left'],
          ],
        );
        assert.deepEqual(
          (await sessionsOf('200000005', 10)).map((s) => [s.id, s.endedAt, s.endReason]),
          [
            ['ab-2', T + 500, 'restart'],
            ['ab-3', T - 1, 'stopped'],
          ],
        );
        assert.equal(await history.closeAbandoned(T + 600, 'restart', null), 0, 'nothing left open');
      });

      it('closeAbandoned(node): a node closes only its own open sessions (a restart, or a node lost from the cluster)', async () => {
        await history.started({ id: 'nd-a', meetingNumber: '200000007', scheduleId: 'r', name: 'n', ownerId: alice, startedAt: T, nodeId: 'node-a' });
        await history.joined({ id: 'nd-a-1', sessionId: 'nd-a', clientId: 'c1', userId: alice, displayName: 'A', joinedAt: T + 1 });
        await history.started({ id: 'nd-b', meetingNumber: '200000008', scheduleId: 'r', name: 'n', ownerId: alice, startedAt: T, nodeId: 'node-b' });
        await history.joined({ id: 'nd-b-1', sessionId: 'nd-b', clientId: 'c2', userId: alice, displayName: 'B', joinedAt: T + 1 });
        assert.equal(await history.closeAbandoned(T + 700, 'node lost', 'node-b'), 1);
        const [a] = await sessionsOf('200000007', 10);
        const [b] = await sessionsOf('200000008', 10);
        assert.deepEqual([a!.endedAt, a!.attendance[0]!.leftAt], [0, 0], 'node-a’s session is not touched');
        assert.deepEqual([b!.endedAt, b!.endReason, b!.attendance[0]!.leftReason], [T + 700, 'node lost', 'node lost']);
        await history.closeAbandoned(T + 800, 'cleanup', null);
      });

      it('history survives the deletion of the owner\'s and the participants\' accounts', async () => {
        const carol = await insertUser('carol', 'Carol');
        await history.started({ id: 'del-1', meetingNumber: '200000006', scheduleId: 'r', name: 'n', ownerId: carol, startedAt: T, nodeId: '' });
        await history.joined({ id: 'del-1-a', sessionId: 'del-1', clientId: 'c', userId: carol, displayName: 'Carol', joinedAt: T });
        await history.ended('del-1', T + 1, 'ended', null);
        await handle.db.deleteFrom('users').where('id', '=', carol).execute();
        const [s] = await sessionsOf('200000006', 10);
        assert.equal(s?.ownerId, carol);
        assert.deepEqual(s?.attendance.map((a) => a.userId), [carol]);
      });
    });
  });
}
