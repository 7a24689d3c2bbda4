import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DirectoryEntry, DirectoryIndex, DIRECTORY_TTL_MS } from '../../src/accounts/directory-index.ts';
import type { Session } from '../../src/accounts/ports.ts';
import { type Authenticated, SessionCache, SESSION_CACHE_TTL_MS } from '../../src/accounts/session-cache.ts';
import type { User } from '../../src/accounts/user.ts';
import { InFlight } from '../../src/http/in-flight.ts';
import { asUserId } from '../../src/kernel/ids.ts';

function authenticated(token: string, userId: string, lastUsedAt = 1000): Authenticated {
  const user = { id: asUserId(userId), username: userId, role: 'Normal', locked: false } as User;
  const session: Session = { tokenHash: token, userId: user.id, clientId: 'c', createdAt: 1000, lastUsedAt };
  return { session, user };
}

describe('SessionCache', () => {
  it('answers within the TTL and forgets at the TTL', () => {
    let now = 0;
    const cache = new SessionCache(() => now);
    cache.put('t1', authenticated('t1', 'u1'), cache.begin());
    now = SESSION_CACHE_TTL_MS - 1;
    assert.equal(cache.get('t1')?.user.id, 'u1');
    now = SESSION_CACHE_TTL_MS;
    assert.equal(cache.get('t1'), undefined);
    assert.equal(cache.size, 0);
  });

  it('hands out copies: changing one does not change the cached entry', () => {
    const cache = new SessionCache(() => 0);
    const value = authenticated('t1', 'u1');
    cache.put('t1', value, cache.begin());
    value.user.role = 'SystemAdmin';
    const first = cache.get('t1')!;
    assert.equal(first.user.role, 'Normal');
    first.user.role = 'SystemAdmin';
    first.session.lastUsedAt = 0;
    assert.equal(cache.get('t1')!.user.role, 'Normal');
    assert.equal(cache.get('t1')!.session.lastUsedAt, 1000);
  });

  it('keeps at most the given number of entries, dropping the oldest', () => {
    const cache = new SessionCache(() => 0, SESSION_CACHE_TTL_MS, 3);
    for (const t of ['a', 'b', 'c', 'd']) cache.put(t, authenticated(t, 'u'), cache.begin());
    assert.equal(cache.size, 3);
    assert.equal(cache.get('a'), undefined);
    assert.ok(cache.get('b') && cache.get('d'));
    // Storing an existing token again makes it the newest.
    cache.put('b', authenticated('b', 'u'), cache.begin());
    cache.put('e', authenticated('e', 'u'), cache.begin());
    assert.equal(cache.get('c'), undefined);
    assert.ok(cache.get('b'));
  });

  it('drops a fill that overlapped any invalidation (it may hold rows from before the write)', () => {
    const cache = new SessionCache(() => 0);
    const generation = cache.begin();
    cache.forgetUser(asUserId('someone-else'));
    cache.put('t1', authenticated('t1', 'u1'), generation);
    assert.equal(cache.get('t1'), undefined);
    cache.put('t1', authenticated('t1', 'u1'), cache.begin());
    assert.ok(cache.get('t1'));
  });

  it('forgetToken, forgetUser and forgetExpired drop exactly their entries; touch moves lastUsedAt', () => {
    const cache = new SessionCache(() => 0);
    const put = (t: string, u: string, at: number) => cache.put(t, authenticated(t, u, at), cache.begin());
    put('a1', 'alice', 100);
    put('a2', 'alice', 500);
    put('b1', 'bob', 100);
    put('c1', 'carol', 900);
    cache.forgetToken('a2');
    assert.equal(cache.get('a2'), undefined);
    assert.ok(cache.get('a1'));
    cache.forgetUser(asUserId('alice'));
    assert.equal(cache.get('a1'), undefined);
    assert.ok(cache.get('b1'));
    cache.touch('b1', 800);
    assert.equal(cache.get('b1')!.session.lastUsedAt, 800);
    cache.touch('unknown', 800);
    assert.equal(cache.get('unknown'), undefined, 'touch does not create entries');
    cache.forgetExpired({ usedBefore: 850, createdBefore: 0 });
    assert.equal(cache.get('b1'), undefined);
    assert.ok(cache.get('c1'));
    // Created at 1000: gone once sessions created before 1001 have expired, however recently used.
    cache.forgetExpired({ usedBefore: 0, createdBefore: 1001 });
    assert.equal(cache.get('c1'), undefined);
  });
});

describe('DirectoryIndex', () => {
  const entry = (username: string, realName = ''): DirectoryEntry => ({
    summary: { id: asUserId(`id-${username}`), username, realName },
    usernameKey: username.toLowerCase(),
    realNameKey: realName.toLowerCase(),
  });

  function index(rows: DirectoryEntry[]) {
    let now = 0;
    let loads = 0;
    const current = { rows };
    const dir = new DirectoryIndex(
      async () => {
        loads++;
        return current.rows;
      },
      () => now,
    );
    return {
      dir,
      current,
      loads: () => loads,
      advance: (ms: number) => {
        now += ms;
      },
    };
  }

  it('matches the username or real name ignoring case (full Unicode), in load order, paged, with the total', async () => {
    const { dir } = index([entry('anna', 'Anna Ångström'), entry('Bert', 'Bert B'), entry('carl', 'ZOË Carl'), entry('dora')]);
    assert.deepEqual((await dir.search('', 0, 10)).users.map((u) => u.username), ['anna', 'Bert', 'carl', 'dora']);
    assert.deepEqual(await dir.search('', 1, 2), {
      users: [
        { id: 'id-Bert', username: 'Bert', realName: 'Bert B' },
        { id: 'id-carl', username: 'carl', realName: 'ZOË Carl' },
      ],
      total: 4,
    });
    assert.deepEqual((await dir.search('BERT', 0, 10)).users.map((u) => u.username), ['Bert']);
    assert.deepEqual((await dir.search('åNG', 0, 10)).users.map((u) => u.username), ['anna']);
    assert.deepEqual((await dir.search('zoë', 0, 10)).users.map((u) => u.username), ['carl']);
    const paged = await dir.search('r', 2, 1);
    assert.deepEqual(paged.users.map((u) => u.username), ['carl']);
    assert.equal(paged.total, 4, 'anna (Ångström), Bert, carl, dora');
    assert.deepEqual(await dir.search('r', 10, 5), { users: [], total: 4 });
    assert.deepEqual((await dir.search('%', 0, 10)).users, [], 'no wildcards');
  });

  it('agrees with a plain per-entry substring test on random directories (each entry once, in order, paged)', async () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const word = (max: number) => Array.from({ length: random(max) }, () => 'abAB ä'[random(6)]).join('');
    for (let round = 0; round < 50; round++) {
      const entries = Array.from({ length: random(40) }, (_, i) => entry(`${word(5)}${i}`, word(6)));
      const { dir } = index(entries);
      for (const filter of ['a', 'ab', 'ba', 'Ä', 'a a', ' ', 'b0', '1', 'aba', 'bAb', 'ab a', 'äb', 'a1', word(3) || 'x', word(5) || 'y']) {
        const needle = filter.toLowerCase();
        const expected = entries.filter((e) => e.usernameKey.includes(needle) || e.realNameKey.includes(needle)).map((e) => e.summary);
        const [offset, limit] = [random(5), 1 + random(10)];
        assert.deepEqual(await dir.search(filter, offset, limit), { users: expected.slice(offset, offset + limit), total: expected.length }, filter);
      }
    }
  });

  it('a match in both the username and the real name, or ending where the next entry starts, counts once', async () => {
    const { dir } = index([entry('xa', 'ax'), entry('ab', 'b'), entry('ba', '')]);
    // "xa" + "ax": "a" in both keys of the first entry; "ab" must not match across the first entry's end.
    assert.deepEqual(await dir.search('a', 0, 10), { users: [entry('xa', 'ax').summary, entry('ab', 'b').summary, entry('ba').summary], total: 3 });
    assert.deepEqual((await dir.search('xab', 0, 10)).total, 0);
    assert.deepEqual((await dir.search('axa', 0, 10)).total, 0, 'no match across the username and the real name');
    assert.deepEqual((await dir.search('ba', 0, 10)).users.map((u) => u.username), ['ba']);
  });

  it('loads once, again after invalidate() and after the TTL', async () => {
    const t = index([entry('anna')]);
    await t.dir.search('', 0, 10);
    await t.dir.search('a', 0, 10);
    assert.equal(t.loads(), 1);
    t.current.rows = [entry('anna'), entry('bert')];
    t.dir.invalidate();
    assert.equal((await t.dir.search('', 0, 10)).total, 2);
    assert.equal(t.loads(), 2);
    t.current.rows = [entry('anna')];
    t.advance(DIRECTORY_TTL_MS - 1);
    assert.equal((await t.dir.search('', 0, 10)).total, 2, 'still the loaded directory');
    t.advance(1);
    assert.equal((await t.dir.search('', 0, 10)).total, 1);
    assert.equal(t.loads(), 3);
  });

  it('concurrent searches share one load; a load that overlapped a write is not kept', async () => {
    let release!: () => void;
    let loads = 0;
    let rows = [entry('anna')];
    const dir = new DirectoryIndex(async () => {
      loads++;
      const snapshot = rows;
      if (loads === 1) await new Promise<void>((r) => (release = r));
      return snapshot;
    });
    const first = dir.search('', 0, 10);
    const second = dir.search('', 0, 10);
    await Promise.resolve();
    assert.equal(loads, 1, 'one load for both');
    rows = [entry('anna'), entry('bert')];
    dir.invalidate();
    const third = dir.search('', 0, 10);
    release();
    assert.equal((await first).total, 1);
    assert.equal((await second).total, 1);
    assert.equal((await third).total, 2, 'a search after the write does not get the load from before it');
    assert.equal((await dir.search('', 0, 10)).total, 2);
    assert.equal(loads, 2);
  });
});

describe('InFlight', () => {
  it('idle() resolves when the last tracked work settles, and false after its timeout', async () => {
    const inFlight = new InFlight();
    assert.equal(await inFlight.idle(10), true);
    let finish!: () => void;
    const work = inFlight.track(() => new Promise<void>((r) => (finish = r)));
    const failing = inFlight.track(async () => {
      throw new Error('boom');
    });
    await assert.rejects(failing, /boom/);
    assert.equal(inFlight.count, 1, 'a failed handler is no longer in flight');
    assert.equal(await inFlight.idle(20), false);
    const idle = inFlight.idle(10_000);
    finish();
    await work;
    assert.equal(await idle, true);
    assert.equal(inFlight.count, 0);
  });
});
