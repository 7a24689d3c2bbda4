import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Reply } from '../support/client.ts';
import { testDialects } from '../support/dialects.ts';
import { startTestServer, type TestServer } from '../support/server.ts';
import { reservationRow } from '../support/storage.ts';

/** R1 (client contract §2.2) plus Convene's room administration calls. */

const ROOM_KEYS = [
  'created_time',
  'creator_id',
  'creator_name',
  'lobby',
  'meeting_number',
  'meeting_password',
  'meeting_room_id',
  'meetingroom_name',
  'owner_id',
  'owner_name',
];

/** Digits of generated numbers in these servers: not the default (9), so the setting is shown to apply. */
const NUMBER_LENGTH = 7;

function assertError(r: Reply, status: number, code: string, field?: string): void {
  assert.equal(r.status, status, `status (body: ${r.text})`);
  assert.equal(r.body?.errorCode, code, r.text);
  assert.equal(typeof r.body.error, 'string');
  if (field !== undefined) assert.match(r.body.error, new RegExp(`^${field}\\b`), r.body.error);
}

/** Every R1 field present with the type the apps read: strings ("" never null) and created_time a number. */
function assertRoomShape(room: Record<string, unknown>): void {
  assert.deepEqual(Object.keys(room).sort(), ROOM_KEYS);
  for (const k of ROOM_KEYS.filter((k) => k !== 'created_time')) assert.equal(typeof room[k], 'string', `${k} of ${JSON.stringify(room)}`);
  assert.equal(typeof room.created_time, 'number');
  assert.ok(Number.isInteger(room.created_time));
  assert.match(room.meeting_number as string, new RegExp(`^[1-9][0-9]{${NUMBER_LENGTH - 1}}$`));
  assert.match(room.meeting_password as string, /^[0-9]*$/);
}

for (const dialect of testDialects()) {
  describe(`meeting rooms [${dialect}]`, () => {
    let t: TestServer;
    let adminId: string;
    const ids: Record<'alice' | 'bob' | 'oscar' | 'nora', string> = { alice: '', bob: '', oscar: '', nora: '' };
    const tokens: Record<'alice' | 'bob' | 'oscar' | 'nora', string> = { alice: '', bob: '', oscar: '', nora: '' };

    const as = async (who: keyof typeof tokens | 'admin', method: string, path: string, body?: unknown, query: Record<string, string | number> = {}) =>
      t.call(method, path, {
        query: { client_id: `client-${who}`, token: who === 'admin' ? await t.adminToken() : tokens[who], ...query },
        ...(body !== undefined ? { body } : {}),
      });
    const admin = (method: string, path: string, body?: unknown, query?: Record<string, string | number>) => as('admin', method, path, body, query);
    const create = async (name: string, owner: string, extra: Record<string, unknown> = {}) => {
      const r = await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: name, owner_id: owner, ...extra });
      assert.equal(r.status, 200, r.text);
      return r.body as Record<string, any>;
    };
    const own = async (who: keyof typeof tokens) => {
      const r = await as(who, 'GET', '/api/v1/meeting_room');
      assert.equal(r.status, 200, r.text);
      return r.body as { meeting_rooms: Record<string, any>[]; total_size: number; total_page_num: number };
    };
    const allRooms = async () => {
      const r = await admin('GET', '/api/v1/meeting_rooms', undefined, { page_size: 500 });
      assert.equal(r.status, 200, r.text);
      return r.body as { meeting_rooms: Record<string, any>[]; total_size: number; total_page_num: number };
    };
    /** A meeting row as the scheduling capability stores it, written directly (its API is built separately). */
    const insertReservation = async (roomId: string | null, startTime: number, endTime: number, seriesId: string | null = null) => {
      const row = reservationRow({
        type: seriesId ? 'recurrence' : 'reservation',
        owner_id: ids.alice,
        series_id: seriesId,
        meeting_number: '123456789',
        room_id: roomId,
        start_time: startTime,
        end_time: endTime,
      });
      await t.server.database.db.insertInto('reservations').values(row).execute();
      return row.id;
    };
    const insertSeries = async (roomId: string) => {
      const id = randomUUID();
      const now = Date.now();
      await t.server.database.db
        .insertInto('series')
        .values({
          id,
          owner_id: ids.alice,
          frequency: 'WEEKLY',
          interval: 1,
          time_zone: 'Europe/Berlin',
          first_start: now - 7 * 86_400_000,
          duration: 3_600_000,
          last_day: '2099-12-31',
          days_of_week: '[2]',
          days_of_month: '[]',
          group_key: randomUUID(),
          meeting_number: '123456789',
          password: '',
          room_id: roomId,
          created_at: now,
          updated_at: now,
        })
        .execute();
      return id;
    };

    before(async () => {
      t = await startTestServer(dialect, { CONVENE_MEETING_NUMBER_LENGTH: String(NUMBER_LENGTH) });
      adminId = (await admin('GET', '/api/v1/user/info')).body.user_id;
      ids.alice = await t.createUser('alice', 'alice-pw-1', 'Normal', { real_name: 'Alice Anders' });
      ids.bob = await t.createUser('bob', 'bob-pw-1');
      ids.oscar = await t.createUser('oscar', 'oscar-pw-1', 'MeetingOperator', { real_name: 'Oscar Operator' });
      ids.nora = await t.createUser('nora', 'nora-pw-1');
      for (const who of ['alice', 'bob', 'oscar', 'nora'] as const) tokens[who] = await t.signIn(who, `${who}-pw-1`, `client-${who}`);
    });
    after(() => t.close());

    describe(`POST /api/v1/meeting_rooms [${dialect}]`, () => {
      it('creates a room for an owner → 200 with every R1 field: new number, 6-digit password, owner and creator named', async () => {
        const before = Date.now();
        const room = await create('Alice’s room', ids.alice);
        assertRoomShape(room);
        assert.equal(room.meetingroom_name, 'Alice’s room');
        assert.match(room.meeting_password, /^[0-9]{6}$/);
        assert.equal(room.owner_id, ids.alice);
        assert.equal(room.owner_name, 'Alice Anders');
        assert.equal(room.creator_id, adminId);
        assert.equal(room.creator_name, 'Administrator');
        assert.ok(room.created_time >= before - 1000 && room.created_time <= Date.now() + 1000, 'created_time is now, in ms');
        const got = await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assert.equal(got.status, 200, got.text);
        assert.deepEqual(got.body, room);
      });

      it('meeting_password "" → a room without password; digits with leading zeros are kept as given', async () => {
        const open = await create('Open room', ids.bob, { meeting_password: '' });
        assert.equal(open.meeting_password, '');
        const zeros = await create('Zeros', ids.bob, { meeting_password: '004200' });
        assert.equal(zeros.meeting_password, '004200');
        const sixteen = await create('Long pin', ids.bob, { meeting_password: '1234567890123456' });
        assert.equal(sixteen.meeting_password, '1234567890123456');
      });

      it('meeting_password null (as Windows sends unset fields) → generated like an absent one', async () => {
        const room = await create('Null pin', ids.bob, { meeting_password: null });
        assert.match(room.meeting_password, /^[0-9]{6}$/);
      });

      it('numbers are unique, random and of the configured length; generated passwords differ', async () => {
        const rooms = [];
        for (let i = 0; i < 15; i++) rooms.push(await create(`Batch ${i}`, ids.nora));
        const numbers = rooms.map((r) => r.meeting_number as string);
        for (const n of numbers) assert.equal(n.length, NUMBER_LENGTH, n);
        assert.equal(new Set(numbers).size, numbers.length, 'unique');
        const all = (await allRooms()).meeting_rooms.map((r) => r.meeting_number);
        assert.equal(new Set(all).size, all.length, 'unique across every room');
        const sorted = numbers.map(Number).sort((a, b) => a - b);
        const steps = new Set(sorted.slice(1).map((n, i) => n - sorted[i]!));
        assert.ok(steps.size > 1, `numbers look sequential: ${sorted.join(',')}`);
        assert.ok(sorted[sorted.length - 1]! - sorted[0]! > 1000, 'spread over the number space');
        assert.ok(new Set(rooms.map((r) => r.meeting_password)).size > 1, 'passwords are random too');
      });

      it('the number is claimed in the shared registry under the room', async () => {
        const room = await create('Registered', ids.bob);
        const row = await t.server.database.db
          .selectFrom('meeting_numbers')
          .selectAll()
          .where('number', '=', room.meeting_number)
          .executeTakeFirst();
        assert.ok(row, 'meeting_numbers holds the number');
        assert.equal(row.holder_kind, 'room');
        assert.equal(row.holder_id, room.meeting_room_id);
      });

      it('invalid input → 400 naming the field, and nothing is created', async () => {
        const before = (await allRooms()).total_size;
        const cases: [unknown, string, string][] = [
          [{ owner_id: ids.alice }, '0x10000001', 'meetingroom_name'],
          [{ meetingroom_name: '', owner_id: ids.alice }, '0x10000001', 'meetingroom_name'],
          [{ meetingroom_name: '   ', owner_id: ids.alice }, '0x10000009', 'meetingroom_name'],
          [{ meetingroom_name: 'n'.repeat(129), owner_id: ids.alice }, '0x10000008', 'meetingroom_name'],
          [{ meetingroom_name: { name: 'x' }, owner_id: ids.alice }, '0x10000001', 'meetingroom_name'],
          [{ meetingroom_name: 'No owner' }, '0x10000001', 'owner_id'],
          [{ meetingroom_name: 'Long owner', owner_id: 'u'.repeat(65) }, '0x10000008', 'owner_id'],
          [{ meetingroom_name: 'Letters', owner_id: ids.alice, meeting_password: '12ab' }, '0x10000009', 'meeting_password'],
          [{ meetingroom_name: 'Spaces', owner_id: ids.alice, meeting_password: ' 1234' }, '0x10000009', 'meeting_password'],
          [{ meetingroom_name: 'Too long', owner_id: ids.alice, meeting_password: '1'.repeat(17) }, '0x10000008', 'meeting_password'],
          [{ meetingroom_name: 'Too short', owner_id: ids.alice, meeting_password: '12345' }, '0x10000001', 'meeting_password'],
        ];
        for (const [body, code, field] of cases) assertError(await admin('POST', '/api/v1/meeting_rooms', body), 400, code, field);
        assert.equal((await allRooms()).total_size, before);
      });

      it('a name of exactly 128 characters is accepted', async () => {
        const room = await create('n'.repeat(128), ids.bob);
        assert.equal(room.meetingroom_name, 'n'.repeat(128));
      });

      it('owner_id of no account → 400 0x10000001 naming owner_id; nothing created, no number claimed', async () => {
        const before = (await allRooms()).total_size;
        const numbers = await t.server.database.db.selectFrom('meeting_numbers').select('number').execute();
        assertError(await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Ghost', owner_id: 'no-such-user' }), 400, '0x10000001', 'owner_id');
        assert.equal((await allRooms()).total_size, before);
        const after = await t.server.database.db.selectFrom('meeting_numbers').select('number').execute();
        assert.equal(after.length, numbers.length);
      });

      it('a Normal user or a MeetingOperator → 403 0x10000003; without token → 401 0x10000002', async () => {
        const body = { meetingroom_name: 'Mine', owner_id: ids.bob };
        assertError(await as('bob', 'POST', '/api/v1/meeting_rooms', body), 403, '0x10000003');
        assertError(await as('oscar', 'POST', '/api/v1/meeting_rooms', body), 403, '0x10000003');
        assertError(await t.call('POST', '/api/v1/meeting_rooms', { query: { client_id: 'x' }, body }), 401, '0x10000002');
        assert.ok(!(await allRooms()).meeting_rooms.some((r) => r.meetingroom_name === 'Mine'));
      });
    });

    describe(`GET and POST /api/v1/meeting_room (R1, own rooms) [${dialect}]`, () => {
      let first: Record<string, any>;
      let second: Record<string, any>;
      before(async () => {
        first = await create('Zebra room', ids.oscar, { meeting_password: '' });
        second = await create('aardvark room', ids.oscar);
      });

      it('GET → 200 exactly the caller\'s rooms, by name ignoring case, every field typed as the apps read it', async () => {
        const page = await own('oscar');
        assert.deepEqual(
          page.meeting_rooms.map((r) => r.meeting_room_id),
          [second.meeting_room_id, first.meeting_room_id],
        );
        for (const r of page.meeting_rooms) {
          assertRoomShape(r);
          assert.equal(r.owner_id, ids.oscar);
          assert.equal(r.owner_name, 'Oscar Operator');
          assert.equal(r.creator_name, 'Administrator');
        }
        assert.equal(page.meeting_rooms[1]!.meeting_password, '', 'no password is "" (never null)');
        assert.deepEqual(page.meeting_rooms[0], second);
        assert.equal(page.total_size, 2);
        assert.equal(page.total_page_num, 1);
      });

      it('POST (as the API document says), with no body, "" or {} → 200 the same list', async () => {
        const expected = (await own('oscar')).meeting_rooms;
        for (const body of [undefined, '', '{}']) {
          const r = await t.call('POST', '/api/v1/meeting_room', {
            query: { client_id: 'client-oscar', token: tokens.oscar },
            ...(body !== undefined ? { body } : {}),
          });
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(r.body.meeting_rooms, expected);
          assert.equal(r.body.total_size, 2);
        }
      });

      it('someone without rooms → 200 {meeting_rooms: [], total_size: 0}', async () => {
        const fresh = await t.createUser('roomless', 'roomless-pw-1');
        assert.ok(fresh);
        const token = await t.signIn('roomless', 'roomless-pw-1', 'roomless');
        const r = await t.call('GET', '/api/v1/meeting_room', { query: { client_id: 'roomless', token } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body.meeting_rooms, []);
        assert.equal(r.body.total_size, 0);
        assert.equal(typeof r.body.total_page_num, 'number');
      });

      it('page_num/page_size (extension) page the list', async () => {
        const p1 = await as('oscar', 'GET', '/api/v1/meeting_room', undefined, { page_num: 1, page_size: 1 });
        const p2 = await as('oscar', 'GET', '/api/v1/meeting_room', undefined, { page_num: 2, page_size: 1 });
        assert.deepEqual(p1.body.meeting_rooms.map((r: { meeting_room_id: string }) => r.meeting_room_id), [second.meeting_room_id]);
        assert.deepEqual(p2.body.meeting_rooms.map((r: { meeting_room_id: string }) => r.meeting_room_id), [first.meeting_room_id]);
        assert.equal(p1.body.total_page_num, 2);
        assert.equal(p1.body.total_size, 2);
      });

      it('without token → 401 0x10000002; with an unknown token → 401 0x10000002', async () => {
        assertError(await t.call('GET', '/api/v1/meeting_room', { query: { client_id: 'x' } }), 401, '0x10000002');
        assertError(await t.call('GET', '/api/v1/meeting_room', { query: { client_id: 'x', token: 'not-a-token' } }), 401, '0x10000002');
      });
    });

    describe(`GET /api/v1/meeting_rooms [${dialect}]`, () => {
      before(async () => {
        await create('Ärger-Raum', ids.bob);
        await create('Board 100%', ids.bob);
      });

      it('lists every room with total_size for a SystemAdmin and a MeetingOperator; a Normal user → 403 0x10000003', async () => {
        const all = await allRooms();
        const count = await t.server.database.db.selectFrom('meeting_rooms').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
        assert.equal(all.total_size, Number(count.n));
        assert.equal(all.meeting_rooms.length, all.total_size);
        for (const r of all.meeting_rooms) assertRoomShape(r);
        const op = await as('oscar', 'GET', '/api/v1/meeting_rooms', undefined, { page_size: 500 });
        assert.equal(op.status, 200, op.text);
        assert.deepEqual(op.body, all);
        assertError(await as('bob', 'GET', '/api/v1/meeting_rooms'), 403, '0x10000003');
      });

      it('filter matches the name ignoring case (also non-ASCII) or part of the number', async () => {
        const names = async (filter: string) =>
          ((await admin('GET', '/api/v1/meeting_rooms', undefined, { filter, page_size: 500 })).body.meeting_rooms as { meetingroom_name: string }[]).map(
            (r) => r.meetingroom_name,
          );
        assert.deepEqual(await names('ärger'), ['Ärger-Raum']);
        assert.deepEqual(await names('ÄRGER'), ['Ärger-Raum']);
        assert.deepEqual(await names('100%'), ['Board 100%'], '% is matched literally');
        assert.deepEqual(await names('zebra'), ['Zebra room']);
        const target = (await allRooms()).meeting_rooms.find((r) => r.meetingroom_name === 'Zebra room')!;
        const part = (target.meeting_number as string).slice(1, 6);
        assert.ok((await names(part)).includes('Zebra room'), `number part ${part}`);
        assert.deepEqual(await names('no-room-is-called-this'), []);
      });

      it('page_num and page_size page the list; total_page_num counts the pages', async () => {
        const total = (await allRooms()).total_size;
        const p1 = await admin('GET', '/api/v1/meeting_rooms', undefined, { page_num: 1, page_size: 3 });
        const p2 = await admin('GET', '/api/v1/meeting_rooms', undefined, { page_num: 2, page_size: 3 });
        assert.equal(p1.body.meeting_rooms.length, 3);
        assert.equal(p1.body.total_page_num, Math.ceil(total / 3));
        const ids1 = p1.body.meeting_rooms.map((r: { meeting_room_id: string }) => r.meeting_room_id);
        const ids2 = p2.body.meeting_rooms.map((r: { meeting_room_id: string }) => r.meeting_room_id);
        assert.deepEqual(ids1.filter((id: string) => ids2.includes(id)), [], 'pages do not overlap');
        assertError(await admin('GET', '/api/v1/meeting_rooms', undefined, { page_num: 0 }), 400, '0x10000001', 'page_num');
        assertError(await admin('GET', '/api/v1/meeting_rooms', undefined, { page_size: 'many' }), 400, '0x10000001', 'page_size');
      });
    });

    describe(`GET /api/v1/meeting_rooms/{meeting_room_id} [${dialect}]`, () => {
      it('the owner may read their own room; a Normal user another\'s → 403 0x10000003; a MeetingOperator any', async () => {
        const room = await create('Readable', ids.alice);
        const mine = await as('alice', 'GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assert.equal(mine.status, 200, mine.text);
        assert.deepEqual(mine.body, room);
        const theirs = await as('bob', 'GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assertError(theirs, 403, '0x10000003');
        assert.ok(!theirs.text.includes(room.meeting_password), 'no leak of the password');
        assert.equal((await as('oscar', 'GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).status, 200);
      });

      it('an unknown id → 404 0x10000004; an id over 64 characters → 400 naming meeting_room_id', async () => {
        assertError(await admin('GET', '/api/v1/meeting_rooms/no-such-room'), 404, '0x10000004', 'meeting_room_id');
        assertError(await as('bob', 'GET', '/api/v1/meeting_rooms/no-such-room'), 404, '0x10000004');
        assertError(await admin('GET', `/api/v1/meeting_rooms/${'r'.repeat(65)}`), 400, '0x10000008', 'meeting_room_id');
      });
    });

    describe(`POST and PUT /api/v1/meeting_rooms/{meeting_room_id} [${dialect}]`, () => {
      it('POST renames; number, password and owner stay; the owner sees the new name', async () => {
        const room = await create('Old name', ids.alice);
        const r = await admin('POST', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { meetingroom_name: 'New name' });
        assert.equal(r.status, 200, r.text);
        assertRoomShape(r.body);
        assert.equal(r.body.meetingroom_name, 'New name');
        for (const k of ['meeting_room_id', 'meeting_number', 'meeting_password', 'owner_id', 'creator_id', 'created_time']) {
          assert.deepEqual(r.body[k], room[k], k);
        }
        const listed = (await own('alice')).meeting_rooms.find((x) => x.meeting_room_id === room.meeting_room_id);
        assert.equal(listed?.meetingroom_name, 'New name');
      });

      it('PUT reassigns owner_id: the room moves from one owner\'s list to the other\'s, number unchanged', async () => {
        const room = await create('Moving room', ids.alice);
        const r = await admin('PUT', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { owner_id: ids.bob });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.body.owner_id, ids.bob);
        assert.equal(r.body.owner_name, 'bob', 'owner_name falls back to the username');
        assert.equal(r.body.meeting_number, room.meeting_number);
        assert.ok(!(await own('alice')).meeting_rooms.some((x) => x.meeting_room_id === room.meeting_room_id));
        const bobs = (await own('bob')).meeting_rooms.find((x) => x.meeting_room_id === room.meeting_room_id);
        assert.equal(bobs?.meeting_number, room.meeting_number);
      });

      it('meeting_password changes to other digits, and "" removes it; the number stays', async () => {
        const room = await create('Pin room', ids.alice);
        const set = await admin('POST', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { meeting_password: '987654' });
        assert.equal(set.body.meeting_password, '987654');
        const cleared = await admin('PUT', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { meeting_password: '' });
        assert.equal(cleared.status, 200, cleared.text);
        assert.equal(cleared.body.meeting_password, '');
        assert.equal(cleared.body.meeting_number, room.meeting_number);
        assert.equal((await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).body.meeting_password, '');
      });

      it('all three at once, and an empty body or null fields change nothing', async () => {
        const room = await create('Triple', ids.alice, { meeting_password: '111111' });
        const r = await admin('POST', `/api/v1/meeting_rooms/${room.meeting_room_id}`, {
          meetingroom_name: 'Triple renamed',
          owner_id: ids.oscar,
          meeting_password: '222222',
        });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual([r.body.meetingroom_name, r.body.owner_id, r.body.meeting_password], ['Triple renamed', ids.oscar, '222222']);
        for (const body of ['', '{}', { meetingroom_name: null, owner_id: null, meeting_password: null }]) {
          const same = await admin('PUT', `/api/v1/meeting_rooms/${room.meeting_room_id}`, body);
          assert.equal(same.status, 200, same.text);
          assert.deepEqual([same.body.meetingroom_name, same.body.owner_id, same.body.meeting_password], ['Triple renamed', ids.oscar, '222222']);
        }
      });

      it('reassigning to an unknown user → 400 0x10000001 naming owner_id; the room is unchanged', async () => {
        const room = await create('Stays', ids.alice);
        assertError(await admin('PUT', `/api/v1/meeting_rooms/${room.meeting_room_id}`, { owner_id: 'ghost-user', meetingroom_name: 'Changed' }), 400, '0x10000001', 'owner_id');
        const got = (await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).body;
        assert.equal(got.owner_id, ids.alice);
        assert.equal(got.meetingroom_name, 'Stays');
      });

      it('invalid fields → 400 naming the field; an unknown room → 404 0x10000004', async () => {
        const room = await create('Validated', ids.alice);
        const path = `/api/v1/meeting_rooms/${room.meeting_room_id}`;
        assertError(await admin('POST', path, { meetingroom_name: '' }), 400, '0x10000001', 'meetingroom_name');
        assertError(await admin('POST', path, { meetingroom_name: 'x'.repeat(129) }), 400, '0x10000008', 'meetingroom_name');
        assertError(await admin('POST', path, { meeting_password: 'secret' }), 400, '0x10000009', 'meeting_password');
        assertError(await admin('POST', path, { meeting_password: '123' }), 400, '0x10000001', 'meeting_password');
        assertError(await admin('POST', '/api/v1/meeting_rooms/no-such-room', { meetingroom_name: 'x' }), 404, '0x10000004', 'meeting_room_id');
        assert.equal((await admin('GET', path)).body.meetingroom_name, 'Validated');
      });

      it('the owner (Normal) or a MeetingOperator → 403 0x10000003, and the room is unchanged', async () => {
        const room = await create('Guarded', ids.alice);
        const path = `/api/v1/meeting_rooms/${room.meeting_room_id}`;
        assertError(await as('alice', 'POST', path, { meetingroom_name: 'Mine now' }), 403, '0x10000003');
        assertError(await as('alice', 'PUT', path, { meeting_password: '' }), 403, '0x10000003');
        assertError(await as('oscar', 'PUT', path, { owner_id: ids.oscar }), 403, '0x10000003');
        assert.deepEqual((await admin('GET', path)).body, room);
      });
    });

    describe(`DELETE /api/v1/meeting_rooms/{meeting_room_id} [${dialect}]`, () => {
      it('deletes the room → 200 {}: gone from every list, its number freed', async () => {
        const room = await create('Short-lived', ids.alice);
        const r = await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.body, {});
        assertError(await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 404, '0x10000004');
        assert.ok(!(await own('alice')).meeting_rooms.some((x) => x.meeting_room_id === room.meeting_room_id));
        const held = await t.server.database.db.selectFrom('meeting_numbers').select('number').where('number', '=', room.meeting_number).execute();
        assert.deepEqual(held, [], 'the number is back in the pool');
        assertError(await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 404, '0x10000004', 'meeting_room_id');
      });

      it('refused with 403 0x10000006 while an upcoming meeting uses the room; allowed once it has ended (the meeting is kept)', async () => {
        const room = await create('Busy room', ids.alice);
        const now = Date.now();
        const meeting = await insertReservation(room.meeting_room_id, now + 3_600_000, now + 7_200_000);
        const refused = await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assertError(refused, 403, '0x10000006', 'meeting_room_id');
        assert.match(refused.body.error, /1 upcoming meeting/);
        assert.equal((await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).status, 200, 'still there');

        // A meeting in progress (started, not ended) counts as well.
        await t.server.database.db.updateTable('reservations').set({ start_time: now - 600_000 }).where('id', '=', meeting).execute();
        assertError(await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 403, '0x10000006');

        await t.server.database.db.updateTable('reservations').set({ start_time: now - 7_200_000, end_time: now - 3_600_000 }).where('id', '=', meeting).execute();
        const ok = await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assert.equal(ok.status, 200, ok.text);
        const kept = await t.server.database.db.selectFrom('reservations').select(['room_id', 'meeting_number']).where('id', '=', meeting).executeTakeFirst();
        assert.ok(kept, 'the ended meeting is kept');
        assert.equal(kept.room_id, null, 'and no longer names the deleted room');
      });

      it('refused while a series with an upcoming occurrence uses the room, even when the occurrence does not name it', async () => {
        const room = await create('Series room', ids.alice);
        const now = Date.now();
        const series = await insertSeries(room.meeting_room_id);
        await insertReservation(null, now - 7 * 86_400_000, now - 7 * 86_400_000 + 3_600_000, series);
        const future = await insertReservation(null, now + 86_400_000, now + 86_400_000 + 3_600_000, series);
        const refused = await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assertError(refused, 403, '0x10000006');
        assert.match(refused.body.error, /series/);

        await t.server.database.db.deleteFrom('reservations').where('id', '=', future).execute();
        const ok = await admin('DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`);
        assert.equal(ok.status, 200, ok.text);
        const row = await t.server.database.db.selectFrom('series').select('room_id').where('id', '=', series).executeTakeFirst();
        assert.equal(row?.room_id, null, 'the finished series is kept, without the room');
      });

      it('a Normal owner or a MeetingOperator → 403 0x10000003 and the room stays; an unknown id → 404', async () => {
        const room = await create('Not yours to delete', ids.alice);
        assertError(await as('alice', 'DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 403, '0x10000003');
        assertError(await as('oscar', 'DELETE', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 403, '0x10000003');
        assert.equal((await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).status, 200);
        assertError(await admin('DELETE', '/api/v1/meeting_rooms/never-was'), 404, '0x10000004');
      });
    });

    describe(`DELETE /api/v1/user/users/{user_id} of a room owner [${dialect}]`, () => {
      it('deletes the account and its rooms → 200; other people\'s meetings in those rooms are kept, without the room', async () => {
        const ownerId = await t.createUser('leaving', 'leaving-pw-1');
        const room = await create('Leaving room', ownerId);
        const now = Date.now();
        // Meetings owned by someone else (alice) that name the room: one ended, one upcoming.
        const ended = await insertReservation(room.meeting_room_id, now - 7_200_000, now - 3_600_000);
        const upcoming = await insertReservation(room.meeting_room_id, now + 3_600_000, now + 7_200_000);
        const series = await insertSeries(room.meeting_room_id);
        const r = await admin('DELETE', `/api/v1/user/users/${ownerId}`);
        assert.equal(r.status, 200, r.text);
        assertError(await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`), 404, '0x10000004');
        const kept = await t.server.database.db.selectFrom('reservations').select(['id', 'room_id']).where('id', 'in', [ended, upcoming]).execute();
        assert.equal(kept.length, 2, 'the meetings stay');
        assert.deepEqual(kept.map((k) => k.room_id), [null, null]);
        const s = await t.server.database.db.selectFrom('series').select('room_id').where('id', '=', series).executeTakeFirst();
        assert.equal(s?.room_id, null);
      });

      it('frees the numbers of the account\'s meetings, series and rooms; a room number others\' meetings still use stays until they end', async () => {
        const departing = await t.createUser('departing', 'departing-pw-1');
        const token = await t.signIn('departing', 'departing-pw-1', 'client-departing');
        const start = Date.now() + 86_400_000;
        const schedule = async (query: Record<string, string>, body: Record<string, unknown>) => {
          const r = await t.call('POST', '/api/v1/meeting_schedule', { query, body });
          assert.equal(r.status, 200, r.text);
          return r.body as Record<string, any>;
        };
        const times = { schedule_start_time: start, schedule_end_time: start + 3_600_000 };
        const own = { client_id: 'client-departing', token };
        const reservation = await schedule(own, { meeting_type: 'reservation', meeting_name: 'Mine', ...times });
        const instant = await schedule(own, { meeting_type: 'instant', meeting_name: 'Now' });
        const series = await schedule(own, {
          meeting_type: 'recurrence',
          meeting_name: 'Weekly',
          ...times,
          recurrence_type: 'DAILY',
          recurrenceInterval: 1,
          recurrenceEndDay: start + 3 * 86_400_000,
        });
        const emptyRoom = await create('Departing empty room', departing);
        const sharedRoom = await create('Departing shared room', departing);
        // An administrator's meeting in the departing owner's room keeps using the room's number.
        const admins = await schedule({ client_id: 'client-admin', token: await t.adminToken() }, {
          meeting_type: 'reservation',
          meeting_name: 'In their room',
          meeting_room_id: sharedRoom.meeting_room_id,
          ...times,
        });
        const numbers = [reservation, instant, series, emptyRoom, sharedRoom].map((x) => x.meeting_number as string);
        const held = async () =>
          (await t.server.database.db.selectFrom('meeting_numbers').select('number').where('number', 'in', numbers).execute()).map((r) => r.number).sort();
        assert.deepEqual(await held(), [...numbers].sort(), 'all five held before');

        assert.equal((await admin('DELETE', `/api/v1/user/users/${departing}`)).status, 200);
        assert.deepEqual(await held(), [sharedRoom.meeting_number], 'only the number a meeting still uses stays held');

        // Once that meeting is over (here: deleted), the next account deletion frees the number too.
        assert.equal((await admin('DELETE', `/api/v1/meeting_schedule/${admins.reservation_id}`)).status, 200);
        assert.equal((await admin('DELETE', `/api/v1/user/users/${await t.createUser('bystander', 'bystander-pw-1')}`)).status, 200);
        assert.deepEqual(await held(), []);
      });
    });

    describe(`hostile input [${dialect}]`, () => {
      it('odd ids, bodies and query values never cause a 5xx, and always an FRTC error body', async () => {
        const room = await create('Target', ids.alice);
        const badIds = ["' OR 1=1 --", '..%2F..%2Fetc', '%E2%80%AE', '😀'.repeat(16), '%25', ' ', '%00'];
        const badBodies: unknown[] = [
          '[]',
          '"text"',
          '42',
          'null',
          '{"meetingroom_name":',
          { meetingroom_name: ['a'], owner_id: ids.alice },
          { meetingroom_name: 'x', owner_id: { $ne: null } },
          { meetingroom_name: 'x', owner_id: ids.alice, meeting_password: 12345 },
          { meetingroom_name: 'x'.repeat(100_000), owner_id: ids.alice },
          { meetingroom_name: 'x\u0000y', owner_id: ids.alice },
          { __proto__: { admin: true }, meetingroom_name: 'proto', owner_id: ids.alice },
        ];
        const replies: Reply[] = [];
        for (const id of badIds) {
          for (const method of ['GET', 'POST', 'PUT', 'DELETE']) {
            replies.push(await admin(method, `/api/v1/meeting_rooms/${id}`, method === 'GET' || method === 'DELETE' ? undefined : { meetingroom_name: 'x' }));
          }
        }
        for (const body of badBodies) {
          replies.push(await admin('POST', '/api/v1/meeting_rooms', body));
          replies.push(await admin('PUT', `/api/v1/meeting_rooms/${room.meeting_room_id}`, body));
        }
        for (const q of [{ page_num: -1 }, { page_size: 10_000_000 }, { filter: '%_\\' }, { filter: 'f'.repeat(200) }, { page_num: '1e3' }] as Record<string, string | number>[]) {
          replies.push(await admin('GET', '/api/v1/meeting_rooms', undefined, q));
          replies.push(await as('alice', 'GET', '/api/v1/meeting_room', undefined, q));
        }
        for (const r of replies) {
          assert.ok(r.status < 500, `server error ${r.status}: ${r.text}`);
          if (r.status >= 400) assert.match(r.body?.errorCode ?? '', /^0x[0-9a-f]{8}$/, r.text);
        }
        assert.equal((await admin('GET', `/api/v1/meeting_rooms/${room.meeting_room_id}`)).body.owner_id, ids.alice, 'target unharmed');
      });
    });
  });

  describe(`meeting numbers at start [${dialect}]`, () => {
    it('a start frees numbers still held for meetings, series or rooms that no longer exist (accounts deleted by older versions)', async () => {
      const first = await startTestServer(dialect);
      const row = (number: string, holder_kind: string) => ({ number, holder_kind, holder_id: randomUUID(), created_at: Date.now() });
      await first.server.database.db
        .insertInto('meeting_numbers')
        .values([row('700000001', 'reservation'), row('700000002', 'series'), row('700000003', 'room')])
        .execute();
      await first.close({ keepStorage: true });
      const second = await startTestServer(dialect, {}, { storage: first.storage });
      try {
        const left = await second.server.database.db.selectFrom('meeting_numbers').select('number').where('number', 'like', '70000000%').execute();
        assert.deepEqual(left, []);
        assert.ok(second.logs.some((l) => l.includes('freed the meeting numbers')), 'the start says so in the log');
      } finally {
        await second.close();
      }
    });
  });

  describe(`CONVENE_MIN_PASSCODE_LENGTH=8: rooms and meetings [${dialect}]`, () => {
    let t: TestServer;
    let owner: string;
    before(async () => {
      t = await startTestServer(dialect, { CONVENE_MIN_PASSCODE_LENGTH: '8' });
      owner = await t.createUser('pinner', 'pinner-pw-1');
    });
    after(() => t.close());
    const admin = async (method: string, path: string, body: unknown) =>
      t.call(method, path, { query: { client_id: 'admin-console', token: await t.adminToken() }, body });

    it('generated passcodes have 8 digits; 7 chosen digits → 400 0x10000001 naming meeting_password; 8 and "" are accepted', async () => {
      const generated = await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Generated', owner_id: owner });
      assert.match(generated.body.meeting_password, /^[0-9]{8}$/);
      assertError(await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Seven', owner_id: owner, meeting_password: '1234567' }), 400, '0x10000001', 'meeting_password');
      assert.match((await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Open', owner_id: owner, meeting_password: '' })).text, /"meeting_password":""/);
      assert.equal((await admin('POST', '/api/v1/meeting_rooms', { meetingroom_name: 'Eight', owner_id: owner, meeting_password: '12345678' })).status, 200);

      const instant = await admin('POST', '/api/v1/meeting_schedule', { meeting_type: 'instant', meeting_name: 'Now' });
      assert.match(instant.body.meeting_password, /^[0-9]{8}$/);
      const start = Date.now() + 86_400_000;
      const reservation = (meeting_password: string) =>
        admin('POST', '/api/v1/meeting_schedule', { meeting_type: 'reservation', meeting_name: 'Pin', schedule_start_time: start, schedule_end_time: start + 3_600_000, meeting_password });
      assertError(await reservation('1234567'), 400, '0x10000001', 'meeting_password');
      assert.equal((await reservation('12345678')).status, 200);
    });
  });
}
