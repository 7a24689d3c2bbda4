import type { User } from '../accounts/user.ts';
import { may } from '../accounts/permissions.ts';
import { fail } from '../kernel/domain-error.ts';
import type { UserId } from '../kernel/ids.ts';
import {
  ALLOWED_TIME_TO_JOIN,
  DEFAULT_CALL_RATE,
  DEFAULT_TIME_TO_JOIN,
  MAX_MEETING_MS,
  type MeetingOptions,
  type LobbyMode,
  type MeetingType,
  OPERATOR_CALL_RATES,
} from './meeting.ts';
import type { RecurrenceFields } from './recurrence-rule.ts';

/**
 * A create or update request in domain terms, every field optional (undefined = not sent). The HTTP layer has already
 * coerced types and dropped nulls; field names in error messages are the FRTC ones the client sent.
 */
export interface MeetingInput {
  type?: MeetingType;
  name?: string;
  description?: string;
  start?: number;
  end?: number;
  callRate?: string;
  /** "" = no password; digits = that password; undefined = generate (create) or keep (update). */
  password?: string;
  /** "" = no room. */
  roomId?: string;
  invitees?: string[];
  muteUponEntry?: boolean;
  guestDialIn?: boolean;
  watermark?: boolean;
  watermarkType?: string;
  timeToJoin?: number;
  generateLiveUrl?: boolean;
  livePasscode?: string;
  lobby?: LobbyMode;
  recurrence: RecurrenceFields;
}

export const DEFAULT_OPTIONS: Omit<MeetingOptions, 'name'> = {
  description: '',
  callRate: DEFAULT_CALL_RATE,
  muteUponEntry: false,
  guestDialIn: true,
  watermark: false,
  watermarkType: '',
  timeToJoin: DEFAULT_TIME_TO_JOIN,
  generateLiveUrl: false,
  livePasscode: '',
  invitees: [],
  lobby: 'off',
};

/** The options after applying every field the input carries to `base` (the defaults on create). */
export function applyOptions(input: MeetingInput, base: MeetingOptions, caller: User): MeetingOptions {
  const name = input.name === undefined ? base.name : input.name.trim();
  if (name === '') fail('input.invalid', 'meeting_name: must not be empty');
  if (input.callRate !== undefined && OPERATOR_CALL_RATES.includes(input.callRate) && !may(caller, 'callRate.high')) {
    fail('permission.denied', `call_rate_type: ${input.callRate} is only for MeetingOperator and SystemAdmin`);
  }
  return {
    name,
    description: input.description ?? base.description,
    callRate: input.callRate ?? base.callRate,
    muteUponEntry: input.muteUponEntry ?? base.muteUponEntry,
    guestDialIn: input.guestDialIn ?? base.guestDialIn,
    watermark: input.watermark ?? base.watermark,
    watermarkType: input.watermarkType ?? base.watermarkType,
    timeToJoin: timeToJoin(input.timeToJoin) ?? base.timeToJoin,
    generateLiveUrl: input.generateLiveUrl ?? base.generateLiveUrl,
    livePasscode: input.livePasscode ?? base.livePasscode,
    invitees: input.invitees ? ([...new Set(input.invitees)] as UserId[]) : base.invitees,
    lobby: input.lobby ?? base.lobby,
  };
}

/** 0 is the Android app's "unset" placeholder; otherwise only 30 (minutes) and -1 (any time) are meaningful. */
export function timeToJoin(value: number | undefined): number | undefined {
  if (value === undefined || value === 0) return undefined;
  if (!ALLOWED_TIME_TO_JOIN.includes(value)) fail('input.invalid', 'time_to_join: must be 30 (minutes before the start) or -1 (any time)');
  return value;
}

/** Checks a single meeting's times: start before end, not ended already, not absurdly long. */
export function checkTimes(start: number | undefined, end: number | undefined, now: number): { start: number; end: number } {
  if (start === undefined || start === 0) return fail('input.invalid', 'schedule_start_time: is required');
  if (end === undefined || end === 0) return fail('input.invalid', 'schedule_end_time: is required');
  if (end <= start) fail('input.invalid', 'schedule_end_time: must be after schedule_start_time');
  if (end <= now) fail('input.invalid', 'schedule_end_time: must be in the future');
  if (end - start > MAX_MEETING_MS) fail('input.invalid', 'schedule_end_time: a meeting may last at most 7 days; use a series');
  return { start, end };
}
