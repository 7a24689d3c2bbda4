import Type from 'typebox';
import { Empty, PageQuery, Timestamp } from './common.ts';
import { operation } from './operation.ts';

const RoomId = Type.String({ minLength: 1, maxLength: 64, description: 'meeting_room_id' });
const UserRef = Type.String({ minLength: 1, maxLength: 64, description: 'user_id of an existing account' });
const RoomName = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S', description: '1–128 characters, not only blanks' });
const RoomPassword = Type.String({
  maxLength: 16,
  pattern: '^[0-9]*$',
  description: 'digits (at least the server\'s minimum, CONVENE_MIN_PASSCODE_LENGTH, default 6), or "" for no password',
});

/**
 * One room as the apps read it (client contract §2.2 R1). The macOS app's model requires every field except
 * meeting_password, so every field is always present, "" rather than null, created_time a number.
 */
/** Convene extension: who waits in the lobby of the room's meetings until a host admits them. */
const Lobby = Type.Union([Type.Literal('off'), Type.Literal('guests'), Type.Literal('uninvited')], {
  description: 'Convene extension: off (default), guests (people without an account wait in the lobby until a host admits them) or uninvited (everyone but the hosts waits: a room has no invitees)',
});

export const MeetingRoomView = Type.Object({
  meeting_room_id: Type.String(),
  meeting_number: Type.String({ description: 'Digits; fixed for the life of the room' }),
  meetingroom_name: Type.String(),
  meeting_password: Type.String({ description: 'Digits, or "" when the room has no password' }),
  lobby: Type.Unsafe<'off' | 'guests' | 'uninvited'>(Lobby),
  owner_id: Type.String(),
  owner_name: Type.String({ description: 'Real name of the owner, else the username' }),
  creator_id: Type.String({ description: 'The administrator who created the room; "" when created with the CLI' }),
  creator_name: Type.String(),
  created_time: Timestamp,
});

const RoomList = Type.Object({
  meeting_rooms: Type.Array(MeetingRoomView),
  total_page_num: Type.Integer(),
  total_size: Type.Integer(),
});

const RoomIdParams = Type.Object({ meeting_room_id: RoomId });

export const listOwnMeetingRooms = operation({
  id: 'listOwnMeetingRooms',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/meeting_room'],
  tag: 'meeting room',
  summary: "The caller's own persistent meeting rooms",
  description:
    'Every room the signed-in user owns, by name. The apps send no paging parameters and get all rooms (up to 500); ' +
    'page_num and page_size are accepted as an extension. The API document says POST; the apps send GET.',
  access: 'user',
  query: Type.Object({ page_num: PageQuery.page_num, page_size: PageQuery.page_size }),
  response: RoomList,
  errors: ['auth.required', 'input.invalid'],
});

export const listMeetingRooms = operation({
  id: 'listMeetingRooms',
  methods: ['GET'],
  paths: ['/api/v1/meeting_rooms'],
  tag: 'meeting room administration',
  summary: 'All meeting rooms (SystemAdmin, MeetingOperator)',
  description: '`filter` matches the room name (ignoring case) or the meeting number. page_size is capped at 500.',
  access: 'user',
  permission: 'room.read',
  query: Type.Object(PageQuery),
  response: RoomList,
  errors: ['auth.required', 'permission.denied', 'input.invalid'],
});

export const createMeetingRoom = operation({
  id: 'createMeetingRoom',
  methods: ['POST'],
  paths: ['/api/v1/meeting_rooms'],
  tag: 'meeting room administration',
  summary: 'Create a meeting room for an owner (SystemAdmin)',
  description:
    'The room gets a new random meeting number that stays until the room is deleted. meeting_password absent → six ' +
    'random digits, "" → no password, digits → that password.',
  access: 'user',
  permission: 'room.manage',
  body: Type.Object({ meetingroom_name: RoomName, owner_id: UserRef, meeting_password: Type.Optional(RoomPassword), lobby: Type.Optional(Lobby) }),
  response: MeetingRoomView,
  errors: ['auth.required', 'permission.denied', 'input.invalid', 'license.limit'],
});

export const getMeetingRoom = operation({
  id: 'getMeetingRoom',
  methods: ['GET'],
  paths: ['/api/v1/meeting_rooms/{meeting_room_id}'],
  tag: 'meeting room administration',
  summary: 'One meeting room (SystemAdmin, MeetingOperator, or its owner)',
  access: 'user',
  permission: 'room.read',
  params: RoomIdParams,
  response: MeetingRoomView,
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const updateMeetingRoom = operation({
  id: 'updateMeetingRoom',
  methods: ['POST', 'PUT'],
  paths: ['/api/v1/meeting_rooms/{meeting_room_id}'],
  tag: 'meeting room administration',
  summary: 'Rename a room, give it to another owner or change its password (SystemAdmin); the number stays',
  description:
    'Only the fields present change. meeting_password "" removes the password. A new password also gives the meetings ' +
    'held in the room that have not ended, and its series, new links (the old ones stop working).',
  access: 'user',
  permission: 'room.manage',
  params: RoomIdParams,
  body: Type.Object({
    meetingroom_name: Type.Optional(RoomName),
    owner_id: Type.Optional(UserRef),
    meeting_password: Type.Optional(RoomPassword),
    lobby: Type.Optional(Lobby),
  }),
  response: MeetingRoomView,
  errors: ['auth.required', 'permission.denied', 'notFound', 'input.invalid'],
});

export const deleteMeetingRoom = operation({
  id: 'deleteMeetingRoom',
  methods: ['DELETE'],
  paths: ['/api/v1/meeting_rooms/{meeting_room_id}'],
  tag: 'meeting room administration',
  summary: 'Delete a room and free its number (SystemAdmin)',
  description: 'Refused with 0x10000006 while a meeting or series that has not ended uses the room.',
  access: 'user',
  permission: 'room.manage',
  params: RoomIdParams,
  response: Empty,
  errors: ['auth.required', 'permission.denied', 'notFound', 'operation.forbidden'],
});

export const meetingRoomOperations = [
  listOwnMeetingRooms,
  listMeetingRooms,
  createMeetingRoom,
  getMeetingRoom,
  updateMeetingRoom,
  deleteMeetingRoom,
];
