import type { UserId } from '../kernel/ids.ts';
import type { Role, User } from './user.ts';

export interface Session {
  tokenHash: string;
  userId: UserId;
  clientId: string;
  createdAt: number;
  lastUsedAt: number;
}

export interface ExpiryLimits {
  usedBefore: number;
  createdBefore: number;
}

export interface UserPage {
  users: User[];
  total: number;
}

/** What the user directory shows of an account. */
export type UserSummary = Pick<User, 'id' | 'username' | 'realName'>;

export interface UserSummaryPage {
  users: UserSummary[];
  total: number;
}

export interface UserRepository {
  findById(id: UserId): Promise<User | undefined>;
  findByUsername(username: string): Promise<User | undefined>;
  /** Case-insensitive substring match on username or real name, ordered by username. */
  search(filter: string, offset: number, limit: number): Promise<UserPage>;
  /**
   * The same search, returning only the summary (the directory's hot path). The store may answer it from memory: writes
   * through the store show at once, accounts written by another process within half a minute.
   */
  searchSummaries(filter: string, offset: number, limit: number): Promise<UserSummaryPage>;
  count(): Promise<number>;
  countByRole(role: Role, options?: { unlockedOnly?: boolean }): Promise<number>;
  /** Throws DomainError data.conflict when the username is taken. */
  insert(user: User): Promise<void>;
  /** Throws DomainError data.conflict when a new username is taken. */
  update(user: User): Promise<void>;
  /** Records that a sign-in freeze or hold on the account lasts until `until`, unless one already lasts longer. */
  noteFreeze(id: UserId, until: number): Promise<void>;
  /** An administrator lifts every freeze: raises the account's freeze epoch and clears `frozenUntil`. */
  clearFreezes(id: UserId): Promise<void>;
  delete(id: UserId): Promise<void>;
}

export interface SessionRepository {
  insert(session: Session): Promise<void>;
  /**
   * The session and its user, or undefined when the token is unknown. The store may answer from a short-lived cache:
   * its own writes invalidate it at once, writes by another process are seen within seconds.
   */
  findWithUser(tokenHash: string): Promise<{ session: Session; user: User } | undefined>;
  touch(tokenHash: string, at: number): Promise<void>;
  delete(tokenHash: string): Promise<void>;
  deleteForUser(id: UserId, options?: { exceptTokenHash?: string; clientId?: string }): Promise<void>;
  /** Removes expired sessions: those last used before `usedBefore` or created before `createdBefore`. */
  deleteExpired(limits: ExpiryLimits): Promise<void>;
}

/** Repositories sharing one transaction: `transaction` runs `work` atomically and hands it stores bound to it. */
export interface AccountsStore {
  users: UserRepository;
  sessions: SessionRepository;
  transaction<T>(work: (store: AccountsStore) => Promise<T>): Promise<T>;
}

/**
 * Told after an account has been deleted, so other capabilities can let go of what its rows held beyond the database's
 * cascades (the meeting numbers of its meetings, series and rooms).
 */
export type AccountDeleted = (userId: UserId) => Promise<void>;

/** Slow, salted hashing for the client secrets (argon2id in production). */
export interface SecretHasher {
  hash(secret: string): Promise<string>;
  verify(hash: string, secret: string): Promise<boolean>;
}
