import type { Budgets } from '../kernel/budget.ts';
import type { Clock } from '../kernel/clock.ts';
import { DomainError, fail } from '../kernel/domain-error.ts';
import type { SignedInCaller } from './caller.ts';
import { type Hold, Lockout } from './lockout.ts';
import type { AccountsStore, SecretHasher } from './ports.ts';
import { newToken, normaliseSecret, tokenHash } from './secret.ts';
import type { User } from './user.ts';

export interface AccountsPolicy {
  /** A token unused for this long stops working. */
  tokenIdleMs: number;
  /** A token stops working this long after its sign-in, however much it is used. */
  tokenMaxAgeMs: number;
  /** Failed sign-ins allowed per source address per minute before that address must wait. */
  signInFailuresPerMinute: number;
  /** Wrong passwords per account per hour (from anywhere) before addresses it is not used from are held off. */
  signInFailuresPerAccount: number;
  /** How long five wrong passwords first freeze the address they came from out of the account. */
  firstFreezeMs: number;
}

/** Sessions are refreshed at most this often, so a busy client does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SignedIn {
  token: string;
  user: User;
}

const seconds = (ms: number) => Math.ceil(ms / 1000);

/** What a hold says, for sign-in (0x00003001) and the password change (429) alike. */
function holdMessage(hold: Hold): string {
  return hold.scope === 'address'
    ? `too many wrong passwords from this address: frozen for ${seconds(hold.retryMs)} s`
    : `too many wrong passwords for this account from elsewhere: from this address, try again in ${seconds(hold.retryMs)} s`;
}

/**
 * Sign-in, tokens and the own password: everything a signed-in person does to their own account. Both ways of
 * presenting a password — sign-in and the password change — go through the same Lockout (lockout.ts).
 */
export class AccountsService {
  private decoyHash: Promise<string> | undefined;
  private readonly lockout: Lockout;

  constructor(
    private readonly store: AccountsStore,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    private readonly policy: AccountsPolicy,
    budgets: Budgets,
  ) {
    this.lockout = new Lockout(budgets, {
      failuresPerAddress: policy.signInFailuresPerMinute,
      failuresPerAccount: policy.signInFailuresPerAccount,
      firstFreezeMs: policy.firstFreezeMs,
    });
  }

  /** `source` is the caller's network address, for the per-address limits. */
  async signIn(username: string, secret: string, clientId: string, source: string): Promise<SignedIn> {
    await this.refuseThrottled(source);
    try {
      return await this.checkAndOpenSession(username, secret, clientId, source);
    } catch (e) {
      if (e instanceof DomainError && e.kind.startsWith('signIn.')) await this.lockout.failedFrom(source);
      throw e;
    }
  }

  private async checkAndOpenSession(username: string, secret: string, clientId: string, source: string): Promise<SignedIn> {
    const user = await this.store.users.findByUsername(username);
    if (!user) {
      // Spend the same time as a real check so response time does not reveal which usernames exist.
      await this.hasher.verify(await this.decoy(), normaliseSecret(secret));
      return fail('signIn.failed', 'sign-in failed: unknown username or wrong password');
    }
    // Said before the password is checked: checking it first and then saying "locked" would tell whether it was right.
    if (user.locked) return fail('signIn.locked', 'account locked by an administrator');
    const hold = await this.lockout.hold(user, source);
    if (hold) return fail('signIn.frozen', holdMessage(hold));
    if (!(await this.hasher.verify(user.secretHash, normaliseSecret(secret)))) {
      const started = await this.wrongPassword(user, source);
      return started ? fail('signIn.frozen', holdMessage(started)) : fail('signIn.wrongSecret', 'wrong password');
    }
    await this.lockout.rightPassword(user, source);

    const now = this.clock.now();
    const token = newToken();
    await this.store.transaction(async (tx) => {
      // One live token per device: signing in again from the same app replaces its old token.
      await tx.sessions.deleteForUser(user.id, { clientId });
      await tx.sessions.deleteExpired({ usedBefore: now - this.policy.tokenIdleMs, createdBefore: now - this.policy.tokenMaxAgeMs });
      await tx.sessions.insert({ tokenHash: tokenHash(token), userId: user.id, clientId, createdAt: now, lastUsedAt: now });
    });
    return { token, user };
  }

  /** Counts a wrong password; a hold it starts is noted on the account, where administrators see it (frozen_until). */
  private async wrongPassword(user: User, source: string): Promise<Hold | undefined> {
    const started = await this.lockout.wrongPassword(user, source);
    if (started) await this.store.users.noteFreeze(user.id, this.clock.now() + started.retryMs);
    return started;
  }

  private async refuseThrottled(source: string): Promise<void> {
    const wait = await this.lockout.throttled(source);
    if (wait > 0) fail('rate.limited', `too many failed attempts from this address; try again in ${seconds(wait)} s`);
  }

  /** The caller behind a token, or an authorisation error when the token is unknown, idle too long or its user locked. */
  async authenticate(token: string, clientId: string): Promise<SignedInCaller> {
    const hash = tokenHash(token);
    const found = await this.store.sessions.findWithUser(hash);
    if (!found) return fail('auth.required', 'token is invalid or has expired; sign in again');
    const { session, user } = found;
    const now = this.clock.now();
    if (now - session.lastUsedAt > this.policy.tokenIdleMs) {
      await this.store.sessions.delete(hash);
      return fail('auth.required', 'token has expired; sign in again');
    }
    // Checked on the session as found, cached or not: its createdAt never changes, so the cache cannot extend it.
    if (now - session.createdAt >= this.policy.tokenMaxAgeMs) {
      await this.store.sessions.delete(hash);
      return fail('auth.required', 'token has reached its maximum lifetime; sign in again');
    }
    if (user.locked) return fail('auth.required', 'account locked by an administrator');
    if (now - session.lastUsedAt > TOUCH_INTERVAL_MS) await this.store.sessions.touch(hash, now);
    return { clientId, user, tokenHash: hash };
  }

  async signOut(caller: SignedInCaller): Promise<void> {
    await this.store.sessions.delete(caller.tokenHash);
  }

  /**
   * A wrong `secret_old` counts like a failed sign-in (same budgets, same freeze), so a token cannot be used to test
   * passwords; while the address is frozen the password is not checked and the answer is 429 (a 401 would make the
   * apps drop their token).
   */
  async changePassword(caller: SignedInCaller, secretOld: string, secretNew: string, source: string): Promise<void> {
    await this.refuseThrottled(source);
    const user = await this.store.users.findById(caller.user.id);
    if (!user) return fail('auth.required', 'account no longer exists');
    const hold = await this.lockout.hold(user, source);
    if (hold) return fail('rate.limited', holdMessage(hold));
    if (!(await this.hasher.verify(user.secretHash, normaliseSecret(secretOld)))) {
      await this.lockout.failedFrom(source);
      const started = await this.wrongPassword(user, source);
      return fail(started ? 'rate.limited' : 'input.invalid', started ? holdMessage(started) : 'secret_old: does not match the current password');
    }
    await this.lockout.rightPassword(user, source);
    if (normaliseSecret(secretOld) === normaliseSecret(secretNew)) {
      return fail('input.invalid', 'secret_new: must differ from the current password');
    }
    const now = this.clock.now();
    const secretHash = await this.hasher.hash(normaliseSecret(secretNew));
    await this.store.transaction(async (tx) => {
      await tx.users.update({ ...user, secretHash, passwordChangedAt: now, updatedAt: now });
      // Anyone else holding a token of this account loses it; the device that changed the password stays signed in.
      await tx.sessions.deleteForUser(user.id, { exceptTokenHash: caller.tokenHash });
    });
  }

  private decoy(): Promise<string> {
    this.decoyHash ??= this.hasher.hash('0'.repeat(40));
    return this.decoyHash;
  }
}
