import Type from 'typebox';
import { Empty, Timestamp } from './common.ts';
import { MeetingDetail } from './meeting-schedule.ts';
import { operation } from './operation.ts';

/**
 * Meeting links (client contract §2.3 S10–S12, §5.3). `{key}` is the last path segment of a `meeting_url`
 * (`meetingInfoKey`, one meeting or occurrence) or of a `groupMeetingUrl` (`groupInfoKey`, a whole series). Keys are
 * unguessable, so holding one is the invitation: the link look-up needs no sign-in.
 */
export const LinkKeyParams = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 64, description: 'meetingInfoKey or groupInfoKey (last segment of a /j/{key} URL)' }),
});

export const MeetingLinkInfo = Type.Object({
  meeting_number: Type.String(),
  meeting_password: Type.String({ description: '"" when the meeting has no password' }),
  meeting_name: Type.String(),
  meeting_url: Type.String({ description: 'the link that was resolved: the meeting\'s, or the series\' group link for a group key' }),
  schedule_start_time: Timestamp,
  schedule_end_time: Timestamp,
  meeting_status: Type.Union(
    [Type.Literal('NOT_STARTED'), Type.Literal('STARTED'), Type.Literal('ENDED')],
    {
      description:
        'From the schedule alone: NOT_STARTED before schedule_start_time, STARTED until schedule_end_time, ENDED ' +
        'after it. For a group key the times are those of the next occurrence that has not ended (the last one when ' +
        'all have). Whether anyone is in the meeting is not reflected yet.',
    },
  ),
  meeting_link: Type.String({
    description: 'base64 of plain JSON {meeting_number, server_address, meeting_passwd, meeting_url}, as the apps decode QR codes (§5.3)',
  }),
  calendar_url: Type.String({ description: 'Convene extension: iCalendar (.ics) download of the meeting or series' }),
});

export const resolveMeetingLink = operation({
  id: 'resolveMeetingLink',
  methods: ['GET'],
  paths: ['/api/v1/mt/{key}'],
  tag: 'meeting links',
  summary: 'Resolve a scanned meeting link to the meeting number, password, name and times (no sign-in)',
  description:
    'The apps call this without client_id or token after scanning https://{host}/j/{key}. Never returns the owner ' +
    'or the invitees. Unknown keys, and keys that were replaced (the password changed, or the owner asked for a new ' +
    'link), are 0x10000004 with one message for both.',
  access: 'anonymous',
  params: LinkKeyParams,
  response: MeetingLinkInfo,
  errors: ['notFound', 'input.invalid'],
});

export const addToMeetingList = operation({
  id: 'addToMeetingList',
  methods: ['POST'],
  paths: ['/api/v1/meeting_list/add/{key}'],
  tag: 'meeting links',
  summary: "Add someone else's meeting (meeting key) or series (group key) to the caller's meeting list",
  description:
    'Afterwards the meeting appears in GET /api/v1/meeting_schedule and its detail may be read. No body (the apps ' +
    'send none, or "" with a JSON content type). Adding a meeting twice, or one\'s own, changes nothing.',
  access: 'user',
  params: LinkKeyParams,
  response: Empty,
  errors: ['auth.required', 'notFound'],
});

export const removeFromMeetingList = operation({
  id: 'removeFromMeetingList',
  methods: ['DELETE'],
  paths: ['/api/v1/meeting_list/remove/{key}'],
  tag: 'meeting links',
  summary: "Remove a meeting or series added by link from the caller's meeting list",
  description:
    'Any key of the meeting works: its own key, or for a series the group key or any occurrence\'s key; every ' +
    'addition that made the meeting or series visible is undone. Meetings the caller owns or is invited to stay ' +
    'visible. Unknown keys (not a meeting and not in the list) are 0x10000004.',
  access: 'user',
  params: LinkKeyParams,
  response: Empty,
  errors: ['auth.required', 'notFound'],
});

export const renewMeetingLink = operation({
  id: 'renewMeetingLink',
  methods: ['POST'],
  paths: ['/api/v1/meeting_schedule/{reservation_id}/new_link'],
  tag: 'meeting links',
  summary: 'Replace the links of a meeting or a whole series; the old links stop working (Convene extension)',
  description:
    'For the owner, MeetingOperator and SystemAdmin; no body. reservation_id names a meeting, or an occurrence or ' +
    'recurrence_gid of a series, whose group link and every occurrence\'s link are replaced (participants are given ' +
    'both kinds). The password and the meeting number stay. Afterwards the old keys answer 0x10000004 on ' +
    '/api/v1/mt/{key}, the calendar, /j/{key} and meeting_list/add, and meeting-list entries made with them are gone. ' +
    'Answers the meeting (for a series its next occurrence) with the new meeting_url, groupMeetingUrl, calendar_url ' +
    'and qrcode_string. Changing the password of a meeting, series or meeting room replaces the links the same way.',
  access: 'user',
  permission: 'meeting.manage',
  params: Type.Object({ reservation_id: Type.String({ minLength: 1, maxLength: 64 }) }),
  response: MeetingDetail,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const meetingLinkOperations = [resolveMeetingLink, addToMeetingList, removeFromMeetingList, renewMeetingLink];

/**
 * `GET /api/v1/calendar/{key}.ics` returns text/calendar, not JSON, so it is not an Operation; the HTTP layer
 * registers it with this description (and FRTC JSON error bodies).
 */
export const calendarDownload = {
  id: 'downloadMeetingCalendar',
  path: '/api/v1/calendar/{key}.ics',
  tag: 'meeting links',
  summary: 'iCalendar (RFC 5545) file of a meeting (meeting key) or a whole series (group key); no sign-in',
  description:
    'A meeting is one VEVENT in UTC. A series is a VEVENT with DTSTART;TZID, RRULE and DURATION, a VTIMEZONE for its ' +
    'zone, EXDATE for deleted occurrences and a VEVENT with RECURRENCE-ID for each occurrence edited on its own. ' +
    'Linked from the meeting detail as calendar_url.',
  params: LinkKeyParams,
} as const;
