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

export const inMeetingOperations = [setGuestChat, deleteChatMessage, chatTranscript, lowerHands, setLobby, lobbyAdmit, lobbyRefuse, lobbyList];
