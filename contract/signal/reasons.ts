/**
 * Why a participant is connected, refused or disconnected: the FRTC engine's MeetingStatusChangeReason values
 * (client contract §6.4), so a gateway can hand them to the FRTC SDK unchanged.
 */
export const REASON_CODES = {
  StatusOk: 0,
  Unsecure: 1,
  Aborted: 2,
  MeetingEndAbnormal: 3,
  MeetingExpired: 4,
  MeetingFull: 5,
  MeetingInterrupt: 6,
  MeetingLocked: 7,
  MeetingNoExist: 8,
  MeetingNoStarted: 9,
  MeetingStop: 10,
  AuthenticationFail: 11,
  PasscodeFailed: 12,
  PasscodeTimeout: 13,
  PasscodeTooManyRetries: 14,
  GuestUnallowed: 15,
  Ignore: 16,
  LicenseLimitReached: 17,
  LicenseNoFound: 18,
  RemovedFromMeeting: 19,
  ServerError: 20,
  ServerReject: 21,
  UnknownReason: 22,
} as const;

export type Reason = keyof typeof REASON_CODES;
