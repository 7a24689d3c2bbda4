import Type, { type TSchema } from 'typebox';
import { Empty, PageQuery, Timestamp } from './common.ts';
import { operation } from './operation.ts';

export const CALL_RATES = ['128K', '512K', '1024K', '2048K', '2560K', '3072K', '4096K', '6144K', '8192K'] as const;
const literals = <T extends readonly string[]>(values: T, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)) as never, { description }) as ReturnType<typeof Type.Union>;

const Digits = (max: number, description: string) => Type.String({ maxLength: max, pattern: '^[0-9]*$', description });
const Id = Type.String({ maxLength: 64 });
const Days = (max: number, description: string) => Type.Array(Type.Integer({ minimum: 1, maximum: max }), { maxItems: 31, description });

/**
 * The body of create and update calls (§3.1, §4.1), every field optional here: what is required depends on the call
 * and the meeting type, which the domain checks with messages naming the field.
 */
export const MeetingBody = Type.Object({
  meeting_type: Type.Optional(literals(['instant', 'reservation', 'recurrence'], 'instant, reservation or recurrence')),
  meeting_name: Type.Optional(Type.String({ maxLength: 128 })),
  meeting_description: Type.Optional(Type.String({ maxLength: 2000 })),
  schedule_start_time: Type.Optional(Timestamp),
  schedule_end_time: Type.Optional(Timestamp),
  call_rate_type: Type.Optional(literals(CALL_RATES, '6144K and 8192K only for MeetingOperator and SystemAdmin')),
  meeting_password: Type.Optional(
    Digits(16, 'absent or null: generated; "": no password; digits: that password, at least CONVENE_MIN_PASSCODE_LENGTH (default 6) of them when it changes'),
  ),
  meeting_room_id: Type.Optional(Type.String({ maxLength: 64, description: 'use this meeting room\'s number and password; "" = none' })),
  invited_users: Type.Optional(Type.Array(Id, { maxItems: 1000, description: 'user_ids' })),
  mute_upon_entry: Type.Optional(literals(['ENABLE', 'DISABLE'], 'ENABLE or DISABLE')),
  guest_dial_in: Type.Optional(Type.Boolean()),
  watermark: Type.Optional(Type.Boolean()),
  watermark_type: Type.Optional(Type.String({ maxLength: 32 })),
  time_to_join: Type.Optional(Type.Integer({ minimum: -1, maximum: 1440, description: 'minutes before the start that joining opens: 30, or -1 for any time' })),
  generate_live_url: Type.Optional(Type.Boolean()),
  live_passcode: Type.Optional(Digits(16, 'passcode for the live stream')),
  lobby: Type.Optional(literals(['off', 'guests', 'uninvited'], 'off, guests or uninvited')),
  recurrence_type: Type.Optional(literals(['NONE', 'DAILY', 'WEEKLY', 'MONTHLY'], 'DAILY, WEEKLY or MONTHLY')),
  recurrenceInterval: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  recurrenceStartTime: Type.Optional(Timestamp),
  recurrenceEndTime: Type.Optional(Timestamp),
  recurrenceStartDay: Type.Optional(Timestamp),
  recurrenceEndDay: Type.Optional(Timestamp),
  recurrenceDaysOfWeek: Type.Optional(Days(7, '1 = Sunday … 7 = Saturday')),
  recurrenceDaysOfMonth: Type.Optional(Days(31, '1–31; months without the day skip it')),
  time_zone: Type.Optional(Type.String({ maxLength: 64, description: 'Convene extension: IANA zone of the recurrence (default: the server\'s)' })),
});

const InvitedUser = Type.Object({ user_id: Type.String(), username: Type.String(), real_name: Type.String() });

const seriesFields = {
  recurrence_gid: Type.String(),
  recurrence_type: Type.String({ description: 'NONE for a meeting that does not repeat' }),
  recurrenceInterval: Type.Integer(),
  recurrenceStartTime: Type.Integer(),
  recurrenceEndTime: Type.Integer(),
  recurrenceStartDay: Type.Integer(),
  recurrenceEndDay: Type.Integer(),
  recurrenceDaysOfWeek: Type.Array(Type.Integer()),
  recurrenceDaysOfMonth: Type.Array(Type.Integer()),
  groupMeetingUrl: Type.String(),
  groupInfoKey: Type.String(),
};
const { recurrence_type: _snakeType, ...seriesDescription } = seriesFields;

const meetingFields = {
  reservation_id: Type.String(),
  meeting_type: Type.String(),
  meeting_name: Type.String(),
  meeting_number: Type.String(),
  meeting_password: Type.String(),
  meeting_description: Type.String(),
  call_rate_type: Type.String(),
  schedule_start_time: Type.Integer(),
  schedule_end_time: Type.Integer(),
  meeting_room_id: Type.String(),
  time_to_join: Type.Integer(),
  mute_upon_entry: Type.String(),
  guest_dial_in: Type.Boolean(),
  watermark: Type.Boolean(),
  watermark_type: Type.String(),
  generate_live_url: Type.Boolean(),
  live_passcode: Type.String(),
  lobby: Type.String({ description: 'Convene extension: off, guests (guests wait in the lobby until a host admits them) or uninvited (everyone but hosts and invited users waits)' }),
  live_meeting_url: Type.String({ description: 'the live URL viewers watch at ({public URL}/live/{key}) when generate_live_url; else ""' }),
  owner_id: Type.String(),
  owner_name: Type.String(),
  meeting_url: Type.String(),
  meetingInfoKey: Type.String(),
  participantUsers: Type.Array(Type.String(), { description: 'user_ids of the invited users' }),
  ...seriesFields,
  time_zone: Type.String({ description: 'Convene extension: zone the series follows ("" for single meetings)' }),
};

export const MeetingDetail = Type.Object({
  ...meetingFields,
  invited_users_details: Type.Array(InvitedUser),
  invited_users_detail: Type.Array(InvitedUser, { description: 'same as invited_users_details (the Android app reads this name)' }),
  qrcode_string: Type.String({ description: 'the meeting_link payload the apps put in QR codes' }),
  calendar_url: Type.String({ description: 'Convene extension: iCalendar (.ics) download of the meeting or series' }),
});

const ListItemBase = Type.Object(meetingFields);
export const MeetingListItem = Type.Object({
  ...meetingFields,
  recurrenceReservationList: Type.Array(ListItemBase, {
    maxItems: 10,
    description: 'the next occurrences of the series after this one, at most 10; the whole series is GET /api/v1/meeting_schedule/recurrence/{id}',
  }),
});

const ReservationIdParams = Type.Object({ reservation_id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Both create paths take the same body and return the same detail; they differ in what meeting_type may be. */
const creating = {
  methods: ['POST'],
  tag: 'meeting schedule',
  access: 'user',
  body: MeetingBody,
  response: MeetingDetail,
  errors: ['auth.required', 'input.invalid', 'permission.denied', 'notFound'],
} as const;

export const createMeeting = operation({
  ...creating,
  id: 'createMeeting',
  paths: ['/api/v1/meeting_schedule'],
  summary: 'Create an instant meeting, a reservation or a recurring series',
  description:
    'meeting_type "instant" needs only meeting_name and is joinable at once. "reservation" needs name and ' +
    'schedule_start_time/schedule_end_time. "recurrence" also needs the recurrence fields (the Linux and macOS apps ' +
    'create series here).',
});

export const createSeries = operation({
  ...creating,
  id: 'createRecurringMeeting',
  paths: ['/api/v1/meeting_schedule/recurrence'],
  summary: 'Create a recurring series (the Android, iOS and Windows apps use this path)',
});

/** The fields the API document shows for a list item, in its order (its examples of both list calls). */
export const DOCUMENTED_ITEM_FIELDS = [
  'meeting_number',
  'meeting_name',
  'meeting_type',
  'meeting_password',
  'reservation_id',
  'recurrence_gid',
  'schedule_start_time',
  'schedule_end_time',
  'recurrence_type',
  'owner_id',
  'owner_name',
  'meeting_url',
] as const;

const DocumentedItem = Type.Object(Object.fromEntries(DOCUMENTED_ITEM_FIELDS.map((k) => [k, meetingFields[k]])) as Pick<typeof meetingFields, (typeof DOCUMENTED_ITEM_FIELDS)[number]>);

/**
 * A page of meetings under both names: `meeting_schedules` with every field, which the five apps read (client
 * contract §2.3 S1), and `scheduled_meetings`, the API document's name, with the fields the document shows for it.
 */
const MeetingPage = <T extends TSchema>(item: T) => ({
  meeting_schedules: Type.Array(item),
  scheduled_meetings: Type.Array(DocumentedItem, {
    description: 'the same meetings in the same order under the name the API document uses, with the fields it documents',
  }),
  total_page_num: Type.Integer(),
  total_size: Type.Integer(),
});

export const listMeetings = operation({
  id: 'listMeetings',
  methods: ['GET'],
  paths: ['/api/v1/meeting_schedule'],
  tag: 'meeting schedule',
  summary: "The caller's meetings that have not ended: owned, invited to, or added by link; one entry per series",
  description:
    'One entry per single meeting and one per series (its next occurrence that has not ended, carrying the next 10 ' +
    'after it in recurrenceReservationList), ordered by start, then reservation_id; paged by page_num/page_size ' +
    '(at most 500 entries a page, default 500) and filtered by filter (name or meeting number, ignoring case); ' +
    'total_size counts entries. The page is meeting_schedules (what the apps read); scheduled_meetings repeats it ' +
    'with only the fields the API document shows.',
  access: 'user',
  query: Type.Object({ ...PageQuery, sort: Type.Optional(Type.String({ maxLength: 32 })) }),
  response: Type.Object(MeetingPage(MeetingListItem)),
  errors: ['auth.required', 'input.invalid'],
});

export const getMeeting = operation({
  id: 'getMeeting',
  methods: ['GET'],
  paths: ['/api/v1/meeting_schedule/{reservation_id}'],
  tag: 'meeting schedule',
  summary: 'One meeting or occurrence',
  access: 'user',
  permission: 'meeting.read',
  params: ReservationIdParams,
  response: MeetingDetail,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const updateMeeting = operation({
  id: 'updateMeeting',
  methods: ['POST', 'PUT'],
  paths: ['/api/v1/meeting_schedule/{reservation_id}'],
  tag: 'meeting schedule',
  summary: 'Update a reservation, or edit one occurrence of a series',
  description:
    'On a reservation every present field is applied. On an occurrence only its times, name, description, ' +
    'call_rate_type, mute_upon_entry and time_to_join are applied, to that occurrence alone; its new times must lie ' +
    'between the neighbouring occurrences. Instant meetings cannot be updated (0x10000007). A new password (also ' +
    'one that comes with a meeting room) gives the meeting a new link: the old meeting_url stops working.',
  access: 'user',
  permission: 'meeting.manage',
  params: ReservationIdParams,
  body: MeetingBody,
  response: MeetingDetail,
  errors: ['auth.required', 'input.invalid', 'permission.denied', 'notFound', 'state.invalid'],
});

export const updateSeries = operation({
  id: 'updateRecurringMeeting',
  methods: ['POST', 'PUT'],
  paths: ['/api/v1/meeting_schedule/recurrence/{id}'],
  tag: 'meeting schedule',
  summary: 'Edit a whole series; id is any occurrence\'s reservation_id or the recurrence_gid',
  description:
    'Occurrences that have not started are regenerated from the new rule; earlier ones are kept, and so is the meeting ' +
    'number. A new password gives the series a new group link and every occurrence a new link; the old ones stop working.',
  access: 'user',
  permission: 'meeting.manage',
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
  body: MeetingBody,
  response: MeetingDetail,
  errors: ['auth.required', 'input.invalid', 'permission.denied', 'notFound'],
});

export const listOccurrences = operation({
  id: 'listOccurrences',
  methods: ['GET'],
  paths: ['/api/v1/meeting_schedule/recurrence/{id}'],
  tag: 'meeting schedule',
  summary: 'The occurrences of a series that have not ended, with the series description (camelCase keys)',
  description: 'Paged by page_num/page_size (at most 500 a page, default 500), ordered by start; total_size counts them all.',
  access: 'user',
  permission: 'meeting.read',
  params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }),
  query: Type.Object({ ...PageQuery, sort: Type.Optional(Type.String({ maxLength: 32 })) }),
  response: Type.Object({
    ...MeetingPage(ListItemBase),
    // The series description as a list entry carries it, except that this answer spells the type in camelCase.
    ...seriesDescription,
    recurrenceType: Type.String(),
    time_zone: Type.String(),
  }),
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const deleteMeeting = operation({
  id: 'deleteMeeting',
  methods: ['DELETE'],
  paths: ['/api/v1/meeting_schedule/{reservation_id}'],
  tag: 'meeting schedule',
  summary: 'Delete a meeting or one occurrence; deleteGroup=true (or 1), in the query or the body, deletes the whole series',
  access: 'user',
  permission: 'meeting.manage',
  params: ReservationIdParams,
  query: Type.Object({ deleteGroup: Type.Optional(Type.Boolean()) }),
  body: Type.Object({ deleteGroup: Type.Optional(Type.Boolean()) }),
  response: Empty,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const meetingScheduleOperations = [
  createMeeting,
  createSeries,
  listMeetings,
  getMeeting,
  updateMeeting,
  updateSeries,
  listOccurrences,
  deleteMeeting,
];
