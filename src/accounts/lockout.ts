/**
 * Sign-in freeze policy of the FRTC clients (contract §6.1): five consecutive wrong secrets freeze the account for five
 * minutes. While frozen, attempts are refused without checking the secret, so guessing gains nothing.
 */
export const MAX_CONSECUTIVE_FAILURES = 5;
export const FREEZE_MS = 5 * 60 * 1000;

export interface LockoutState {
  failedAttempts: number;
  frozenUntil: number;
}

export const isFrozen = (state: LockoutState, now: number): boolean => state.frozenUntil > now;

/** The state after one more wrong secret, and whether that attempt froze the account. */
export function afterFailure(state: LockoutState, now: number): LockoutState & { frozeNow: boolean } {
  // Failures while frozen (e.g. racing requests that checked before the freeze) neither count nor lift it.
  if (isFrozen(state, now)) return { ...state, frozeNow: false };
  // A freeze that has run out starts a fresh count.
  const previous = state.frozenUntil !== 0 && state.frozenUntil <= now ? 0 : state.failedAttempts;
  const failedAttempts = previous + 1;
  if (failedAttempts >= MAX_CONSECUTIVE_FAILURES) return { failedAttempts: 0, frozenUntil: now + FREEZE_MS, frozeNow: true };
  return { failedAttempts, frozenUntil: 0, frozeNow: false };
}

export const afterSuccess = (): LockoutState => ({ failedAttempts: 0, frozenUntil: 0 });
