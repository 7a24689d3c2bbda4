import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Database, Dialect } from '../db/database.ts';
import { isUniqueViolation, likePattern } from '../db/errors.ts';
import { fail } from '../kernel/domain-error.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import type { SessionsTable, UsersTable } from './accounts.table.ts';
import { type DirectoryEntry, DirectoryIndex } from './directory-index.ts';
import type { AccountsStore, ExpiryLimits, Session, SessionRepository, UserPage, UserRepository, UserSummaryPage } from './ports.ts';
import { SessionCache } from './session-cache.ts';
import { isRole, type Role, type User, usernameKey } from './user.ts';

const toUser = (row: Selectable<UsersTable>): User => ({
  id: asUserId(row.id),
  username: row.username,
  realName: row.real_name,
  email: row.email,
  department: row.department,
  mobile: row.mobile,
  role: isRole(row.role) ? row.role : 'Normal',
  securityLevel: row.security_level === 'HIGH' ? 'HIGH' : 'NORMAL',
  secretHash: row.secret_hash,
  locked: row.locked !== 0,
  freezeEpoch: row.freeze_epoch,
  frozenUntil: Number(row.frozen_until),
  passwordChangedAt: Number(row.password_changed_at),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

const toRow = (u: User): Insertable<UsersTable> => ({
  id: u.id,
  username: u.username,
  username_key: usernameKey(u.username),
  real_name: u.realName,
  real_name_key: u.realName.toLowerCase(),
  email: u.email,
  department: u.department,
  mobile: u.mobile,
  role: u.role,
  security_level: u.securityLevel,
  secret_hash: u.secretHash,
  locked: u.locked ? 1 : 0,
  freeze_epoch: u.freezeEpoch,
  frozen_until: u.frozenUntil,
  password_changed_at: u.passwordChangedAt,
  created_at: u.createdAt,
  updated_at: u.updatedAt,
});

const toSession = (row: Selectable<SessionsTable>): Session => ({
  tokenHash: row.token_hash,
  userId: asUserId(row.user_id),
  clientId: row.client_id,
  createdAt: Number(row.created_at),
  lastUsedAt: Number(row.last_used_at),
});

const taken = (username: string) => fail('data.conflict', `username: "${username}" is already taken`);

/**
 * The in-process caches one store and the transaction-bound stores it hands out share (see session-cache.ts and
 * directory-index.ts). Only the store outside a transaction reads them; a transaction reads the database, so it sees
 * its own writes and never caches what it has not committed.
 */
interface Caches {
  sessions: SessionCache;
  directory: DirectoryIndex;
}

/**
 * What a write made stale, as data: applied to this process's caches at once and, through `onStale`, sent to the other
 * nodes of a cluster, which apply it to theirs (so a lock or a sign-out on one node holds on every node at once).
 */
export type Staleness =
  | { kind: 'token'; tokenHash: string }
  /** The user's sessions; `directory` when the user row itself changed (name, role, existence). */
  | { kind: 'user'; userId: UserId; directory: boolean }
  | { kind: 'expired'; limits: ExpiryLimits };

function drop(caches: Caches, s: Staleness): void {
  switch (s.kind) {
    case 'token':
      return caches.sessions.forgetToken(s.tokenHash);
    case 'user':
      caches.sessions.forgetUser(s.userId);
      if (s.directory) caches.directory.invalidate();
      return;
    case 'expired':
      return caches.sessions.forgetExpired(s.limits);
  }
}

/**
 * How a write drops what it makes stale. It runs after the write, even a failed one; inside a transaction it also runs
 * again once the transaction has ended, because a concurrent reader outside it may meanwhile have cached the rows as
 * they were before the commit.
 */
type Invalidate = (stale: Staleness) => void;

/** Runs `write`, then the invalidation (whether or not the write succeeded). */
async function writing<T>(write: Promise<T>, invalidate: Invalidate, stale: Staleness): Promise<T> {
  try {
    return await write;
  } finally {
    invalidate(stale);
  }
}

class KyselyUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly invalidate: Invalidate,
    /** The directory index, for the store outside a transaction; undefined inside one. */
    private readonly directory: DirectoryIndex | undefined,
  ) {}

  async findById(id: UserId): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toUser(row);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const row = await this.db.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
    return row && toUser(row);
  }

  async search(filter: string, offset: number, limit: number): Promise<UserPage> {
    const query = this.matching(filter);
    const [rows, total] = await Promise.all([
      query.selectAll().orderBy('username_key').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { users: rows.map(toUser), total: Number(total.n) };
  }

  async searchSummaries(filter: string, offset: number, limit: number): Promise<UserSummaryPage> {
    if (this.directory) return this.directory.search(filter, offset, limit);
    const query = this.matching(filter);
    // Reading every column of every row on the page costs more than the search itself.
    const [rows, total] = await Promise.all([
      query.select(['id', 'username', 'real_name']).orderBy('username_key').limit(limit).offset(offset).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { users: rows.map((r) => ({ id: asUserId(r.id), username: r.username, realName: r.real_name })), total: Number(total.n) };
  }

  /** Users whose username or real name contains the filter, ignoring case; everyone when it is empty. */
  private matching(filter: string) {
    const query = this.db.selectFrom('users');
    if (filter === '') return query;
    const pattern = likePattern(filter);
    return query.where((eb) =>
      eb.or([
        eb('username_key', 'like', sql<string>`${pattern} escape '\\'`),
        eb('real_name_key', 'like', sql<string>`${pattern} escape '\\'`),
      ]),
    );
  }

  async count(): Promise<number> {
    const { n } = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  }

  async countByRole(role: Role, options: { unlockedOnly?: boolean } = {}): Promise<number> {
    let query = this.db.selectFrom('users').where('role', '=', role);
    if (options.unlockedOnly) query = query.where('locked', '=', 0);
    const { n } = await query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  }

  async insert(user: User): Promise<void> {
    try {
      await writing(this.db.insertInto('users').values(toRow(user)).execute(), this.invalidate, { kind: 'user', userId: user.id, directory: true });
    } catch (e) {
      if (isUniqueViolation(e)) taken(user.username);
      throw e;
    }
  }

  async update(user: User): Promise<void> {
    const { id, freeze_epoch, frozen_until, ...fields } = toRow(user);
    try {
      await writing(this.db.updateTable('users').set(fields).where('id', '=', id).execute(), this.invalidate, { kind: 'user', userId: user.id, directory: true });
    } catch (e) {
      if (isUniqueViolation(e)) taken(user.username);
      throw e;
    }
  }

  async noteFreeze(id: UserId, until: number): Promise<void> {
    // One statement, so racing freezes cannot lower it: the later end wins.
    const write = this.db
      .updateTable('users')
      .set((eb) => ({ frozen_until: eb.case().when('frozen_until', '<', until).then(until).else(eb.ref('frozen_until')).end() }))
      .where('id', '=', id)
      .execute();
    // The directory shows nothing of the freeze state; wrong passwords must not make it reload.
    await writing(write, this.invalidate, { kind: 'user', userId: id, directory: false });
  }

  async clearFreezes(id: UserId): Promise<void> {
    const write = this.db
      .updateTable('users')
      .set((eb) => ({ freeze_epoch: eb('freeze_epoch', '+', 1), frozen_until: 0 }))
      .where('id', '=', id)
      .execute();
    await writing(write, this.invalidate, { kind: 'user', userId: id, directory: false });
  }

  async delete(id: UserId): Promise<void> {
    await writing(this.db.deleteFrom('users').where('id', '=', id).execute(), this.invalidate, { kind: 'user', userId: id, directory: true });
  }
}

class KyselySessionRepository implements SessionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly invalidate: Invalidate,
    /** The session cache, for the store outside a transaction; undefined inside one. */
    private readonly cache: SessionCache | undefined,
  ) {}

  async insert(s: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, user_id: s.userId, client_id: s.clientId, created_at: s.createdAt, last_used_at: s.lastUsedAt })
      .execute();
  }

  async findWithUser(tokenHash: string): Promise<{ session: Session; user: User } | undefined> {
    if (!this.cache) return this.read(tokenHash);
    const cached = this.cache.get(tokenHash);
    if (cached) return cached;
    const generation = this.cache.begin();
    const found = await this.read(tokenHash);
    // Unknown tokens are not remembered: a token is unknown until its sign-in commits, and then must work at once.
    if (found) this.cache.put(tokenHash, found, generation);
    return found;
  }

  private async read(tokenHash: string): Promise<{ session: Session; user: User } | undefined> {
    // One query, not two: this runs on every signed-in request (that the cache does not answer).
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select(['sessions.token_hash', 'sessions.client_id', 'sessions.created_at as session_created_at', 'sessions.last_used_at'])
      .where('sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!row) return undefined;
    const { token_hash, client_id, session_created_at, last_used_at, ...user } = row;
    return {
      session: toSession({ token_hash, user_id: user.id, client_id, created_at: session_created_at, last_used_at }),
      user: toUser(user),
    };
  }

  async touch(tokenHash: string, at: number): Promise<void> {
    await this.db.updateTable('sessions').set({ last_used_at: at }).where('token_hash', '=', tokenHash).execute();
    // Outside a transaction the write is committed: the cached entry may say so. Inside one it may yet roll back.
    if (this.cache) this.cache.touch(tokenHash, at);
    else this.invalidate({ kind: 'token', tokenHash });
  }

  async delete(tokenHash: string): Promise<void> {
    await writing(this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute(), this.invalidate, { kind: 'token', tokenHash });
  }

  async deleteForUser(id: UserId, options: { exceptTokenHash?: string; clientId?: string } = {}): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', id);
    if (options.exceptTokenHash) query = query.where('token_hash', '!=', options.exceptTokenHash);
    if (options.clientId !== undefined) query = query.where('client_id', '=', options.clientId);
    // All of the user's cached sessions, the kept one too: one more read of it costs less than tracking exceptions.
    await writing(query.execute(), this.invalidate, { kind: 'user', userId: id, directory: false });
  }

  async deleteExpired(limits: ExpiryLimits): Promise<void> {
    const query = this.db
      .deleteFrom('sessions')
      .where((eb) => eb.or([eb('last_used_at', '<', limits.usedBefore), eb('created_at', '<', limits.createdBefore)]));
    await writing(query.execute(), this.invalidate, { kind: 'expired', limits });
  }
}

export interface AccountsStoreOptions {
  /** Monotonic milliseconds for the caches' TTLs (tests move it); performance.now() by default. */
  cacheClock?: () => number;
  /** Told what every write made stale, after this process's caches dropped it (a cluster tells the other nodes). */
  onStale?: (stale: Staleness) => void;
}

/**
 * The accounts tables, with an in-process cache of authenticated sessions and the user directory in memory (see
 * session-cache.ts and directory-index.ts). Every write through this store, or through a transaction it opened, drops
 * what it makes stale. Writes that bypass it — another process on the same database, such as the CLI — are seen only
 * once the cached entries expire (SESSION_CACHE_TTL_MS, DIRECTORY_TTL_MS).
 */
export class KyselyAccountsStore implements AccountsStore {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;
  private readonly caches: Caches;
  private readonly invalidate: Invalidate;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    options: AccountsStoreOptions = {},
  ) {
    const now = options.cacheClock ?? (() => performance.now());
    this.caches = {
      sessions: new SessionCache(now),
      directory: new DirectoryIndex(() => loadDirectory(db), now),
    };
    const invalidate: Invalidate = (stale) => {
      drop(this.caches, stale);
      options.onStale?.(stale);
    };
    this.invalidate = invalidate;
    this.users = new KyselyUserRepository(db, dialect, invalidate, this.caches.directory);
    this.sessions = new KyselySessionRepository(db, invalidate, this.caches.sessions);
  }

  /** Applies what a write on another node made stale (only to the caches: that node told its own). */
  applyStale(stale: Staleness): void {
    drop(this.caches, stale);
  }

  async transaction<T>(work: (store: AccountsStore) => Promise<T>): Promise<T> {
    const pending: Staleness[] = [];
    try {
      return await this.db.transaction().execute((trx) => work(new TransactionStore(trx, this.dialect, this.caches, pending)));
    } finally {
      // Again after the commit (or rollback): a reader outside the transaction may have cached the rows as they were
      // before it, between the write's own invalidation and the commit. Other nodes hear of it only now.
      for (const stale of pending) this.invalidate(stale);
    }
  }
}

/** The repositories bound to one open transaction: they read the database only and record their invalidations. */
class TransactionStore implements AccountsStore {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;

  constructor(db: Kysely<Database>, dialect: Dialect, caches: Caches, pending: Staleness[]) {
    const invalidate: Invalidate = (stale) => {
      drop(caches, stale);
      pending.push(stale);
    };
    this.users = new KyselyUserRepository(db, dialect, invalidate, undefined);
    this.sessions = new KyselySessionRepository(db, invalidate, undefined);
  }

  transaction<T>(work: (store: AccountsStore) => Promise<T>): Promise<T> {
    // Nested calls join the transaction already open.
    return work(this);
  }
}

/** Every account's directory summary, in the database's username_key order. */
async function loadDirectory(db: Kysely<Database>): Promise<DirectoryEntry[]> {
  const rows = await db.selectFrom('users').select(['id', 'username', 'real_name', 'username_key', 'real_name_key']).orderBy('username_key').execute();
  return rows.map((r) => ({
    summary: { id: asUserId(r.id), username: r.username, realName: r.real_name },
    usernameKey: r.username_key,
    realNameKey: r.real_name_key,
  }));
}
