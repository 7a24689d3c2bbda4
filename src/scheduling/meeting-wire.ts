import type { Static } from 'typebox';
import type { MeetingBody, MeetingDetail, MeetingListItem } from '../../contract/rest/meeting-schedule.ts';
import { displayName, type Person } from '../accounts/people.ts';
import { calendarUrl, type LinkBase, liveMeetingUrl, meetingLinkPayload, meetingUrl } from './links.ts';
import type { MeetingInput } from './meeting-input.ts';
import type { LobbyMode, MeetingType, Reservation, Series } from './meeting.ts';
import type { ListEntry, MeetingView } from './schedule-queries.ts';
import { describeRule } from './series-fields.ts';

type Body = Static<typeof MeetingBody>;
type Fields = Omit<Static<typeof MeetingListItem>, 'recurrenceReservationList'>;

/** The wire body (§3.1, §4.1) in domain terms; recurrence fields keep their FRTC names for error messages. */
export function meetingInput(b: Body): MeetingInput {
  return {
    ...(b.meeting_type !== undefined ? { type: b.meeting_type as MeetingType } : {}),
    ...(b.meeting_name !== undefined ? { name: b.meeting_name } : {}),
    ...(b.meeting_description !== undefined ? { description: b.meeting_description } : {}),
    ...(b.schedule_start_time !== undefined ? { start: b.schedule_start_time } : {}),
    ...(b.schedule_end_time !== undefined ? { end: b.schedule_end_time } : {}),
    ...(b.call_rate_type !== undefined ? { callRate: b.call_rate_type as string } : {}),
    ...(b.meeting_password !== undefined ? { password: b.meeting_password } : {}),
    ...(b.meeting_room_id !== undefined ? { roomId: b.meeting_room_id } : {}),
    ...(b.invited_users !== undefined ? { invitees: b.invited_users } : {}),
    ...(b.mute_upon_entry !== undefined ? { muteUponEntry: b.mute_upon_entry === 'ENABLE' } : {}),
    ...(b.guest_dial_in !== undefined ? { guestDialIn: b.guest_dial_in } : {}),
    ...(b.watermark !== undefined ? { watermark: b.watermark } : {}),
    ...(b.watermark_type !== undefined ? { watermarkType: b.watermark_type } : {}),
    ...(b.time_to_join !== undefined ? { timeToJoin: b.time_to_join } : {}),
    ...(b.generate_live_url !== undefined ? { generateLiveUrl: b.generate_live_url } : {}),
    ...(b.live_passcode !== undefined ? { livePasscode: b.live_passcode } : {}),
    ...(b.lobby !== undefined ? { lobby: b.lobby as LobbyMode } : {}),
    recurrence: {
      recurrence_type: b.recurrence_type as string | undefined,
      recurrenceInterval: b.recurrenceInterval,
      recurrenceStartTime: b.recurrenceStartTime,
      recurrenceEndTime: b.recurrenceEndTime,
      recurrenceStartDay: b.recurrenceStartDay,
      recurrenceEndDay: b.recurrenceEndDay,
      recurrenceDaysOfWeek: b.recurrenceDaysOfWeek,
      recurrenceDaysOfMonth: b.recurrenceDaysOfMonth,
      time_zone: b.time_zone,
    },
  };
}

const NO_SERIES = {
  recurrence_gid: '',
  recurrence_type: 'NONE',
  recurrenceInterval: 0,
  recurrenceStartTime: 0,
  recurrenceEndTime: 0,
  recurrenceStartDay: 0,
  recurrenceEndDay: 0,
  recurrenceDaysOfWeek: [],
  recurrenceDaysOfMonth: [],
  groupMeetingUrl: '',
  groupInfoKey: '',
  time_zone: '',
};

/** The series fields of a meeting, in the snake/camel mix the clients read (§3.2, §3.3). */
export function seriesFields(series: Series | undefined, links: LinkBase) {
  if (!series) return NO_SERIES;
  return {
    recurrence_gid: series.id,
    ...describeRule(series.rule),
    groupMeetingUrl: meetingUrl(links, series.groupKey),
    groupInfoKey: series.groupKey,
  };
}

/** Every field present, timestamps as numbers, real booleans, "" never null: the macOS app drops objects otherwise. */
export function meetingFields(r: Reservation, series: Series | undefined, owner: Person | undefined, links: LinkBase): Fields {
  return {
    reservation_id: r.id,
    meeting_type: r.type,
    meeting_name: r.name,
    meeting_number: r.meetingNumber,
    meeting_password: r.password,
    meeting_description: r.description,
    call_rate_type: r.callRate,
    schedule_start_time: r.start,
    schedule_end_time: r.end,
    meeting_room_id: r.roomId ?? '',
    time_to_join: r.timeToJoin,
    mute_upon_entry: r.muteUponEntry ? 'ENABLE' : 'DISABLE',
    guest_dial_in: r.guestDialIn,
    watermark: r.watermark,
    watermark_type: r.watermarkType,
    generate_live_url: r.generateLiveUrl,
    live_passcode: r.livePasscode,
    lobby: r.lobby,
    live_meeting_url: liveMeetingUrl(links, r),
    owner_id: r.ownerId,
    owner_name: displayName(owner),
    meeting_url: meetingUrl(links, r.infoKey),
    meetingInfoKey: r.infoKey,
    participantUsers: [...r.invitees],
    ...seriesFields(series, links),
  };
}

export function meetingDetail(view: MeetingView, links: LinkBase): Static<typeof MeetingDetail> {
  const { reservation: r, series } = view;
  const invited = view.invitees.map((p) => ({ user_id: p.id, username: p.username, real_name: p.realName }));
  const url = meetingUrl(links, r.infoKey);
  return {
    ...meetingFields(r, series, view.owner, links),
    invited_users_details: invited,
    invited_users_detail: invited,
    qrcode_string: meetingLinkPayload({ meetingNumber: r.meetingNumber, password: r.password, meetingUrl: url, serverAddress: new URL(links.baseUrl()).host }),
    calendar_url: calendarUrl(links, series ? series.groupKey : r.infoKey),
  };
}

export function listItem(entry: ListEntry, links: LinkBase): Static<typeof MeetingListItem> {
  return {
    ...meetingFields(entry.next, entry.series, entry.owner, links),
    recurrenceReservationList: entry.later.map((r) => meetingFields(r, entry.series, entry.owner, links)),
  };
}
