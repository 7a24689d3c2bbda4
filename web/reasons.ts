import type { Reason } from '../contract/signal/reasons.ts';

/**
 * What the participant is told for each join failure and each end of a meeting: the FRTC apps' wording (client
 * contract §6.4), as a title and a sentence. `join` texts are for a refused join, `ended` texts for a meeting left.
 */
export interface ReasonText {
  title: string;
  message: string;
  /** Offer to sign in (guests refused, expired sign-in). */
  signIn?: boolean;
  /** Offer to join again. */
  rejoin?: boolean;
}

const JOIN: Partial<Record<Reason, ReasonText>> = {
  PasscodeFailed: { title: 'Wrong password', message: 'The meeting password was not accepted.', rejoin: true },
  PasscodeTooManyRetries: {
    title: 'Too many wrong passwords',
    message: 'Too many wrong passwords were entered for this meeting. Wait a while and try again, or join from the meeting link.',
    rejoin: true,
  },
  PasscodeTimeout: { title: 'No password entered', message: 'The meeting password was not entered in time.', rejoin: true },
  MeetingLocked: { title: 'Meeting locked', message: 'This meeting is locked: the host is not letting anyone else in right now.', rejoin: true },
  GuestUnallowed: { title: 'Guests not allowed', message: 'This meeting does not allow guests. Sign in to join it.', signIn: true, rejoin: true },
  MeetingNoStarted: {
    title: 'Not started yet',
    message: 'This meeting has not started. You can join only shortly before its start time (30 minutes before, unless the organiser chose otherwise).',
    rejoin: true,
  },
  MeetingExpired: { title: 'Meeting expired', message: 'This meeting has ended: its time is over.' },
  MeetingStop: { title: 'Meeting ended', message: 'The host ended this meeting. It cannot be joined again until it is next scheduled.' },
  MeetingNoExist: { title: 'No such meeting', message: 'There is no meeting with this number. Check the number and try again.', rejoin: true },
  MeetingFull: { title: 'Meeting full', message: 'This meeting has as many participants as it can take.', rejoin: true },
  LicenseLimitReached: {
    title: 'User limit reached',
    message: 'The user limit of the server’s licence is reached: no more participants can connect right now.',
    rejoin: true,
  },
  LicenseNoFound: { title: 'No licence', message: 'The server has no valid licence.' },
  AuthenticationFail: { title: 'Sign-in expired', message: 'Your sign-in is no longer valid. Sign in again.', signIn: true, rejoin: true },
  // The server's own words: this browser's id is in the meeting already, too many unknown meeting numbers were tried
  // from this network, or too many of its connections wait at a password prompt.
  ServerReject: { title: 'Not let in', message: '', rejoin: true },
  ServerError: { title: 'Server error', message: 'The server could not handle the request. Check the server address.', rejoin: true },
  MeetingInterrupt: { title: 'Could not connect', message: 'The connection to the meeting server failed. Check your network and try again.', rejoin: true },
};

const ENDED: Partial<Record<Reason, ReasonText>> = {
  StatusOk: { title: 'You left the meeting', message: 'You left the meeting.', rejoin: true },
  RemovedFromMeeting: { title: 'Removed by the host', message: 'The host removed you from the meeting.' },
  MeetingStop: { title: 'Meeting ended', message: 'The host ended the meeting.' },
  MeetingExpired: { title: 'Meeting expired', message: 'The meeting has ended: its time is over.' },
  MeetingEndAbnormal: { title: 'Server restarting', message: 'The meeting server is restarting. Join again in a moment.', rejoin: true },
  MeetingInterrupt: { title: 'Connection lost', message: 'The connection to the meeting was lost and could not be resumed.', rejoin: true },
};

/** Not a protocol reason: another tab or device joined with this browser's identity. */
export const REPLACED = 'Replaced';
const REPLACED_TEXT: ReasonText = { title: 'Joined elsewhere', message: 'You joined this meeting from another window or device.', rejoin: true };
/** Not a protocol reason: a host turned this participant away from the lobby (ServerReject while waiting). */
export const LOBBY_REFUSED = 'LobbyRefused';
const LOBBY_REFUSED_TEXT: ReasonText = { title: 'Not let in', message: 'The host did not let you into the meeting.' };
/** Not a protocol reason: the server closed the connection because it sent too many messages (close code 4004). */
export const TOO_FAST = 'TooFast';
const TOO_FAST_TEXT: ReasonText = { title: 'Disconnected', message: 'This browser sent the meeting server too many messages at once. Join again.', rejoin: true };

export function reasonText(reason: string, phase: 'join' | 'ended', serverMessage = ''): ReasonText {
  if (reason === REPLACED) return REPLACED_TEXT;
  if (reason === TOO_FAST) return TOO_FAST_TEXT;
  if (reason === LOBBY_REFUSED) return LOBBY_REFUSED_TEXT;
  const table = phase === 'join' ? JOIN : ENDED;
  const text = table[reason as Reason] ?? (phase === 'join' ? ENDED : JOIN)[reason as Reason];
  if (text) return text.message === '' ? { ...text, message: `The meeting server said: ${serverMessage || reason}.` } : text;
  return {
    title: phase === 'join' ? 'Could not join' : 'Disconnected',
    message: serverMessage || `The meeting server said: ${reason}.`,
    rejoin: true,
  };
}
