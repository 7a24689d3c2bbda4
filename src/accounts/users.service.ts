import { randomUUID } from 'node:crypto';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import { asUserId, type UserId } from '../kernel/ids.ts';
import type { Caller } from './caller.ts';
import type { AccountDeleted, AccountsStore, SecretHasher, UserPage, UserSummaryPage } from './ports.ts';
import { clientSecret, generatePassword, normaliseSecret } from './secret.ts';
import { demand } from './permissions.ts';
import type { User, UserProfileInput } from './user.ts';

export interface DirectoryPolicy {
  /** Lets callers without a token search the user directory (the FRTC document allows it; it leaks account names). */
  anonymousDirectory: boolean;
  /** Licence limit on registered accounts. */
  maxUsers: number;
}

export interface Paging {
  pageNum: number;
  pageSize: number;
  filter: string;
}

export const MAX_PAGE_SIZE = 500;

/** Account administration (SystemAdmin only), the user directory, and the first-start administrator. */
export class UsersService {
  constructor(
    private readonly store: AccountsStore,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    private readonly policy: DirectoryPolicy,
    private readonly accountDeleted: AccountDeleted = async () => {},
  ) {}

  async directory(caller: Caller, paging: Paging): Promise<UserSummaryPage & { pageSize: number }> {
    if (!caller.user && !this.policy.anonymousDirectory) return fail('auth.required', 'token is required to search users');
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = await this.store.users.searchSummaries(paging.filter, (paging.pageNum - 1) * pageSize, pageSize);
    return { ...page, pageSize };
  }

  /** Every account, as administrators see it (a freeze that has run out by the server's clock reads as none). */
  async list(caller: Caller, paging: Paging): Promise<UserPage & { pageSize: number }> {
    this.requireAdmin(caller);
    const page = await this.page(paging);
    return { ...page, users: page.users.map((u) => this.current(u)) };
  }

  async get(caller: Caller, id: string): Promise<User> {
    this.requireAdmin(caller);
    return this.current(await this.existing(id));
  }

  /** The account with `frozenUntil` 0 once the freeze has ended on the domain clock. */
  private current(user: User): User {
    return user.frozenUntil > this.clock.now() ? user : { ...user, frozenUntil: 0 };
  }

  async create(caller: Caller | 'system', profile: UserProfileInput & { username: string }, secret: string): Promise<User> {
    if (caller !== 'system') this.requireAdmin(caller);
    const now = this.clock.now();
    const user: User = {
      id: asUserId(randomUUID()),
      username: profile.username,
      realName: profile.realName ?? '',
      email: profile.email ?? '',
      department: profile.department ?? '',
      mobile: profile.mobile ?? '',
      role: profile.role ?? 'Normal',
      securityLevel: profile.securityLevel ?? 'NORMAL',
      secretHash: await this.hasher.hash(normaliseSecret(secret)),
      locked: false,
      freezeEpoch: 0,
      frozenUntil: 0,
      passwordChangedAt: now,
      createdAt: now,
      updatedAt: now,
    };
    await this.store.transaction(async (tx) => {
      if ((await tx.users.count()) >= this.policy.maxUsers) {
        fail('license.limit', `licence allows ${this.policy.maxUsers} users; delete one or raise CONVENE_MAX_USERS`);
      }
      await tx.users.insert(user);
    });
    return user;
  }

  async update(caller: Caller | 'system', id: string, profile: UserProfileInput, secret?: string): Promise<User> {
    if (caller !== 'system') this.requireAdmin(caller);
    const secretHash = secret === undefined ? undefined : await this.hasher.hash(normaliseSecret(secret));
    return this.store.transaction(async (tx) => {
      const user = await this.existingIn(tx, id);
      const updated: User = {
        ...user,
        ...definedOnly(profile),
        ...(secretHash ? { secretHash, passwordChangedAt: this.clock.now() } : {}),
        updatedAt: this.clock.now(),
      };
      // Demoting an unlocked admin must leave another unlocked one (a locked admin cannot sign in to undo it).
      if (user.role === 'SystemAdmin' && updated.role !== 'SystemAdmin') await this.keepAnAdmin(tx, 'change the role of', !user.locked);
      await tx.users.update(updated);
      if (secretHash) await tx.sessions.deleteForUser(user.id);
      return updated;
    });
  }

  async setLocked(caller: Caller | 'system', id: string, locked: boolean): Promise<User> {
    if (caller !== 'system') {
      this.requireAdmin(caller);
      if (locked && caller.user?.id === id) fail('operation.forbidden', 'user_id: administrators cannot lock themselves');
    }
    return this.store.transaction(async (tx) => {
      const user = await this.existingIn(tx, id);
      if (locked && user.role === 'SystemAdmin' && !user.locked) await this.keepAnAdmin(tx, 'lock', true);
      const updated = { ...user, locked, updatedAt: this.clock.now() };
      await tx.users.update(updated);
      // Unlocking also lifts every freeze on the account: the administrator has vouched for the person.
      if (!locked) await tx.users.clearFreezes(user.id);
      if (locked) await tx.sessions.deleteForUser(user.id);
      return updated;
    });
  }

  /** Sets the given secret, or generates a password and returns it once. Clears a freeze and ends all sessions. */
  async resetPassword(caller: Caller | 'system', id: string, secret?: string): Promise<{ user: User; password?: string }> {
    if (caller !== 'system') this.requireAdmin(caller);
    const password = secret === undefined ? generatePassword() : undefined;
    const secretHash = await this.hasher.hash(normaliseSecret(secret ?? clientSecret(password!)));
    const user = await this.store.transaction(async (tx) => {
      const found = await this.existingIn(tx, id);
      const now = this.clock.now();
      const updated = { ...found, secretHash, passwordChangedAt: now, updatedAt: now };
      await tx.users.update(updated);
      await tx.users.clearFreezes(found.id);
      await tx.sessions.deleteForUser(found.id);
      return updated;
    });
    return password === undefined ? { user } : { user, password };
  }

  async delete(caller: Caller, id: string): Promise<void> {
    this.requireAdmin(caller);
    if (caller.user?.id === id) fail('operation.forbidden', 'user_id: administrators cannot delete themselves');
    await this.store.transaction(async (tx) => {
      const user = await this.existingIn(tx, id);
      if (user.role === 'SystemAdmin') await this.keepAnAdmin(tx, 'delete');
      await tx.users.delete(user.id);
    });
    await this.accountDeleted(asUserId(id));
  }

  async findByUsername(username: string): Promise<User> {
    return (await this.store.users.findByUsername(username)) ?? fail('notFound', `username: no user "${username}"`);
  }

  /**
   * First start: when no SystemAdmin exists, create `admin` with the given password or a generated one.
   * Returns the password only when this call created the account.
   */
  async ensureAdmin(password?: string): Promise<{ username: string; password: string; generated: boolean } | undefined> {
    if ((await this.store.users.countByRole('SystemAdmin')) > 0) return undefined;
    const chosen = password ?? generatePassword();
    const existing = await this.store.users.findByUsername('admin');
    if (existing) {
      // Role, password and unlock in one transaction: a crash between them would leave a locked SystemAdmin, which the
      // next start (seeing a SystemAdmin) would not repair.
      const secretHash = await this.hasher.hash(normaliseSecret(clientSecret(chosen)));
      await this.store.transaction(async (tx) => {
        const now = this.clock.now();
        await tx.users.update({ ...existing, role: 'SystemAdmin', locked: false, secretHash, passwordChangedAt: now, updatedAt: now });
        await tx.users.clearFreezes(existing.id);
        await tx.sessions.deleteForUser(existing.id);
      });
    } else {
      try {
        await this.create('system', { username: 'admin', realName: 'Administrator', role: 'SystemAdmin' }, clientSecret(chosen));
      } catch (e) {
        // Several nodes of a cluster starting at once on a new database: another one created the admin meanwhile.
        if ((await this.store.users.countByRole('SystemAdmin')) > 0) return undefined;
        throw e;
      }
    }
    return { username: 'admin', password: chosen, generated: password === undefined };
  }

  private async page(paging: Paging): Promise<UserPage & { pageSize: number }> {
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = await this.store.users.search(paging.filter, (paging.pageNum - 1) * pageSize, pageSize);
    return { ...page, pageSize };
  }

  private requireAdmin(caller: Caller): void {
    if (!caller.user) fail('auth.required', 'token is required');
    demand(caller.user!, 'account.manage', undefined, 'only a SystemAdmin may manage users');
  }

  private async existing(id: string): Promise<User> {
    return this.existingIn(this.store, id);
  }

  private async existingIn(store: AccountsStore, id: string): Promise<User> {
    return (await store.users.findById(id as UserId)) ?? fail('notFound', `user_id: no user ${id}`);
  }

  /** Refuses a change that would leave no (unlocked) SystemAdmin to run the server. */
  private async keepAnAdmin(store: AccountsStore, action: string, unlockedOnly = false): Promise<void> {
    if ((await store.users.countByRole('SystemAdmin', { unlockedOnly })) <= 1) {
      fail('operation.forbidden', `cannot ${action} the last SystemAdmin`);
    }
  }
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
