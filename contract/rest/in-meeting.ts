import Type from 'typebox';
import { Timestamp } from './common.ts';
import { CONTROL_ERRORS, control, MeetingNumber, Participant } from './meeting-control.ts';
import { operation } from './operation.ts';

/**
 * What happens inside a live meeting beyond the FRTC control calls (Convene extensions): the chat and its transcript, the
 * queue of raised hands, the lobby.
 * Addressed by meeting number like meeting control; hosts only unless said otherwise.
 */

const SessionId = Type.String({ minLength: 1, maxLength: 64, description: 'session_id from the meeting’s history' });
const BySession = Type.Object({ meeting_number: MeetingNumber, session_id: SessionId });

export const GuestChat = Type.Union([Type.Literal('all'), Type.Literal('public'), Type.Literal('none')], {
  description: 'all: guests write to everyone and privately; public: only to everyone; none: guests do not write at all (they still read)',
});

export const setGuestChat = control({
  id: 'setGuestChat',
  methods: ['POST'],
  path: '/chat_policy',
  summary: 'Choose what guests may write in the chat (Convene extension)',
  description: 'Starts as all. Participants see the setting in meeting.info (guest_chat). Hosts and signed-in participants always chat.',
  body: Type.Object({ guests: GuestChat }),
});

export const deleteChatMessage = control({
  id: 'deleteChatMessage',
  methods: ['DELETE'],
  path: '/chat/{message_id}',
  summary: 'Delete a chat message for everyone (Convene extension)',
  description:
    'A message to everyone among the recent ones the meeting holds (CONVENE_CHAT_HISTORY); the participants get chat.deleted and the ' +
    'transcript keeps only that a message was deleted. Private messages are not the hosts’ to see or delete: 404.',
  params: Type.Object({ meeting_number: MeetingNumber, message_id: Type.String({ minLength: 1, maxLength: 64 }) }),
});

export const lowerHands = control({
  id: 'lowerHands',
  methods: ['POST'],
  path: '/lower_hands',
  summary: 'Lower raised hands without letting anyone speak (Convene extension)',
  description:
    'The participants named, or every raised hand when `participants` is absent ("lower all"). Their roster entries get hand_raised false and ' +
    'the hosts a new unmute.requested; a host mute stays as it was. Hands are queued in the order they went up (unmute.requested lists them so).',
  body: Type.Object({ participants: Type.Optional(Type.Array(Participant, { minItems: 1, maxItems: 10_000 })) }),
});

const LobbyMode = Type.Union([Type.Literal('off'), Type.Literal('guests'), Type.Literal('uninvited')], {
  description: 'off: nobody waits; guests: people without an account wait; uninvited: everyone but the hosts and the meeting’s invited users waits',
});
const Waiting = Type.Optional(
  Type.Array(Participant, { minItems: 1, maxItems: 1000, description: 'uuids of people waiting in the lobby; absent = everyone waiting' }),
);

export const setLobby = control({
  id: 'setLobby',
  methods: ['POST'],
  path: '/lobby',
  summary: 'Switch the lobby of the live meeting (Convene extension)',
  description:
    'Starts as the meeting’s (or room’s) `lobby` setting. Participants see it in meeting.info (lobby). Turning it off lets everyone waiting in. ' +
    'Changes only this session; the meeting’s setting is edited with the meeting.',
  body: Type.Object({ mode: LobbyMode }),
  errors: ['license.limit'],
});

export const lobbyAdmit = control({
  id: 'lobbyAdmit',
  methods: ['POST'],
  path: '/lobby/admit',
  summary: 'Let people waiting in the lobby in (Convene extension)',
  description:
    'Those named, or everyone waiting. They enter as if they had just joined — no passcode asked again, also while the meeting is locked (the host chose ' +
    'them) — as long as the meeting is not full and the licence has calls left (409 / license errors otherwise; those let in before stay in).',
  body: Type.Object({ participants: Waiting }),
  errors: ['license.limit'],
});

export const lobbyRefuse = control({
  id: 'lobbyRefuse',
  methods: ['POST'],
  path: '/lobby/refuse',
  summary: 'Turn people waiting in the lobby away (Convene extension)',
  description: 'Those named, or everyone waiting: they get meeting.status disconnected, ServerReject, “the host did not let you into the meeting”.',
  body: Type.Object({ participants: Waiting }),
});

export const lobbyList = operation({
  id: 'lobbyList',
  methods: ['GET'],
  paths: ['/api/v1/meeting/{meeting_number}/lobby'],
  tag: 'meeting control',
  summary: 'The lobby of the live meeting: its mode and who waits, first come first (Convene extension)',
  access: 'user',
  permission: 'meeting.host',
  params: Type.Object({ meeting_number: MeetingNumber }),
  response: Type.Object({
    mode: Type.String({ description: 'off, guests or uninvited' }),
    waiting: Type.Array(Type.Object({ uuid: Type.String(), display_name: Type.String(), guest: Type.Boolean(), since: Timestamp })),
  }),
  errors: CONTROL_ERRORS,
});

const TranscriptMessage = Type.Object({
  id: Type.String(),
  time: Timestamp,
  room: Type.String({ description: '"" = the main meeting; else the breakout room’s name' }),
  from_uuid: Type.String(),
  from_name: Type.String(),
  from_user_id: Type.String({ description: '"" for guests' }),
  to_uuid: Type.String({ description: '"" = to everyone' }),
  to_name: Type.String(),
  private: Type.Boolean(),
  text: Type.String({ description: '"" when deleted' }),
  deleted: Type.Boolean(),
});

export const chatTranscript = operation({
  id: 'chatTranscript',
  methods: ['GET'],
  paths: ['/api/v1/meeting/{meeting_number}/history/{session_id}/chat'],
  tag: 'meeting control',
  summary: 'The chat of one live session, oldest first, page by page (Convene extension)',
  description:
    'Messages to everyone, and the private messages the caller itself sent or received (private messages of others are never ' +
    'shown, not even to administrators). page_size defaults to 500 and is capped at 1000. The same transcript as plain text: ' +
    '`GET …/chat.txt` (at most 20000 messages).',
  access: 'user',
  permission: 'meeting.host',
  params: BySession,
  query: Type.Object({
    page_num: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 })),
    page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000, default: 500 })),
  }),
  response: Type.Object({
    session_id: Type.String(),
    meeting_number: Type.String(),
    meeting_name: Type.String(),
    start_time: Timestamp,
    end_time: Type.Integer({ description: '0 while still live' }),
    total: Type.Integer({ description: 'Messages the caller may read in all' }),
    messages: Type.Array(TranscriptMessage),
  }),
  errors: CONTROL_ERRORS,
});

/**
 * `GET …/history/{session_id}/chat.txt` answers text/plain, not JSON, so it is not an Operation; the HTTP layer
 * registers it with this description (and FRTC JSON error bodies), under the same access rule as chatTranscript.
 */
export const chatTranscriptText = {
  id: 'chatTranscriptText',
  path: '/api/v1/meeting/{meeting_number}/history/{session_id}/chat.txt',
  tag: 'meeting control',
  summary: 'The chat of one live session as plain text, one message a line (Convene extension)',
  description: 'The same messages as chatTranscript, as UTF-8 text to save or print. Requires the meeting’s owner, a MeetingOperator or a SystemAdmin.',
  params: BySession,
} as const;

// ---- breakout rooms ---------------------------------------------------------------------------------------------

const RoomId = Type.String({ maxLength: 64, description: 'A breakout room id (GET …/breakout); "" = the main meeting' });
const BREAKOUT_NOTE =
  'Breakout rooms are live state of the session (kept in memory like mutes): they end when the meeting ends. Unknown participants or room ids: 404 naming the field.';

export const breakoutCreate = control({
  id: 'breakoutCreate',
  methods: ['POST'],
  path: '/breakout',
  summary: 'Create breakout rooms (Convene extension)',
  description:
    'count rooms named Room 1 …, or one room per entry of names (at most 50). Replaces rooms that are planned but not open (and their assignments); ' +
    '409 while rooms are open. allow_choose lets participants pick their room themselves. Everyone in the meeting gets the breakout event. ' +
    BREAKOUT_NOTE,
  body: Type.Object({
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
    names: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { minItems: 1, maxItems: 50 })),
    allow_choose: Type.Optional(Type.Boolean({ default: false })),
  }),
});

export const breakoutRemove = control({
  id: 'breakoutRemove',
  methods: ['DELETE'],
  path: '/breakout',
  summary: 'Remove the breakout rooms (Convene extension)',
  description: 'Rooms that are not open (close them first: 409); their assignments go with them.',
});

export const breakoutAssign = control({
  id: 'breakoutAssign',
  methods: ['POST'],
  path: '/breakout/assign',
  summary: 'Assign participants to breakout rooms (Convene extension)',
  description:
    'assignments: who goes where (room "" = the main meeting); or random: true spreads everyone but the hosts over the rooms at random, as evenly as ' +
    'possible. While the rooms are open the participants move at once. Every entry is checked before anything changes.',
  body: Type.Object({
    assignments: Type.Optional(Type.Array(Type.Object({ participant: Participant, room: RoomId }), { minItems: 1, maxItems: 1000 })),
    random: Type.Optional(Type.Boolean()),
  }),
});

export const breakoutOpen = control({
  id: 'breakoutOpen',
  methods: ['POST'],
  path: '/breakout/open',
  summary: 'Open the breakout rooms (Convene extension)',
  description:
    'Everyone assigned moves into its room (its own audio, video and chat); the others (hosts, late joiners) stay in the main meeting. With duration ' +
    '(seconds, at most 86400) the rooms close by themselves after that long, then everyone has grace seconds (default 60) to come back; everyone sees both countdowns.',
  body: Type.Object({
    duration: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400, default: 0, description: 's; 0 = no timer' })),
    grace: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, default: 60, description: 's; the grace period when the timer closes the rooms' })),
  }),
});

export const breakoutClose = control({
  id: 'breakoutClose',
  methods: ['POST'],
  path: '/breakout/close',
  summary: 'Close the breakout rooms (Convene extension)',
  description: 'Everyone sees a countdown and is back in the main meeting after grace seconds (default 60, at most 600; 0 = at once). The rooms stay planned.',
  body: Type.Object({ grace: Type.Optional(Type.Integer({ minimum: 0, maximum: 600, default: 60 })) }),
});

export const breakoutBroadcast = control({
  id: 'breakoutBroadcast',
  methods: ['POST'],
  path: '/breakout/broadcast',
  summary: 'Send a message to every breakout room (Convene extension)',
  description: 'While the rooms are open: everyone, in every room and the main meeting, gets breakout.message. Plain text, as long as a chat message may be.',
  body: Type.Object({ text: Type.String({ minLength: 1, maxLength: 4096 }) }),
  errors: ['input.tooLong', 'rate.limited'],
});

export const breakoutVisit = control({
  id: 'breakoutVisit',
  methods: ['POST'],
  path: '/breakout/visit',
  summary: 'Go into a breakout room as a host, or back (Convene extension)',
  description: 'The caller must be in the meeting (its client_id) as a host; room "" brings it back to the main meeting.',
  body: Type.Object({ room: RoomId }),
});

const BreakoutRoomView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  participants: Type.Array(Type.String(), { description: 'uuids of the participants in the room now' }),
  assigned: Type.Array(Type.String(), { description: 'uuids of the participants assigned to it' }),
});

export const breakoutState = operation({
  id: 'breakoutState',
  methods: ['GET'],
  paths: ['/api/v1/meeting/{meeting_number}/breakout'],
  tag: 'meeting control',
  summary: 'The breakout rooms of the live meeting: state, rooms, who is where (Convene extension)',
  access: 'user',
  permission: 'meeting.host',
  params: Type.Object({ meeting_number: MeetingNumber }),
  response: Type.Object({
    state: Type.String({ description: 'none, planned, open or closing' }),
    allow_choose: Type.Boolean(),
    ends_at: Type.Integer({ description: 'ms; when the timer closes the rooms; 0 = no timer' }),
    closes_at: Type.Integer({ description: 'ms; while closing, when everyone is back; else 0' }),
    rooms: Type.Array(BreakoutRoomView),
  }),
  errors: CONTROL_ERRORS,
});

export const inMeetingOperations = [
  setGuestChat,
  deleteChatMessage,
  chatTranscript,
  lowerHands,
  setLobby,
  lobbyAdmit,
  lobbyRefuse,
  lobbyList,
  breakoutCreate,
  breakoutRemove,
  breakoutAssign,
  breakoutOpen,
  breakoutClose,
  breakoutBroadcast,
  breakoutVisit,
  breakoutState,
];
