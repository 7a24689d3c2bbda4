import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KyselyAccountsStore } from '../../src/accounts/accounts.repo.ts';
import type { Caller } from '../../src/accounts/caller.ts';
import { KyselyPeopleLookup } from '../../src/accounts/people.repo.ts';
import type { Role, User } from '../../src/accounts/user.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { ManualClock } from '../../src/kernel/clock.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { asUserId } from '../../src/kernel/ids.ts';
import type { MeetingRoom } from '../../src/rooms/room.ts';
import { KyselyRoomsStore } from '../../src/rooms/rooms.repo.ts';
import { RoomsService } from '../../src/rooms/rooms.service.ts';
import { KyselyMeetingNumberRegistry } from '../../src/scheduling/meeting-number.repo.ts';
import { testDialects } from '../support/dialects.ts';
import { openTestDatabase, reservationRow } from '../support/storage.ts';

/** Beyond 2^32 so a 32-bit or string read would show. */
const T = 1_900_000_000_123;

function makeUser(name: string, role: Role, realName = ''): User {
  return {
    id: asUserId(`id-${name}`),
    username: name,
    realName,
    email: '',
    department: '',
    mobile: '',
    role,
    securityLevel: 'NORMAL',
    secretHash: 'x',
    locked: false,
    freezeEpoch: 0,
    frozenUntil: 0,
    passwordChangedAt: T,
    createdAt: T,
    updatedAt: T,
  };
}

async function rejectsWith(promise: Promise<unknown>, kind: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}

for (const dialect of testDialects()) {
  describe(`KyselyRoomsStore and RoomsService [${dialect}]`, () => {
    let handle: DatabaseHandle;
    let store: KyselyRoomsStore;
    let service: RoomsService;
    let closeDatabase: (() => Promise<void>) | undefined;
    const clock = new ManualClock(T);
    const users = {
      admin: makeUser('admin', 'SystemAdmin', 'The Admin'),
      operator: makeUser('operator', 'MeetingOperator'),
      owner: makeUser('owner', 'Normal', 'Olga Owner'),
      other: makeUser('other', 'Normal'),
    };
    const caller = (u: User): Caller => ({ clientId: `client-${u.username}`, user: u });

    const room = (n: number, overrides: Partial<MeetingRoom> = {}): MeetingRoom => ({
      id: `room-${n}`,
      meetingNumber: `90000000${n}`,
      name: `Room ${n}`,
      password: '123456',
      lobby: 'off',
      ownerId: users.owner.id,
      creatorId: users.admin.id,
      createdAt: T + n,
      updatedAt: T + n,
      ...overrides,
    });

    const insertReservation = async (roomId: string | null, start: number, end: number, seriesId: string | null = null) => {
      const row = reservationRow({ owner_id: users.owner.id, meeting_number: '555555555', room_id: roomId, series_id: seriesId, start_time: start, end_time: end, created_at: T, updated_at: T });
      await handle.db.insertInto('reservations').values(row).execute();
      return row.id;
    };

    before(async () => {
      ({ handle, close: closeDatabase } = await openTestDatabase(dialect, 'convene-rooms-'));
      const accounts = new KyselyAccountsStore(handle.db, handle.dialect);
      for (const u of Object.values(users)) await accounts.users.insert(u);
      store = new KyselyRoomsStore(handle.db, (db) => new KyselyMeetingNumberRegistry(db, 9, () => clock.now()));
      service = new RoomsService(store, new KyselyPeopleLookup(handle.db), clock, { minPasscodeLength: 6 });
    });
    after(() => closeDatabase?.());

    describe(`repository [${dialect}]`, () => {
      it('insert → findById and findByNumber return the room unchanged, timestamps as numbers beyond 2^32', async () => {
        const r = room(1);
        await store.rooms.insert(r);
        assert.deepEqual(await store.rooms.findById('room-1'), r);
        assert.deepEqual(await store.rooms.findByNumber('900000001'), r);
        assert.equal(await store.rooms.findById('room-404'), undefined);
        assert.equal(await store.rooms.findByNumber('000'), undefined);
      });

      it('update() saves name, password, owner and updatedAt but never the number, creator or creation time', async () => {
        const r = room(2);
        await store.rooms.insert(r);
        await store.rooms.update({ ...r, name: 'Renamed', password: '', ownerId: users.other.id, meetingNumber: '111', creatorId: 'x', createdAt: 1, updatedAt: T + 99 });
        assert.deepEqual(await store.rooms.findById('room-2'), { ...r, name: 'Renamed', password: '', ownerId: users.other.id, updatedAt: T + 99 });
      });

      it('listByOwner() pages the owner\'s rooms by name ignoring case; search() filters name or number literally', async () => {
        await store.rooms.insert(room(3, { name: 'beta', ownerId: users.operator.id }));
        await store.rooms.insert(room(4, { name: 'Alpha', ownerId: users.operator.id }));
        await store.rooms.insert(room(5, { name: 'GAMMA_1', ownerId: users.operator.id }));
        const page = await store.rooms.listByOwner(users.operator.id, 0, 2);
        assert.deepEqual(page.rooms.map((r) => r.name), ['Alpha', 'beta']);
        assert.equal(page.total, 3);
        assert.deepEqual((await store.rooms.listByOwner(users.operator.id, 2, 2)).rooms.map((r) => r.name), ['GAMMA_1']);
        assert.deepEqual((await store.rooms.search('a_1', 0, 10)).rooms.map((r) => r.name), ['GAMMA_1'], '_ is literal');
        assert.deepEqual((await store.rooms.search('A_', 0, 10)).rooms.map((r) => r.name), ['GAMMA_1']);
        assert.deepEqual((await store.rooms.search('900000004', 0, 10)).rooms.map((r) => r.id), ['room-4']);
        assert.equal((await store.rooms.search('', 0, 100)).total, 5);
      });

      it('a transaction commits the claimed number and the room together, and rolls both back on failure', async () => {
        let claimed = '';
        await assert.rejects(
          store.transaction(async (tx) => {
            claimed = await tx.numbers.claim('room', 'room-doomed');
            // No such owner: the foreign key fails the insert.
            await tx.rooms.insert(room(6, { id: 'room-doomed', meetingNumber: claimed, ownerId: asUserId('nobody') }));
          }),
        );
        assert.match(claimed, /^[1-9][0-9]{8}$/);
        const held = await handle.db.selectFrom('meeting_numbers').select('number').where('number', '=', claimed).execute();
        assert.deepEqual(held, [], 'the number claim was rolled back with the room');
        assert.equal(await store.rooms.findById('room-doomed'), undefined);
      });

      it('usage: counts meetings not yet ended and series with an occurrence not yet ended; detachEnded unlinks the rest', async () => {
        await store.rooms.insert(room(7));
        assert.deepEqual(await store.usage.upcoming('room-7', T), { meetings: 0, series: 0 });
        const past = await insertReservation('room-7', T - 7200, T - 3600);
        const ending = await insertReservation('room-7', T - 3600, T);
        assert.deepEqual(await store.usage.upcoming('room-7', T), { meetings: 0, series: 0 }, 'end_time = now has ended');
        const running = await insertReservation('room-7', T - 3600, T + 1);
        assert.deepEqual(await store.usage.upcoming('room-7', T), { meetings: 1, series: 0 });
        await handle.db.deleteFrom('reservations').where('id', '=', running).execute();
        await store.usage.detachEnded('room-7', T);
        const rows = await handle.db.selectFrom('reservations').select(['id', 'room_id']).where('id', 'in', [past, ending]).execute();
        assert.deepEqual(rows.map((r) => r.room_id), [null, null]);
      });

      it('releaseUnheld(): frees numbers whose holder is gone, unless a meeting not yet ended uses them; keeps held ones', async () => {
        const registry = new KyselyMeetingNumberRegistry(handle.db, 9, () => clock.now());
        const hold = (number: string, kind: string, holder: string) =>
          handle.db.insertInto('meeting_numbers').values({ number, holder_kind: kind, holder_id: holder, created_at: T }).execute();
        await store.rooms.insert(room(9, { meetingNumber: '800000009' }));
        await hold('800000009', 'room', 'room-9'); // a room that exists
        const kept = await insertReservation(null, T, T + 3600);
        await handle.db.updateTable('reservations').set({ meeting_number: '800000001' }).where('id', '=', kept).execute();
        await hold('800000001', 'reservation', kept); // a meeting that exists
        await hold('800000002', 'reservation', 'deleted-meeting');
        await hold('800000003', 'series', 'deleted-series');
        await hold('800000004', 'room', 'deleted-room');
        await hold('800000005', 'room', 'deleted-busy-room'); // still used by a meeting that has not ended …
        const busy = await insertReservation(null, T - 3600, T + 1);
        await handle.db.updateTable('reservations').set({ meeting_number: '800000005' }).where('id', '=', busy).execute();
        await hold('800000006', 'room', 'deleted-quiet-room'); // … unlike this one, whose meeting has ended
        const ended = await insertReservation(null, T - 3600, T);
        await handle.db.updateTable('reservations').set({ meeting_number: '800000006' }).where('id', '=', ended).execute();

        assert.equal(await registry.releaseUnheld(T), 4);
        const left = await handle.db.selectFrom('meeting_numbers').select('number').where('number', 'like', '80000000%').orderBy('number').execute();
        assert.deepEqual(left.map((r) => r.number), ['800000001', '800000005', '800000009']);
        assert.equal(await registry.releaseUnheld(T + 1), 1, 'the busy room\'s number once its meeting has ended');
      });
    });

    describe(`RoomsService [${dialect}]`, () => {
      it('create() by an admin: number of the configured length claimed for the room, creator = caller, times from the clock', async () => {
        clock.advance(1000);
        const { room: r, owner, creator } = await service.create(caller(users.admin), { name: '  Spaced  ', ownerId: users.owner.id });
        assert.equal(r.name, 'Spaced', 'names are trimmed');
        assert.match(r.meetingNumber, /^[1-9][0-9]{8}$/);
        assert.match(r.password, /^[0-9]{6}$/);
        assert.equal(r.creatorId, users.admin.id);
        assert.equal(r.createdAt, clock.now());
        assert.equal(owner?.realName, 'Olga Owner');
        assert.equal(creator?.username, 'admin');
        const holder = await handle.db.selectFrom('meeting_numbers').selectAll().where('number', '=', r.meetingNumber).executeTakeFirstOrThrow();
        assert.deepEqual([holder.holder_kind, holder.holder_id], ['room', r.id]);
      });

      it('create() from the command line ("system") has creator ""; only a SystemAdmin may create', async () => {
        const { room: r, creator } = await service.create('system', { name: 'CLI room', ownerId: users.other.id, password: '' });
        assert.equal(r.creatorId, '');
        assert.equal(creator, undefined);
        assert.equal(r.password, '');
        await rejectsWith(service.create(caller(users.operator), { name: 'x', ownerId: users.other.id }), 'permission.denied');
        await rejectsWith(service.create(caller(users.owner), { name: 'x', ownerId: users.owner.id }), 'permission.denied');
        await rejectsWith(service.create({ clientId: 'anon' }, { name: 'x', ownerId: users.owner.id }), 'auth.required');
      });

      it('create() and update() check name, password and owner even without the HTTP schema', async () => {
        await rejectsWith(service.create('system', { name: '   ', ownerId: users.owner.id }), 'input.invalid', /^meetingroom_name/);
        await rejectsWith(service.create('system', { name: 'x'.repeat(129), ownerId: users.owner.id }), 'input.tooLong', /^meetingroom_name/);
        await rejectsWith(service.create('system', { name: 'x', ownerId: users.owner.id, password: '12a' }), 'input.format', /^meeting_password/);
        await rejectsWith(service.create('system', { name: 'x', ownerId: users.owner.id, password: '1'.repeat(17) }), 'input.tooLong', /^meeting_password/);
        await rejectsWith(service.create('system', { name: 'x', ownerId: 'ghost' }), 'input.invalid', /^owner_id/);
        const { room: r } = await service.create('system', { name: 'Checked', ownerId: users.owner.id });
        await rejectsWith(service.update('system', r.id, { ownerId: 'ghost' }), 'input.invalid', /^owner_id/);
        await rejectsWith(service.update('system', 'room-nope', { name: 'y' }), 'notFound', /^meeting_room_id/);
      });

      it('a passcode shorter than the minimum (6) is refused on create and when changed; "" and a kept short one pass', async () => {
        await rejectsWith(service.create('system', { name: 'Short', ownerId: users.owner.id, password: '12345' }), 'input.invalid', /^meeting_password: must be at least 6 digits/);
        const { room: open } = await service.create('system', { name: 'Open', ownerId: users.owner.id, password: '' });
        assert.equal(open.password, '');
        await rejectsWith(service.update('system', open.id, { password: '1234' }), 'input.invalid', /^meeting_password/);
        // A room from before the minimum keeps its short passcode through edits that send it back.
        await store.rooms.insert(room(8, { password: '42' }));
        const { room: kept } = await service.update('system', 'room-8', { name: 'Renamed', password: '42' });
        assert.deepEqual([kept.name, kept.password], ['Renamed', '42']);
        const { room: longer } = await service.update('system', 'room-8', { password: '424242' });
        assert.equal(longer.password, '424242');
      });

      it('forMeeting(): the owner, a MeetingOperator and a SystemAdmin get the room; anyone else permission.denied; unknown notFound', async () => {
        const { room: r } = await service.create('system', { name: 'Meeting place', ownerId: users.owner.id, password: '246802' });
        for (const u of [users.owner, users.operator, users.admin]) {
          const got = await service.forMeeting(caller(u), r.id);
          assert.deepEqual([got.id, got.meetingNumber, got.password], [r.id, r.meetingNumber, '246802'], u.username);
        }
        await rejectsWith(service.forMeeting(caller(users.other), r.id), 'permission.denied', /^meeting_room_id/);
        await rejectsWith(service.forMeeting(caller(users.other), 'room-unknown'), 'notFound', /^meeting_room_id/);
        await rejectsWith(service.forMeeting({ clientId: 'guest' }, r.id), 'auth.required');
      });

      it('delete() is refused while a meeting has not ended by the clock, allowed after; it frees the number', async () => {
        const { room: r } = await service.create('system', { name: 'Clocked', ownerId: users.owner.id });
        const now = clock.now();
        await insertReservation(r.id, now + 60_000, now + 120_000);
        await rejectsWith(service.delete('system', r.id), 'operation.forbidden', /1 upcoming meeting/);
        await rejectsWith(service.delete(caller(users.operator), r.id), 'permission.denied');
        clock.advance(120_000);
        await service.delete('system', r.id);
        assert.equal(await store.rooms.findById(r.id), undefined);
        const held = await handle.db.selectFrom('meeting_numbers').select('number').where('number', '=', r.meetingNumber).execute();
        assert.deepEqual(held, []);
        await rejectsWith(service.delete('system', r.id), 'notFound');
      });

      it('listOwn() needs a signed-in caller; listAll() a SystemAdmin or MeetingOperator', async () => {
        await rejectsWith(service.listOwn({ clientId: 'anon' }), 'auth.required');
        await rejectsWith(service.listAll(caller(users.owner), { pageNum: 1, pageSize: 10, filter: '' }), 'permission.denied');
        const all = await service.listAll(caller(users.operator), { pageNum: 1, pageSize: 100_000, filter: '' });
        assert.equal(all.pageSize, 500, 'page size is capped');
        const mine = await service.listOwn(caller(users.other));
        assert.ok(mine.rooms.every((v) => v.room.ownerId === users.other.id));
        assert.ok(mine.total >= 1);
      });
    });
  });
}
