import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import type { Database, Dialect } from '../db/database.ts';
import { isUniqueViolation, likePattern } from '../db/errors.ts';
import { fail } from '../kernel/domain-error.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import type { SessionsTable, UsersTable } from './accounts.table.ts';
import type { LockoutState } from './lockout.ts';
import type { AccountsStore, Session, SessionRepository, UserPage, UserRepository, UserSummaryPage } from './ports.ts';
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
  failedAttempts: row.failed_attempts,
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
  failed_attempts: u.failedAttempts,
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

class KyselyUserRepository implements UserRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
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
      await this.db.insertInto('users').values(toRow(user)).execute();
    } catch (e) {
      if (isUniqueViolation(e)) taken(user.username);
      throw e;
    }
  }

  async update(user: User): Promise<void> {
    const { id, failed_attempts, frozen_until, ...fields } = toRow(user);
    try {
      await this.db.updateTable('users').set(fields).where('id', '=', id).execute();
    } catch (e) {
      if (isUniqueViolation(e)) taken(user.username);
      throw e;
    }
  }

  async lockoutForUpdate(id: UserId): Promise<LockoutState | undefined> {
    let query = this.db.selectFrom('users').select(['failed_attempts', 'frozen_until']).where('id', '=', id);
    // SQLite has no row locks and needs none: its transactions already run one at a time on the one connection.
    if (this.dialect === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirst();
    return row && { failedAttempts: row.failed_attempts, frozenUntil: Number(row.frozen_until) };
  }

  async saveLockout(id: UserId, state: LockoutState): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ failed_attempts: state.failedAttempts, frozen_until: state.frozenUntil })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: UserId): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }
}

class KyselySessionRepository implements SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(s: Session): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({ token_hash: s.tokenHash, user_id: s.userId, client_id: s.clientId, created_at: s.createdAt, last_used_at: s.lastUsedAt })
      .execute();
  }

  async findWithUser(tokenHash: string): Promise<{ session: Session; user: User } | undefined> {
    // One query, not two: this runs on every signed-in request.
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
  }

  async delete(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  async deleteForUser(id: UserId, options: { exceptTokenHash?: string; clientId?: string } = {}): Promise<void> {
    let query = this.db.deleteFrom('sessions').where('user_id', '=', id);
    if (options.exceptTokenHash) query = query.where('token_hash', '!=', options.exceptTokenHash);
    if (options.clientId !== undefined) query = query.where('client_id', '=', options.clientId);
    await query.execute();
  }

  async deleteIdleSince(before: number): Promise<void> {
    await this.db.deleteFrom('sessions').where('last_used_at', '<', before).execute();
  }
}

export class KyselyAccountsStore implements AccountsStore {
  readonly users: UserRepository;
  readonly sessions: SessionRepository;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: Dialect,
    private readonly inTransaction = false,
  ) {
    this.users = new KyselyUserRepository(db, dialect);
    this.sessions = new KyselySessionRepository(db);
  }

  transaction<T>(work: (store: AccountsStore) => Promise<T>): Promise<T> {
    // Nested calls join the transaction already open.
    if (this.inTransaction) return work(this);
    return this.db.transaction().execute((trx) => work(new KyselyAccountsStore(trx, this.dialect, true)));
  }
}
