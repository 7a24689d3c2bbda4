import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import type { SignedInCaller } from './caller.ts';
import { afterFailure, afterSuccess, isFrozen } from './lockout.ts';
import type { AccountsStore, SecretHasher } from './ports.ts';
import { newToken, normaliseSecret, tokenHash } from './secret.ts';
import { SignInThrottle } from './sign-in-throttle.ts';
import type { User } from './user.ts';

export interface AccountsPolicy {
  /** A token unused for this long stops working. */
  tokenIdleMs: number;
  /** A token stops working this long after its sign-in, however much it is used. */
  tokenMaxAgeMs: number;
  /** Failed sign-ins allowed per source address per minute before that address must wait. */
  signInFailuresPerMinute: number;
}

/** Sessions are refreshed at most this often, so a busy client does not write on every request. */
const TOUCH_INTERVAL_MS = 60_000;

export interface SignedIn {
  token: string;
  user: User;
}

/** Sign-in, tokens and the own password: everything a signed-in person does to their own account. */
export class AccountsService {
  private decoyHash: Promise<string> | undefined;
  private readonly throttle: SignInThrottle;

  constructor(
    private readonly store: AccountsStore,
    private readonly hasher: SecretHasher,
    private readonly clock: Clock,
    private readonly policy: AccountsPolicy,
  ) {
    this.throttle = new SignInThrottle(policy.signInFailuresPerMinute, 60_000);
  }

  /** `source` is the caller's network address, for the per-address limit on failures. */
  async signIn(username: string, secret: string, clientId: string, source: string): Promise<SignedIn> {
    const wait = this.throttle.retryAfter(source, this.clock.now());
    if (wait > 0) return fail('rate.limited', `too many failed sign-ins from this address; try again in ${Math.ceil(wait / 1000)} s`);
    try {
      return await this.checkAndOpenSession(username, secret, clientId);
    } catch (e) {
      this.throttle.recordFailure(source, this.clock.now());
      throw e;
    }
  }

  private async checkAndOpenSession(username: string, secret: string, clientId: string): Promise<SignedIn> {
    const user = await this.store.users.findByUsername(username);
    if (!user) {
      // Spend the same time as a real check so response time does not reveal which usernames exist.
      await this.hasher.verify(await this.decoy(), normaliseSecret(secret));
      return fail('signIn.failed', 'sign-in failed: unknown username or wrong password');
    }
    const now = this.clock.now();
    if (isFrozen(user, now)) {
      const seconds = Math.ceil((user.frozenUntil - now) / 1000);
      return fail('signIn.frozen', `account frozen after repeated wrong passwords; try again in ${seconds} s`);
    }
    const ok = await this.hasher.verify(user.secretHash, normaliseSecret(secret));
    if (!ok) {
      const next = await this.store.transaction(async (tx) => {
        const state = afterFailure((await tx.users.lockoutForUpdate(user.id)) ?? user, now);
        await tx.users.saveLockout(user.id, state);
        return state;
      });
      if (isFrozen(next, now)) return fail('signIn.frozen', 'account frozen for 5 minutes after 5 wrong passwords');
      return fail('signIn.wrongSecret', 'wrong password');
    }
    if (user.locked) return fail('signIn.locked', 'account locked by an administrator');
    if (user.failedAttempts !== 0 || user.frozenUntil !== 0) await this.store.users.saveLockout(user.id, afterSuccess());

    const token = newToken();
    await this.store.transaction(async (tx) => {
      // One live token per device: signing in again from the same app replaces its old token.
      await tx.sessions.deleteForUser(user.id, { clientId });
      await tx.sessions.deleteExpired({ usedBefore: now - this.policy.tokenIdleMs, createdBefore: now - this.policy.tokenMaxAgeMs });
      await tx.sessions.insert({ tokenHash: tokenHash(token), userId: user.id, clientId, createdAt: now, lastUsedAt: now });
    });
    return { token, user: { ...user, failedAttempts: 0, frozenUntil: 0 } };
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

  async changePassword(caller: SignedInCaller, secretOld: string, secretNew: string): Promise<void> {
    const user = await this.store.users.findById(caller.user.id);
    if (!user) return fail('auth.required', 'account no longer exists');
    if (!(await this.hasher.verify(user.secretHash, normaliseSecret(secretOld)))) {
      return fail('input.invalid', 'secret_old: does not match the current password');
    }
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
