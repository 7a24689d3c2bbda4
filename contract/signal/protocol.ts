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
  requests: Type.Array(Type.Object({ uuid: Uuid, display_name: Type.String() }), { description: 'Sent to hosts; all open requests' }),
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
]);
export type ServerEvent = Static<typeof ServerEvent>;
export type EventType = ServerEvent['type'];
export type EventOf<T extends EventType> = Extract<ServerEvent, { type: T }>;
export type RosterEntry = Static<typeof RosterEntry>;
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
