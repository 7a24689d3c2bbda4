import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { KyselyAccountsStore } from '../../src/accounts/accounts.repo.ts';
import type { Session } from '../../src/accounts/ports.ts';
import type { User } from '../../src/accounts/user.ts';
import type { DatabaseHandle } from '../../src/db/database.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { DomainError } from '../../src/kernel/domain-error.ts';
import { asUserId } from '../../src/kernel/ids.ts';
import { testDialects } from '../support/dialects.ts';
import { openTestDatabase } from '../support/storage.ts';

/** Beyond 2^32 (and 2^31) so a 32-bit or string read would show. */
const T = 1_900_000_000_123;

function makeUser(n: number | string, overrides: Partial<User> = {}): User {
  return {
    id: asUserId(`user-${n}`),
    username: `user${n}`,
    realName: `Real Name ${n}`,
    email: `user${n}@example.org`,
    department: 'Engineering',
    mobile: '+49 30 1234',
    role: 'Normal',
    securityLevel: 'NORMAL',
    secretHash: `$argon2id$fake$${n}`,
    locked: false,
    freezeEpoch: 0,
    frozenUntil: 0,
    passwordChangedAt: T,
    createdAt: T + 1,
    updatedAt: T + 2,
    ...overrides,
  };
}

const makeSession = (token: string, user: User, clientId = 'client-a', at = T): Session => ({
  tokenHash: token,
  userId: user.id,
  clientId,
  createdAt: at,
  lastUsedAt: at,
});

async function rejectsWith(promise: Promise<unknown>, kind: string, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof DomainError, `expected a DomainError, got ${String(e)}`);
    assert.equal(e.kind, kind);
    if (message) assert.match(e.message, message);
    return true;
  });
}

for (const dialect of testDialects()) {
  describe(`KyselyAccountsStore [${dialect}]`, () => {
    let handle: DatabaseHandle;
    let store: KyselyAccountsStore;
    let closeDatabase: (() => Promise<void>) | undefined;
    let firstMigration: string[];

    before(async () => {
      const opened = await openTestDatabase(dialect, 'convene-repo-');
      ({ handle, applied: firstMigration, close: closeDatabase } = opened);
      assert.equal(handle.dialect, dialect);
      store = new KyselyAccountsStore(handle.db, handle.dialect);
    });

    afterEach(async () => {
      await handle.db.deleteFrom('sessions').execute();
      await handle.db.deleteFrom('users').execute();
      // Those deletes went around the store, so its caches would still hold them: each test starts with a fresh store.
      store = new KyselyAccountsStore(handle.db, handle.dialect);
    });

    after(() => closeDatabase?.());

    describe('migrations', () => {
      it('migrateToLatest() applies every migration in order on a fresh database and nothing on a second run', async () => {
        assert.deepEqual(firstMigration, ['001-accounts', '002-scheduling', '003-live', '004-sign-in-freeze', '005-bounded-lists', '006-session-nodes', '010-recordings', '020-chat', '021-lobby']);
        assert.deepEqual(await migrateToLatest(handle.db), []);
      });
    });

    describe('users', () => {
      it('users.insert() then findById() returns the same user', async () => {
        const u = makeUser(1, { role: 'MeetingOperator', securityLevel: 'HIGH', locked: true, freezeEpoch: 2, frozenUntil: T + 9 });
        await store.users.insert(u);
        assert.deepEqual(await store.users.findById(u.id), u);
      });

      it('users.findById() of an unknown id → undefined', async () => {
        await store.users.insert(makeUser(1));
        assert.equal(await store.users.findById(asUserId('user-404')), undefined);
      });

      it('users.findByUsername() ignores case and keeps the spelling as entered', async () => {
        const u = makeUser(1, { username: 'Alice.Smith' });
        await store.users.insert(u);
        const found = await store.users.findByUsername('aLICE.sMITH');
        assert.equal(found?.id, u.id);
        assert.equal(found?.username, 'Alice.Smith');
        assert.equal(await store.users.findByUsername('alice'), undefined);
      });

      it('users.insert() of a username taken in another case → data.conflict naming the username', async () => {
        await store.users.insert(makeUser(1, { username: 'alice' }));
        await rejectsWith(store.users.insert(makeUser(2, { username: 'ALICE' })), 'data.conflict', /ALICE/);
        assert.equal(await store.users.findById(asUserId('user-2')), undefined);
        assert.equal(await store.users.count(), 1);
      });

      it('users.update() to a username another user has → data.conflict and nothing changes', async () => {
        await store.users.insert(makeUser(1, { username: 'alice' }));
        const bob = makeUser(2, { username: 'bob' });
        await store.users.insert(bob);
        await rejectsWith(store.users.update({ ...bob, username: 'Alice', realName: 'changed' }), 'data.conflict', /Alice/);
        const after = await store.users.findById(bob.id);
        assert.equal(after?.username, 'bob');
        assert.equal(after?.realName, bob.realName);
      });

      it('users.update() saves profile changes, including a new case of the own username', async () => {
        const u = makeUser(1, { username: 'alice' });
        await store.users.insert(u);
        const changed: User = { ...u, username: 'Alice', realName: 'Alice A', email: 'a@example.org', role: 'SystemAdmin', locked: true, updatedAt: T + 50 };
        await store.users.update(changed);
        assert.deepEqual(await store.users.findById(u.id), changed);
        assert.equal((await store.users.findByUsername('ALICE'))?.id, u.id);
      });

      it('users.update() leaves the freeze state alone (noteFreeze and clearFreezes own it)', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.users.noteFreeze(u.id, T + 300_000);
        await store.users.clearFreezes(u.id);
        await store.users.noteFreeze(u.id, T + 600_000);
        await store.users.update({ ...u, realName: 'Renamed' });
        const after = await store.users.findById(u.id);
        assert.equal(after?.realName, 'Renamed');
        assert.equal(after?.freezeEpoch, 1);
        assert.equal(after?.frozenUntil, T + 600_000);
      });

      it('users.noteFreeze() keeps the later end; clearFreezes() clears it and raises the epoch', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.users.noteFreeze(u.id, T + 300_000);
        assert.deepEqual(await store.users.findById(u.id), { ...u, frozenUntil: T + 300_000 });
        await store.users.noteFreeze(u.id, T + 100_000);
        assert.equal((await store.users.findById(u.id))?.frozenUntil, T + 300_000, 'an earlier end does not shorten it');
        await store.users.noteFreeze(u.id, T + 900_000);
        assert.equal((await store.users.findById(u.id))?.frozenUntil, T + 900_000);
        await store.users.clearFreezes(u.id);
        assert.deepEqual(await store.users.findById(u.id), { ...u, freezeEpoch: 1, frozenUntil: 0 });
        await store.transaction((tx) => tx.users.clearFreezes(u.id));
        assert.equal((await store.users.findById(u.id))?.freezeEpoch, 2);
      });

      it('users.delete() removes only that user', async () => {
        await store.users.insert(makeUser(1));
        await store.users.insert(makeUser(2));
        await store.users.delete(asUserId('user-1'));
        assert.equal(await store.users.findById(asUserId('user-1')), undefined);
        assert.equal((await store.users.findById(asUserId('user-2')))?.id, 'user-2');
      });

      it('users.count() and countByRole() count all users, or the unlocked ones of a role', async () => {
        await store.users.insert(makeUser(1, { role: 'SystemAdmin' }));
        await store.users.insert(makeUser(2, { role: 'SystemAdmin', locked: true }));
        await store.users.insert(makeUser(3, { role: 'MeetingOperator' }));
        await store.users.insert(makeUser(4));
        await store.users.insert(makeUser(5));
        assert.equal(await store.users.count(), 5);
        assert.equal(await store.users.countByRole('SystemAdmin'), 2);
        assert.equal(await store.users.countByRole('SystemAdmin', { unlockedOnly: true }), 1);
        assert.equal(await store.users.countByRole('MeetingOperator', { unlockedOnly: true }), 1);
        assert.equal(await store.users.countByRole('Normal'), 2);
        assert.equal(typeof (await store.users.count()), 'number');
      });
    });

    describe('users.search()', () => {
      const names = ['dora', 'Carl', 'bert', 'anna', 'eve'];
      const seed = async () => {
        for (const [i, name] of names.entries()) await store.users.insert(makeUser(i, { username: name, realName: `Person ${name}` }));
      };

      it('users.search() with an empty filter pages through everyone by username, with the total', async () => {
        await seed();
        const all = await store.users.search('', 0, 100);
        assert.deepEqual(all.users.map((u) => u.username), ['anna', 'bert', 'Carl', 'dora', 'eve']);
        assert.equal(all.total, 5);
        const page = await store.users.search('', 2, 2);
        assert.deepEqual(page.users.map((u) => u.username), ['Carl', 'dora']);
        assert.equal(page.total, 5);
        assert.equal(typeof page.total, 'number');
      });

      it('users.search() past the last page → no users and the full total', async () => {
        await seed();
        const page = await store.users.search('', 10, 2);
        assert.deepEqual(page.users, []);
        assert.equal(page.total, 5);
      });

      it('users.search() matches the username or the real name, ignoring case', async () => {
        await store.users.insert(makeUser(1, { username: 'jsmith', realName: 'John Smith' }));
        await store.users.insert(makeUser(2, { username: 'mjones', realName: 'Mary Jones' }));
        await store.users.insert(makeUser(3, { username: 'smithers', realName: 'Waylon' }));
        const bySmith = await store.users.search('SMITH', 0, 10);
        assert.deepEqual(bySmith.users.map((u) => u.username), ['jsmith', 'smithers']);
        assert.equal(bySmith.total, 2);
        const byRealName = await store.users.search('mary jo', 0, 10);
        assert.deepEqual(byRealName.users.map((u) => u.username), ['mjones']);
        assert.equal(byRealName.total, 1);
      });

      it('users.search() pages the filtered result and counts only the matches', async () => {
        for (let i = 0; i < 6; i++) await store.users.insert(makeUser(i, { username: `team${i}` }));
        await store.users.insert(makeUser(9, { username: 'other', realName: 'Other' }));
        const page = await store.users.search('team', 4, 10);
        assert.deepEqual(page.users.map((u) => u.username), ['team4', 'team5']);
        assert.equal(page.total, 6);
      });

      it('users.search() treats % and _ in the filter literally', async () => {
        await store.users.insert(makeUser(1, { username: '50%_off', realName: 'x' }));
        await store.users.insert(makeUser(2, { username: '50xyoff', realName: 'x' }));
        await store.users.insert(makeUser(3, { username: '50%xoff', realName: 'x' }));
        await store.users.insert(makeUser(4, { username: 'a_b', realName: 'x' }));
        await store.users.insert(makeUser(5, { username: 'axb', realName: 'x' }));
        assert.deepEqual((await store.users.search('50%_off', 0, 10)).users.map((u) => u.username), ['50%_off']);
        assert.deepEqual((await store.users.search('_', 0, 10)).users.map((u) => u.username), ['50%_off', 'a_b']);
        assert.deepEqual((await store.users.search('%', 0, 10)).users.map((u) => u.username), ['50%_off', '50%xoff']);
      });

      it('users.search() ignores case in real names beyond ASCII', async () => {
        await store.users.insert(makeUser(1, { username: 'zoe', realName: 'ZOË Ångström' }));
        await store.users.insert(makeUser(2, { username: 'other', realName: 'Other' }));
        assert.deepEqual((await store.users.search('zoë å', 0, 10)).users.map((u) => u.username), ['zoe']);
      });

      it('users.search() treats a backslash in the filter literally', async () => {
        await store.users.insert(makeUser(1, { username: 'back\\slash', realName: 'x' }));
        await store.users.insert(makeUser(2, { username: 'backslash', realName: 'x' }));
        const r = await store.users.search('k\\s', 0, 10);
        assert.deepEqual(r.users.map((u) => u.username), ['back\\slash']);
        assert.equal(r.total, 1);
      });
    });

    describe('sessions', () => {
      it('sessions.insert() then findWithUser() returns the session and its user', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        const s = makeSession('hash-1', u, 'client-a', T + 10);
        await store.sessions.insert(s);
        assert.deepEqual(await store.sessions.findWithUser('hash-1'), { session: s, user: u });
      });

      it('sessions.findWithUser() of an unknown token → undefined', async () => {
        assert.equal(await store.sessions.findWithUser('no-such-hash'), undefined);
      });

      it('sessions.touch() moves lastUsedAt and keeps createdAt', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.sessions.insert(makeSession('hash-1', u));
        await store.sessions.touch('hash-1', T + 60_000);
        const found = await store.sessions.findWithUser('hash-1');
        assert.equal(found?.session.lastUsedAt, T + 60_000);
        assert.equal(found?.session.createdAt, T);
      });

      it('sessions.delete() removes only that token', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.sessions.insert(makeSession('hash-1', u));
        await store.sessions.insert(makeSession('hash-2', u, 'client-b'));
        await store.sessions.delete('hash-1');
        assert.equal(await store.sessions.findWithUser('hash-1'), undefined);
        assert.ok(await store.sessions.findWithUser('hash-2'));
      });

      const seedSessions = async () => {
        const alice = makeUser(1);
        const bob = makeUser(2);
        await store.users.insert(alice);
        await store.users.insert(bob);
        await store.sessions.insert(makeSession('a-phone', alice, 'phone'));
        await store.sessions.insert(makeSession('a-phone-2', alice, 'phone'));
        await store.sessions.insert(makeSession('a-desk', alice, 'desk'));
        await store.sessions.insert(makeSession('b-phone', bob, 'phone'));
        return { alice, bob };
      };
      const remaining = async () =>
        (await handle.db.selectFrom('sessions').select('token_hash').orderBy('token_hash').execute()).map((r) => r.token_hash);

      it('sessions.deleteForUser() removes every session of that user only', async () => {
        const { alice } = await seedSessions();
        await store.sessions.deleteForUser(alice.id);
        assert.deepEqual(await remaining(), ['b-phone']);
      });

      it('sessions.deleteForUser() with exceptTokenHash keeps that one session', async () => {
        const { alice } = await seedSessions();
        await store.sessions.deleteForUser(alice.id, { exceptTokenHash: 'a-desk' });
        assert.deepEqual(await remaining(), ['a-desk', 'b-phone']);
      });

      it('sessions.deleteForUser() with clientId removes only that device\'s sessions', async () => {
        const { alice } = await seedSessions();
        await store.sessions.deleteForUser(alice.id, { clientId: 'phone' });
        assert.deepEqual(await remaining(), ['a-desk', 'b-phone']);
      });

      it('sessions.deleteForUser() with clientId and exceptTokenHash combines both', async () => {
        const { alice } = await seedSessions();
        await store.sessions.deleteForUser(alice.id, { clientId: 'phone', exceptTokenHash: 'a-phone-2' });
        assert.deepEqual(await remaining(), ['a-desk', 'a-phone-2', 'b-phone']);
      });

      it('sessions.deleteExpired() removes sessions last used before usedBefore and keeps the rest', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.sessions.insert(makeSession('old', u, 'c1', T - 1));
        await store.sessions.insert(makeSession('edge', u, 'c2', T));
        await store.sessions.insert(makeSession('new', u, 'c3', T + 1));
        await store.sessions.deleteExpired({ usedBefore: T, createdBefore: 0 });
        assert.deepEqual(await remaining(), ['edge', 'new']);
      });

      it('sessions.deleteExpired() also removes sessions created before createdBefore, however recently used', async () => {
        const u = makeUser(1);
        await store.users.insert(u);
        await store.sessions.insert({ ...makeSession('ancient', u, 'c1', T + 5000), createdAt: T - 1 });
        await store.sessions.insert({ ...makeSession('young', u, 'c2', T + 5000), createdAt: T });
        await store.sessions.deleteExpired({ usedBefore: 0, createdBefore: T });
        assert.deepEqual(await remaining(), ['young']);
      });

      it('users.delete() cascades to the user\'s sessions', async () => {
        const { alice } = await seedSessions();
        await store.users.delete(alice.id);
        assert.deepEqual(await remaining(), ['b-phone']);
      });

      it('sessions.insert() for a user that does not exist is refused', async () => {
        await assert.rejects(store.sessions.insert(makeSession('orphan', makeUser(404))));
        assert.deepEqual(await remaining(), []);
      });
    });

    describe('transactions', () => {
      it('transaction() commits all of its writes when the work succeeds', async () => {
        const u = makeUser(1);
        const result = await store.transaction(async (tx) => {
          await tx.users.insert(u);
          await tx.sessions.insert(makeSession('hash-1', u));
          return 'done';
        });
        assert.equal(result, 'done');
        assert.deepEqual((await store.sessions.findWithUser('hash-1'))?.user, u);
      });

      it('transaction() rolls back every write when the work throws after an insert', async () => {
        const u = makeUser(1);
        const boom = new Error('boom');
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.users.insert(u);
            await tx.sessions.insert(makeSession('hash-1', u));
            assert.ok(await tx.users.findById(u.id), 'visible inside the transaction');
            throw boom;
          }),
          (e) => e === boom,
        );
        assert.equal(await store.users.findById(u.id), undefined);
        assert.equal(await store.sessions.findWithUser('hash-1'), undefined);
        assert.equal(await store.users.count(), 0);
      });

      it('transaction() rolls back earlier writes when a later write conflicts', async () => {
        await store.users.insert(makeUser(1, { username: 'alice' }));
        await rejectsWith(
          store.transaction(async (tx) => {
            await tx.users.insert(makeUser(2, { username: 'bob' }));
            await tx.users.insert(makeUser(3, { username: 'Alice' }));
          }),
          'data.conflict',
        );
        assert.equal(await store.users.findByUsername('bob'), undefined);
        assert.equal(await store.users.count(), 1);
      });

      it('transaction() nested inside another joins it, so the outer failure undoes the inner writes', async () => {
        const u = makeUser(1);
        await assert.rejects(
          store.transaction(async (tx) => {
            await tx.transaction(async (inner) => {
              await inner.users.insert(u);
            });
            throw new Error('outer fails');
          }),
          /outer fails/,
        );
        assert.equal(await store.users.findById(u.id), undefined);
      });
    });

    describe('caches (sessions.findWithUser, users.searchSummaries)', () => {
      /** A store whose cache TTLs run on a clock the test moves. */
      let cached: KyselyAccountsStore;
      let cacheNow = 0;
      before(() => {
        cacheNow = 0;
      });
      const fresh = () => {
        cached = new KyselyAccountsStore(handle.db, handle.dialect, { cacheClock: () => cacheNow });
        return cached;
      };
      /** A write that bypasses the store, as another process (the CLI) on the same database would make. */
      const behindTheStore = (id: string, fields: { locked?: number; role?: string; real_name?: string; real_name_key?: string }) =>
        handle.db.updateTable('users').set(fields).where('id', '=', id).execute();

      const seedCached = async () => {
        const s = fresh();
        const alice = makeUser(1, { role: 'SystemAdmin' });
        const bob = makeUser(2);
        await s.users.insert(alice);
        await s.users.insert(bob);
        await s.sessions.insert(makeSession('a-phone', alice, 'phone'));
        await s.sessions.insert(makeSession('a-desk', alice, 'desk'));
        await s.sessions.insert(makeSession('b-phone', bob, 'phone'));
        // Read once: these are now cached.
        for (const token of ['a-phone', 'a-desk', 'b-phone']) assert.ok(await s.sessions.findWithUser(token));
        return { s, alice, bob };
      };

      it('a cached session answers without the database until the TTL (10 s) has passed', async () => {
        const { s, alice } = await seedCached();
        await behindTheStore(alice.id, { locked: 1, role: 'Normal' });
        cacheNow += 9_999;
        const stale = await s.sessions.findWithUser('a-phone');
        assert.equal(stale?.user.locked, false, 'a write from another process is not seen within the TTL');
        assert.equal(stale?.user.role, 'SystemAdmin');
        cacheNow += 1;
        const seen = await s.sessions.findWithUser('a-phone');
        assert.equal(seen?.user.locked, true);
        assert.equal(seen?.user.role, 'Normal');
      });

      it('sessions.delete() of a cached token (sign-out) → findWithUser() undefined at once', async () => {
        const { s } = await seedCached();
        await s.sessions.delete('a-phone');
        assert.equal(await s.sessions.findWithUser('a-phone'), undefined);
        assert.ok(await s.sessions.findWithUser('a-desk'));
      });

      it('sessions.deleteForUser() (password change, reset, lock) → the user\'s cached tokens end at once, except the kept one', async () => {
        const { s, alice } = await seedCached();
        await s.sessions.deleteForUser(alice.id, { exceptTokenHash: 'a-desk' });
        assert.equal(await s.sessions.findWithUser('a-phone'), undefined);
        assert.ok(await s.sessions.findWithUser('a-desk'));
        assert.ok(await s.sessions.findWithUser('b-phone'));
        await s.sessions.deleteForUser(alice.id, { clientId: 'desk' });
        assert.equal(await s.sessions.findWithUser('a-desk'), undefined);
      });

      it('users.update() (role change, lock, rename) → the next findWithUser() reads the new row', async () => {
        const { s, alice, bob } = await seedCached();
        await s.users.update({ ...alice, role: 'Normal', realName: 'Demoted' });
        const found = await s.sessions.findWithUser('a-phone');
        assert.equal(found?.user.role, 'Normal');
        assert.equal(found?.user.realName, 'Demoted');
        await s.users.update({ ...bob, locked: true });
        assert.equal((await s.sessions.findWithUser('b-phone'))?.user.locked, true);
      });

      it('users.noteFreeze() and clearFreezes() → the next findWithUser() reads the new freeze state', async () => {
        const { s, bob } = await seedCached();
        await s.users.noteFreeze(bob.id, T + 5);
        assert.equal((await s.sessions.findWithUser('b-phone'))?.user.frozenUntil, T + 5);
        await s.users.clearFreezes(bob.id);
        const found = await s.sessions.findWithUser('b-phone');
        assert.equal(found?.user.freezeEpoch, 1);
        assert.equal(found?.user.frozenUntil, 0);
      });

      it('users.delete() → the user\'s cached tokens end at once', async () => {
        const { s, alice } = await seedCached();
        await s.users.delete(alice.id);
        assert.equal(await s.sessions.findWithUser('a-phone'), undefined);
        assert.equal(await s.sessions.findWithUser('a-desk'), undefined);
        assert.ok(await s.sessions.findWithUser('b-phone'));
      });

      it('sessions.touch() moves the cached lastUsedAt too; deleteExpired() drops the idle cached ones', async () => {
        const { s } = await seedCached();
        await s.sessions.touch('a-phone', T + 60_000);
        assert.equal((await s.sessions.findWithUser('a-phone'))?.session.lastUsedAt, T + 60_000);
        await s.sessions.deleteExpired({ usedBefore: T + 1, createdBefore: 0 });
        assert.equal(await s.sessions.findWithUser('b-phone'), undefined);
        assert.equal((await s.sessions.findWithUser('a-phone'))?.session.lastUsedAt, T + 60_000);
      });

      it('writes inside a transaction invalidate again after the commit (a reader may cache pre-commit rows meanwhile)', async () => {
        const { s, alice } = await seedCached();
        let outside: Promise<unknown> | undefined;
        await s.transaction(async (tx) => {
          await tx.users.update({ ...alice, role: 'Normal' });
          await tx.sessions.deleteForUser(alice.id, { exceptTokenHash: 'a-desk' });
          // A request outside the transaction reads meanwhile. On PostgreSQL it runs now and sees the rows from before
          // the commit (and caches them); SQLite's one connection makes it wait for the commit.
          outside = s.sessions.findWithUser('a-desk');
          if (dialect === 'postgres') assert.equal(((await outside) as { user: User }).user.role, 'SystemAdmin', 'pre-commit read');
          // Reads inside the transaction see its own writes and are never cached.
          assert.equal((await tx.sessions.findWithUser('a-desk'))?.user.role, 'Normal');
          assert.equal(await tx.sessions.findWithUser('a-phone'), undefined);
        });
        await outside;
        assert.equal((await s.sessions.findWithUser('a-desk'))?.user.role, 'Normal');
        assert.equal(await s.sessions.findWithUser('a-phone'), undefined);
      });

      it('a rolled-back transaction leaves no cached trace of its writes', async () => {
        const { s, alice } = await seedCached();
        await assert.rejects(
          s.transaction(async (tx) => {
            await tx.users.update({ ...alice, role: 'Normal' });
            await tx.sessions.touch('a-phone', T + 99);
            throw new Error('roll back');
          }),
          /roll back/,
        );
        const found = await s.sessions.findWithUser('a-phone');
        assert.equal(found?.user.role, 'SystemAdmin');
        assert.equal(found?.session.lastUsedAt, T);
      });

      it('searchSummaries() gives what search() gives, for filters, paging and Unicode', async () => {
        const s = fresh();
        const people: [string, string][] = [
          ['dora', 'Dora D'],
          ['Carl', 'Carl Carlsson'],
          ['bert', 'ZOË Ångström'],
          ['anna', ''],
          ['50%_off', 'Percy'],
          ['a_b', 'x'],
          ['back\\slash', 'x'],
          ['İstanbul', 'Straße'],
        ];
        for (const [i, [username, realName]] of people.entries()) await s.users.insert(makeUser(i, { username, realName }));
        for (const filter of ['', 'a', 'A', 'carl', 'zoë å', 'ÅNG', '%', '_', '50%_', '\\', 'k\\s', 'i̇st', 'STRASSE', 'straße', 'nobody']) {
          for (const [offset, limit] of [[0, 100], [0, 2], [2, 2], [7, 5], [50, 5]] as const) {
            const bySql = await s.users.search(filter, offset, limit);
            const fromMemory = await s.users.searchSummaries(filter, offset, limit);
            assert.deepEqual(
              fromMemory,
              { users: bySql.users.map((u) => ({ id: u.id, username: u.username, realName: u.realName })), total: bySql.total },
              `filter ${JSON.stringify(filter)}, offset ${offset}, limit ${limit}`,
            );
          }
        }
      });

      it('searchSummaries() sees users inserted, updated and deleted through the store at once', async () => {
        const s = fresh();
        await s.users.insert(makeUser(1, { username: 'alice', realName: 'Alice' }));
        assert.deepEqual((await s.users.searchSummaries('', 0, 10)).users.map((u) => u.username), ['alice']);
        await s.users.insert(makeUser(2, { username: 'bob', realName: 'Bob' }));
        assert.deepEqual((await s.users.searchSummaries('', 0, 10)).users.map((u) => u.username), ['alice', 'bob']);
        await s.users.update(makeUser(2, { username: 'bob', realName: 'Robert Renamed' }));
        assert.deepEqual((await s.users.searchSummaries('renamed', 0, 10)).users.map((u) => u.username), ['bob']);
        await s.transaction((tx) => tx.users.insert(makeUser(3, { username: 'carol' })));
        assert.equal((await s.users.searchSummaries('', 0, 10)).total, 3);
        await s.users.delete(asUserId('user-1'));
        assert.deepEqual((await s.users.searchSummaries('', 0, 10)).users.map((u) => u.username), ['bob', 'carol']);
      });

      it('searchSummaries() sees writes from another process once the directory TTL (30 s) has passed', async () => {
        const s = fresh();
        await s.users.insert(makeUser(1, { username: 'alice', realName: 'Alice' }));
        assert.equal((await s.users.searchSummaries('wonder', 0, 10)).total, 0);
        await behindTheStore('user-1', { real_name: 'Wonderland', real_name_key: 'wonderland' });
        cacheNow += 29_999;
        assert.equal((await s.users.searchSummaries('wonder', 0, 10)).total, 0);
        cacheNow += 1;
        assert.equal((await s.users.searchSummaries('wonder', 0, 10)).total, 1);
      });
    });

    describe('column types', () => {
      it('bigint timestamps come back as exact JS numbers through the repository', async () => {
        const u = makeUser(1, { frozenUntil: T + 7 });
        await store.users.insert(u);
        await store.sessions.insert(makeSession('hash-1', u, 'c', T + 3));
        const found = await store.sessions.findWithUser('hash-1');
        assert.ok(found);
        for (const [name, value, expected] of [
          ['user.createdAt', found.user.createdAt, T + 1],
          ['user.updatedAt', found.user.updatedAt, T + 2],
          ['user.passwordChangedAt', found.user.passwordChangedAt, T],
          ['user.frozenUntil', found.user.frozenUntil, T + 7],
          ['session.createdAt', found.session.createdAt, T + 3],
          ['session.lastUsedAt', found.session.lastUsedAt, T + 3],
        ] as const) {
          assert.equal(typeof value, 'number', name);
          assert.equal(value, expected, name);
        }
      });

      it('bigint columns are read as JS numbers by the driver itself', async () => {
        await store.users.insert(makeUser(1));
        const row = await handle.db.selectFrom('users').select(['created_at', 'frozen_until', 'locked', 'freeze_epoch']).executeTakeFirstOrThrow();
        assert.equal(typeof row.created_at, 'number');
        assert.equal(row.created_at, T + 1);
        assert.equal(typeof row.frozen_until, 'number');
        assert.equal(typeof row.locked, 'number');
        assert.equal(typeof row.freeze_epoch, 'number');
      });
    });
  });
}
