import { addressKey } from '../kernel/address.ts';
import type { Budget, Budgets } from '../kernel/budget.ts';
import type { UserId } from '../kernel/ids.ts';

/**
 * What stands between a password guesser and an account, and what it must not do: lock the owner out.
 *
 * - Per source address, across accounts: at most `failuresPerAddress` failed attempts a minute (then HTTP 429), which
 *   stops one address spraying a common password over many accounts.
 * - Per account *and* source address: the freeze of the FRTC apps (contract §6.1): five wrong passwords freeze that
 *   address out of that account, first for `firstFreezeMs` (5 minutes), then twice as long for each further freeze
 *   (strikes are remembered for a week), up to 256 times the first (about 21 hours). Only the guessing address is
 *   frozen: the owner signing in from her own address is not, so five guesses can no longer lock anyone out.
 * - Per account, across addresses: at most `failuresPerAccount` wrong passwords an hour. Beyond that the account is
 *   held — for the rest of that hour only addresses that have signed in to it successfully in the last three weeks may
 *   try — which bounds guessing spread over many addresses, again without shutting out the owner's usual places.
 *
 * While frozen or held the password is not checked at all (no argon2 work, and nothing learnt). An administrator's
 * unlock starts the account's freeze counts afresh: its keys carry the account's `freezeEpoch`, which the unlock
 * raises in the database — so it works from another process (the CLI) and whatever store keeps the budgets.
 *
 * Counts live in Budgets (the composition root picks the store: this process's memory, or one shared by several
 * nodes); a fixed window starts with a key's first event, so a freeze lasts until the window of its fifth failure ends.
 */
export interface LockoutPolicy {
  /** Failed sign-ins per source address per minute, over all accounts. */
  failuresPerAddress: number;
  /** Wrong passwords per account per hour, over all addresses, before unfamiliar addresses are held off. */
  failuresPerAccount: number;
  /** The first freeze of an address on an account. */
  firstFreezeMs: number;
}

export const FAILURES_BEFORE_FREEZE = 5;
/** Each further freeze of the same address on the same account lasts twice as long, at most this many times. */
export const FREEZE_DOUBLINGS = 8;
const STRIKE_MEMORY_MS = 7 * 24 * 3_600_000;
/** No freeze outlasts the memory of the strikes that made it. */
const LONGEST_FREEZE_MS = STRIKE_MEMORY_MS;
const ADDRESS_WINDOW_MS = 60_000;
const ACCOUNT_WINDOW_MS = 3_600_000;
const FAMILIAR_FOR_MS = 21 * 24 * 3_600_000;

/** The account as the lockout sees it. */
export interface Account {
  id: UserId;
  /** Raised by an administrator's unlock: freeze counts kept under an older epoch no longer apply. */
  freezeEpoch: number;
}

/** Why an attempt is not even checked, and for how long. */
export type Hold = { scope: 'address' | 'account'; retryMs: number };

export class Lockout {
  private readonly perAddress: Budget;
  /** One budget per freeze level: level k counts failures in windows of firstFreezeMs·2^k. */
  private readonly levels: Budget[];
  /** Freezes an address has earned on an account: the level its failures count at next. */
  private readonly strikes: Budget;
  private readonly perAccount: Budget;
  /** Spent once by a successful sign-in: an address the account is used from. */
  private readonly familiar: Budget;

  constructor(budgets: Budgets, policy: LockoutPolicy) {
    this.perAddress = budgets({ name: 'sign-in-address', points: policy.failuresPerAddress, windowMs: ADDRESS_WINDOW_MS });
    this.levels = Array.from({ length: FREEZE_DOUBLINGS + 1 }, (_, k) =>
      budgets({ name: `sign-in-freeze-${k}`, points: FAILURES_BEFORE_FREEZE, windowMs: Math.min(policy.firstFreezeMs * 2 ** k, LONGEST_FREEZE_MS) }),
    );
    this.strikes = budgets({ name: 'sign-in-strikes', points: FREEZE_DOUBLINGS, windowMs: STRIKE_MEMORY_MS });
    this.perAccount = budgets({ name: 'sign-in-account', points: policy.failuresPerAccount, windowMs: ACCOUNT_WINDOW_MS });
    this.familiar = budgets({ name: 'sign-in-familiar', points: 1, windowMs: FAMILIAR_FOR_MS });
  }

  /** Milliseconds until this address may fail again, or 0 when it has failures left this minute. */
  async throttled(source: string): Promise<number> {
    const state = await this.perAddress.peek(addressKey(source));
    return state.remaining === 0 ? Math.max(1, state.refillMs) : 0;
  }

  /** Any failed or refused attempt from the address (unknown user, locked, frozen, wrong password). */
  async failedFrom(source: string): Promise<void> {
    await this.perAddress.spend(addressKey(source));
  }

  /** Whether attempts on the account from this address are refused without checking the password, and for how long. */
  async hold(account: Account, source: string): Promise<Hold | undefined> {
    const key = freezeKey(account, source);
    const level = await this.level(key);
    // Every level up to the current one: racing failures may have raised the level past a freeze that still runs.
    const states = await Promise.all(this.levels.slice(0, level + 1).map((b) => b.peek(key)));
    const frozenFor = Math.max(0, ...states.filter((s) => s.remaining === 0).map((s) => Math.max(1, s.refillMs)));
    if (frozenFor > 0) return { scope: 'address', retryMs: frozenFor };
    const accountState = await this.perAccount.peek(accountKey(account));
    if (accountState.remaining === 0 && !(await this.isFamiliar(account, source))) {
      return { scope: 'account', retryMs: Math.max(1, accountState.refillMs) };
    }
    return undefined;
  }

  /**
   * A wrong password for the account from the address (the per-address count is `failedFrom`'s). Returns the hold it
   * started, if this failure froze the address or spent the account's hourly budget.
   */
  async wrongPassword(account: Account, source: string): Promise<Hold | undefined> {
    const key = freezeKey(account, source);
    const level = await this.level(key);
    const [counted, accountState] = await Promise.all([this.levels[level]!.spend(key), this.perAccount.spend(accountKey(account))]);
    if (counted.remaining === 0) {
      // The next failures, once this freeze has run out, count at the next level: a longer freeze.
      await this.strikes.spend(key);
      return { scope: 'address', retryMs: Math.max(1, counted.refillMs) };
    }
    if (accountState.remaining === 0 && !(await this.isFamiliar(account, source))) {
      return { scope: 'account', retryMs: Math.max(1, accountState.refillMs) };
    }
    return undefined;
  }

  /** The right password from the address: its freeze counts on the account start over, and the address is familiar. */
  async rightPassword(account: Account, source: string): Promise<void> {
    const key = freezeKey(account, source);
    const level = await this.level(key);
    const used = await this.levels[0]!.peek(key);
    if (level > 0 || used.refillMs > 0) await Promise.all([this.strikes.reset(key), ...this.levels.slice(0, level + 1).map((b) => b.reset(key))]);
    await this.familiar.spend(familiarKey(account, source));
  }

  private async level(key: string): Promise<number> {
    return FREEZE_DOUBLINGS - (await this.strikes.peek(key)).remaining;
  }

  private async isFamiliar(account: Account, source: string): Promise<boolean> {
    return (await this.familiar.peek(familiarKey(account, source))).remaining === 0;
  }
}

const freezeKey = (account: Account, source: string) => `${account.id}/${account.freezeEpoch}/${addressKey(source)}`;
const accountKey = (account: Account) => `${account.id}/${account.freezeEpoch}`;
// Not reset by an unlock: where the owner signs in from does not change with it.
const familiarKey = (account: Account, source: string) => `${account.id}/${addressKey(source)}`;
