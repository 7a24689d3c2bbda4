import Type, { type Static } from 'typebox';
import { REASON_CODES, type Reason } from './reasons.ts';

/**
 * The participant signalling protocol, version 1: JSON text frames over one WebSocket at SIGNAL_PATH. The client
 * speaks first (`join` or `resume`); everything the server pushes afterwards is an event (client contract §7). Every
 * command may carry an `id`; the server answers it with `ack` or `error` carrying the same id. docs/protocol.md
 * describes the flow; this file is the schema both sides validate against.
 */
export const PROTOCOL_VERSION = 1;
export const SIGNAL_PATH = '/api/v1/signal';

const RequestId = Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Integer()], { description: 'Echoed in ack/error' }));
const DisplayName = Type.String({ minLength: 1, maxLength: 128, pattern: '\\S', description: '1–128 characters, not only blanks' });
const Uuid = Type.String({ description: 'Participant id: the client_id it joined with' });

export const ReasonName = Type.Unsafe<Reason>(Type.Union(Object.keys(REASON_CODES).map((k) => Type.Literal(k)), { description: 'MeetingStatusChangeReason name (client contract §6.4)' }));

// ---- client → server ------------------------------------------------------------------------------------------

export const JoinCommand = Type.Object({
  type: Type.Literal('join'),
  id: RequestId,
  v: Type.Literal(PROTOCOL_VERSION, { description: 'Protocol version the client speaks' }),
  meeting_number: Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9]+$', description: 'Digits' }),
  client_id: Type.String({ minLength: 1, maxLength: 128 }),
  display_name: DisplayName,
  token: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'user_token: join as that user; absent = guest' })),
  passcode: Type.Optional(Type.String({ maxLength: 32, description: 'Meeting password; when missing or wrong the server asks for it' })),
  link_key: Type.Optional(
    Type.String({
      maxLength: 64,
      description: 'Key of the meeting link (`/j/{key}`, the meeting’s or its series’): holding it is the invitation, so no passcode is asked, also while wrong guesses have closed the passcode',
    }),
  ),
  audio_mute: Type.Optional(Type.Boolean({ description: 'Join with the microphone off' })),
  video_mute: Type.Optional(Type.Boolean({ description: 'Join with the camera off' })),
});

export const ResumeCommand = Type.Object({
  type: Type.Literal('resume'),
  id: RequestId,
  v: Type.Literal(PROTOCOL_VERSION),
  resume_token: Type.String({ minLength: 1, maxLength: 128, description: 'From the connected status of the lost connection' }),
});

export const PasscodeCommand = Type.Object({
  type: Type.Literal('passcode'),
  id: RequestId,
  passcode: Type.String({ maxLength: 32 }),
});

export const MuteCommand = Type.Object({
  type: Type.Literal('mute'),
  id: RequestId,
  audio: Type.Optional(Type.Boolean({ description: 'true = microphone off' })),
  video: Type.Optional(Type.Boolean({ description: 'true = camera off' })),
});

export const HandCommand = Type.Object({
  type: Type.Literal('hand'),
  id: RequestId,
  raised: Type.Boolean({ description: 'true = ask the hosts to be allowed to speak (request unmute)' }),
});

export const RenameCommand = Type.Object({ type: Type.Literal('rename'), id: RequestId, display_name: DisplayName });
export const LeaveCommand = Type.Object({ type: Type.Literal('leave'), id: RequestId });
export const PingCommand = Type.Object({ type: Type.Literal('ping'), id: RequestId });

const Sdp = Type.String({ minLength: 1, maxLength: 65536, description: 'Session description (SDP)' });

export const PublishCommand = Type.Object(
  { type: Type.Literal('media.publish'), id: RequestId, sdp: Sdp },
  { description: 'Offer of the publisher connection: m-lines audio (microphone), video (camera), video (screen share), in that order; answered by media.answer' },
);
export const SubscribeCommand = Type.Object(
  { type: Type.Literal('media.subscribe'), id: RequestId },
  { description: 'Asks for the subscriber connection; answered by media.offer (the client then sends media.accept)' },
);
export const AcceptCommand = Type.Object(
  { type: Type.Literal('media.accept'), id: RequestId, sdp: Sdp },
  { description: 'The client’s answer to media.offer' },
);
export const IceCommand = Type.Object(
  { type: Type.Literal('media.ice'), id: RequestId },
  { description: 'Asks for the ICE servers (TURN with fresh credentials) to put in the next peer connection’s configuration; answered by media.ice_servers' },
);
export const ShareCommand = Type.Object({
  type: Type.Literal('share'),
  id: RequestId,
  sharing: Type.Boolean({ description: 'true = this participant now shares content (taking over from anyone sharing); false = stopped' }),
});

export const ChatSendCommand = Type.Object(
  {
    type: Type.Literal('chat.send'),
    id: RequestId,
    text: Type.String({ minLength: 1, maxLength: 4096, description: 'Plain text (never HTML); the server’s limit may be lower (CONVENE_CHAT_MAX_LENGTH)' }),
    to: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'uuid of the one recipient of a private message; absent = everyone' })),
  },
  { description: 'A chat message; acked, and echoed to the sender as chat.message' },
);
export const ChatDeleteCommand = Type.Object(
  { type: Type.Literal('chat.delete'), id: RequestId, message_id: Type.String({ minLength: 1, maxLength: 64 }) },
  { description: 'Hosts: delete a message for everyone (chat.deleted)' },
);

/** The reactions a participant may send (a fixed set: nobody sends arbitrary text to everyone's tiles). */
export const REACTIONS = ['👍', '👏', '❤️', '😂', '😮', '🎉'] as const;
export type Reaction = (typeof REACTIONS)[number];
export const ReactCommand = Type.Object(
  {
    type: Type.Literal('react'),
    id: RequestId,
    emoji: Type.Unsafe<Reaction>(Type.Union(REACTIONS.map((e) => Type.Literal(e)), { description: 'One of 👍 👏 ❤️ 😂 😮 🎉' })),
  },
  { description: 'A short-lived reaction on one’s tile, shown to everyone (reaction); at most 5 at once, one a second on average' },
);

export const ClientCommand = Type.Union([
  JoinCommand,
  ResumeCommand,
  PasscodeCommand,
  MuteCommand,
  HandCommand,
  RenameCommand,
  LeaveCommand,
  PingCommand,
  PublishCommand,
  SubscribeCommand,
  AcceptCommand,
  IceCommand,
  ShareCommand,
  ChatSendCommand,
  ChatDeleteCommand,
  ReactCommand,
]);
export type ClientCommand = Static<typeof ClientCommand>;
export type CommandType = ClientCommand['type'];
export const COMMAND_SCHEMAS = {
  join: JoinCommand,
  resume: ResumeCommand,
  passcode: PasscodeCommand,
  mute: MuteCommand,
  hand: HandCommand,
  rename: RenameCommand,
  leave: LeaveCommand,
  ping: PingCommand,
  'media.publish': PublishCommand,
  'media.subscribe': SubscribeCommand,
  'media.accept': AcceptCommand,
  'media.ice': IceCommand,
  share: ShareCommand,
  'chat.send': ChatSendCommand,
  'chat.delete': ChatDeleteCommand,
  react: ReactCommand,
} as const;

// ---- server → client ------------------------------------------------------------------------------------------

export const RosterEntry = Type.Object({
  uuid: Uuid,
  display_name: Type.String(),
  user_id: Type.String({ description: '"" for guests' }),
  audio_mute: Type.Boolean(),
  video_mute: Type.Boolean(),
  role: Type.Union([Type.Literal('host'), Type.Literal('participant'), Type.Literal('guest')], {
    description: 'host = owner, MeetingOperator or SystemAdmin (may use the control API)',
  }),
  hand_raised: Type.Boolean(),
});

export const MeetingInfoEvent = Type.Object({
  type: Type.Literal('meeting.info'),
  meeting_number: Type.String(),
  meeting_name: Type.String(),
  display_name: Type.String({ description: 'The receiving participant’s name as accepted' }),
  owner_id: Type.String(),
  owner_name: Type.String(),
  meeting_url: Type.String(),
  group_meeting_url: Type.String(),
  start_time: Type.Integer({ description: 'ms; when this live session started' }),
  end_time: Type.Integer({ description: 'ms; 0 = open-ended (a meeting room)' }),
  is_guest: Type.Boolean(),
  locked: Type.Boolean(),
  share_policy: Type.Union([Type.Literal('everyone'), Type.Literal('hosts')], { description: 'Who may share their screen (a host setting)' }),
  guest_chat: Type.Union([Type.Literal('all'), Type.Literal('public'), Type.Literal('none')], {
    description: 'What guests may write in the chat (a host setting): all, public (no private messages) or none',
  }),
  lobby: Type.Union([Type.Literal('off'), Type.Literal('guests'), Type.Literal('uninvited')], {
    description: 'Who waits in the lobby until a host admits them (a host setting): nobody, guests, or everyone but hosts and invited users',
  }),
});

export const StatusEvent = Type.Object({
  type: Type.Literal('meeting.status'),
  status: Type.Union([Type.Literal('connected'), Type.Literal('disconnected')]),
  reason: ReasonName,
  reason_code: Type.Integer(),
  message: Type.String(),
  resume_token: Type.Optional(Type.String({ description: 'On connected: present it in `resume` after a lost connection' })),
  resumed: Type.Optional(Type.Boolean()),
  self: Type.Optional(RosterEntry),
});

export const JoinFailedEvent = Type.Object({
  type: Type.Literal('join.failed'),
  reason: ReasonName,
  reason_code: Type.Integer(),
  message: Type.String(),
});

export const PasscodeRequestedEvent = Type.Object({
  type: Type.Literal('passcode.requested'),
  rejected: Type.Boolean({ description: 'true when a passcode was given and was wrong (OnPasscodeReject)' }),
  attempts_left: Type.Integer(),
});

export const PasscodeLockoutEvent = Type.Object(
  {
    type: Type.Literal('passcode.lockout'),
    until: Type.Integer({ description: 'ms; until then only hosts and joins carrying the meeting link key get in' }),
    message: Type.String(),
  },
  { description: 'To hosts: the meeting’s budget of wrong passcodes is spent (sent when it happens, and on join while it lasts)' },
);

export const CountEvent = Type.Object({ type: Type.Literal('participant.count'), count: Type.Integer() });

export const RosterEvent = Type.Object({
  type: Type.Literal('roster'),
  full: Type.Boolean({ description: 'true: `participants` is the whole roster; false: only what changed' }),
  participants: Type.Array(RosterEntry),
  left: Type.Array(Uuid, { description: 'Participants who left (deltas only)' }),
  all_audio_mute: Type.Optional(
    Type.Object(
      { muted: Type.Boolean(), except: Type.Array(Uuid) },
      { description: 'Mute all / unmute all: every participant except these now has audio_mute = muted' },
    ),
  ),
});

export const MuteLockEvent = Type.Object({
  type: Type.Literal('mute.lock'),
  muted: Type.Boolean(),
  allow_self_unmute: Type.Boolean(),
});

export const UnmuteRequestEvent = Type.Object({
  type: Type.Literal('unmute.requested'),
  requests: Type.Array(Type.Object({ uuid: Uuid, display_name: Type.String() }), { description: 'Sent to hosts; all open requests (raised hands), first raised first' }),
});

export const UnmuteAllowedEvent = Type.Object({ type: Type.Literal('unmute.allowed') });

export const LayoutEvent = Type.Object({
  type: Type.Literal('layout.setting'),
  lecturer: Type.String({ description: 'uuid of the lecturer; "" = none' }),
  lectures: Type.Array(Uuid),
  max_cell_count: Type.Integer({ description: '1 or 9 for this viewer' }),
  layout: Type.String({ description: 'Layout name from layout_change ("auto" by default)' }),
});

export const PinEvent = Type.Object({
  type: Type.Literal('pin.changed'),
  pin_speaker_uuid: Type.String({ description: 'Who this viewer sees pinned; "" = nobody' }),
  scope: Type.Union([Type.Literal('meeting'), Type.Literal('participant'), Type.Literal('none')]),
});

export const OverlayEvent = Type.Object({
  type: Type.Literal('overlay'),
  enabled: Type.Boolean(),
  text: Type.String(),
  font: Type.String(),
  font_size: Type.Integer(),
  color: Type.String(),
  vertical_position: Type.Integer({ description: '0 top, 50 middle, 100 bottom' }),
  background_transparency: Type.Integer(),
  display_repetition: Type.Integer(),
  display_speed: Type.Union([Type.Literal('static'), Type.Literal('slow')]),
  text_overlay_type: Type.String(),
});

export const SessionStatusEvent = Type.Object({
  type: Type.Literal('session.status'),
  watermark: Type.Object({ enable: Type.Boolean(), style: Type.String() }),
  watermark_msg: Type.String({ description: 'The same watermark as a JSON string, as the FRTC engine passes it' }),
  recording_status: Type.Union([Type.Literal('STARTED'), Type.Literal('NOT_STARTED')]),
  streaming_status: Type.Union([Type.Literal('STARTED'), Type.Literal('NOT_STARTED')]),
  streaming_url: Type.String(),
  streaming_pwd: Type.String(),
});

export const RecordingStoppedEvent = Type.Object(
  {
    type: Type.Literal('recording.stopped'),
    what: Type.Union([Type.Literal('recording'), Type.Literal('streaming')]),
    reason: Type.Union([Type.Literal('diskFull'), Type.Literal('failed')]),
    message: Type.String(),
  },
  { description: 'To hosts: the recording or live stream stopped on its own (the meeting goes on); session.status follows' },
);

export const AckEvent = Type.Object({ type: Type.Literal('ack'), id: RequestId });
export const PongEvent = Type.Object({ type: Type.Literal('pong'), id: RequestId, time: Type.Integer() });
export const ErrorEvent = Type.Object({
  type: Type.Literal('error'),
  id: RequestId,
  errorCode: Type.String({ description: 'FRTC errorCode, as in REST errors' }),
  error: Type.String({ description: 'What was wrong, naming the field' }),
});

export const MediaAnswerEvent = Type.Object({ type: Type.Literal('media.answer'), id: RequestId, sdp: Type.String() });

export const MediaOfferEvent = Type.Object({
  type: Type.Literal('media.offer'),
  id: RequestId,
  sdp: Type.String(),
  audio: Type.Array(Type.String(), { description: 'mids of the audio slots, by slot index' }),
  video: Type.Array(Type.String(), { description: 'mids of the video tiles, by slot index; slot 0 is the large one' }),
  content: Type.String({ description: 'mid of the content (screen share) slot' }),
});

export const IceServer = Type.Object(
  {
    urls: Type.Array(Type.String(), { description: 'turn:/turns: URIs (RFC 7065) of one TURN server' }),
    username: Type.String({ description: 'TURN REST API username: "<expiry in Unix seconds>:<participant uuid>"' }),
    credential: Type.String({ description: 'Base64 HMAC-SHA1 of the username under the TURN server’s shared secret' }),
  },
  { description: 'An RTCIceServer, to pass to RTCPeerConnection as it is' },
);

export const MediaIceServersEvent = Type.Object({
  type: Type.Literal('media.ice_servers'),
  id: RequestId,
  ice_servers: Type.Array(IceServer, { description: 'The RTCConfiguration iceServers; [] when the server has no TURN relay configured' }),
  expires: Type.Integer({ description: 'ms; the credentials work for new allocations until then (ask again for each new connection); 0 = none' }),
});

export const MediaSlotsEvent = Type.Object({
  type: Type.Literal('media.slots'),
  audio: Type.Array(Type.String(), { description: 'uuid heard on each audio slot; "" = silent' }),
  video: Type.Array(Type.String(), { description: 'uuid shown on each video slot; "" = empty. Slot 0: the pinned participant, the lecturer or the dominant speaker' }),
  content: Type.String({ description: 'uuid whose screen share the content slot carries; "" = none' }),
});

export const MediaSpeakerEvent = Type.Object({ type: Type.Literal('media.speaker'), uuid: Type.String({ description: 'Dominant speaker; "" = nobody' }) });

export const MediaRestartEvent = Type.Object({
  type: Type.Literal('media.restart'),
  message: Type.String({ description: 'The media of the meeting was lost (e.g. a media worker failed): publish and subscribe again' }),
});

export const ChatMessage = Type.Object({
  id: Type.String({ description: 'Unique in the meeting session' }),
  time: Type.Integer({ description: 'ms, when the server accepted it' }),
  from: Uuid,
  from_name: Type.String(),
  to: Type.String({ description: '"" = to everyone; else the uuid of the one recipient' }),
  to_name: Type.String(),
  private: Type.Boolean(),
  text: Type.String({ description: 'Plain text: show it as text, never as HTML (links included)' }),
});

export const ChatMessageEvent = Type.Object(
  { type: Type.Literal('chat.message'), message: ChatMessage },
  { description: 'To everyone (or, private, to its sender and recipient)' },
);
export const ChatHistoryEvent = Type.Object(
  { type: Type.Literal('chat.history'), messages: Type.Array(ChatMessage) },
  { description: 'On joining (and on entering a breakout room): the recent messages, oldest first, with one’s own private ones' },
);
export const ChatDeletedEvent = Type.Object({ type: Type.Literal('chat.deleted'), message_id: Type.String() }, { description: 'A host deleted the message' });

export const ReactionEvent = Type.Object(
  { type: Type.Literal('reaction'), uuid: Uuid, emoji: Type.String() },
  { description: 'Show `emoji` on the participant’s tile for a few seconds (nothing is kept)' },
);

export const LobbyWaitingEvent = Type.Object(
  { type: Type.Literal('lobby.waiting'), meeting_name: Type.String(), message: Type.String() },
  {
    description:
      'Instead of the connected status: this participant waits in the lobby until a host admits it (then meeting.status connected and the join snapshot follow, ' +
      'as after a join) or refuses it (meeting.status disconnected, ServerReject). Meanwhile only ping and leave are accepted.',
  },
);

export const LobbyEvent = Type.Object(
  {
    type: Type.Literal('lobby'),
    waiting: Type.Array(
      Type.Object({ uuid: Uuid, display_name: Type.String(), guest: Type.Boolean({ description: 'true = no account' }), since: Type.Integer({ description: 'ms; when it arrived' }) }),
      { description: 'Everyone waiting, first come first' },
    ),
  },
  { description: 'To hosts: who waits in the lobby (on join when someone waits, and with the roster batch after a change)' },
);

export const ServerEvent = Type.Union([
  MeetingInfoEvent,
  StatusEvent,
  JoinFailedEvent,
  PasscodeRequestedEvent,
  PasscodeLockoutEvent,
  CountEvent,
  RosterEvent,
  MuteLockEvent,
  UnmuteRequestEvent,
  UnmuteAllowedEvent,
  LayoutEvent,
  PinEvent,
  OverlayEvent,
  SessionStatusEvent,
  RecordingStoppedEvent,
  AckEvent,
  PongEvent,
  ErrorEvent,
  MediaAnswerEvent,
  MediaOfferEvent,
  MediaIceServersEvent,
  MediaSlotsEvent,
  MediaSpeakerEvent,
  MediaRestartEvent,
  ChatMessageEvent,
  ChatHistoryEvent,
  ChatDeletedEvent,
  ReactionEvent,
  LobbyWaitingEvent,
  LobbyEvent,
]);
export type ServerEvent = Static<typeof ServerEvent>;
export type EventType = ServerEvent['type'];
export type EventOf<T extends EventType> = Extract<ServerEvent, { type: T }>;
export type RosterEntry = Static<typeof RosterEntry>;
export type ChatMessage = Static<typeof ChatMessage>;
export type IceServer = Static<typeof IceServer>;

/** WebSocket close codes the server uses (4000–4999 are for applications). */
export const CLOSE_CODES = {
  /** The participant left or was disconnected; see the last meeting.status / join.failed for why. */
  done: 4000,
  /** The first frame was not a valid join or resume, or the protocol version is not spoken. */
  protocol: 4001,
  /** No pong to our pings: the connection is treated as lost and may be resumed. */
  timeout: 4002,
  /** A newer connection of the same participant took over. */
  replaced: 4003,
  /** The connection sent frames faster than any client needs to; it is closed and its place in the meeting given up. */
  tooFast: 4004,
} as const;
