import { fail } from '../kernel/domain-error.ts';
import { randomMeetingPassword } from './meeting-number.ts';

/** How long a meeting passcode must be (CONVENE_MIN_PASSCODE_LENGTH). */
export interface PasscodePolicy {
  minPasscodeLength: number;
}

/** What the FRTC apps generate, and what Convene generates unless the minimum asks for more. */
const GENERATED_LENGTH = 6;

/** A passcode for a new meeting, series or room when the request names none. */
export const generatedPasscode = (policy: PasscodePolicy): string =>
  randomMeetingPassword(Math.max(GENERATED_LENGTH, policy.minPasscodeLength));

/**
 * A passcode someone chooses for a meeting, series or room (digits, already checked for format): at least the minimum
 * length, or "" — a meeting without a passcode is the owner's explicit choice (the apps send "" for "no password"),
 * while a short one only looks protected. Passcodes already stored are not checked again: a request that sends the
 * current passcode back unchanged (the apps send the whole meeting when editing) passes `current`.
 */
export function chosenPasscode(password: string, policy: PasscodePolicy, current?: string): string {
  if (password === '' || password === current || password.length >= policy.minPasscodeLength) return password;
  return fail('input.invalid', `meeting_password: must be at least ${policy.minPasscodeLength} digits, or "" for no password`);
}
