import Type, { type TSchema } from 'typebox';
import type { DomainErrorKind } from '../../src/kernel/domain-error.ts';
import { Empty, PageQuery, Timestamp } from './common.ts';
import type { Permission } from '../permissions.ts';
import { type Access, type HttpMethod, operation } from './operation.ts';

/**
 * Meeting control (the API document's "Meeting Control", client contract §2.4): calls on a live meeting, addressed by
 * its number. `participants` arrays hold participant uuids, i.e. the client_ids the participants joined with.
 */
export const MeetingNumber = Type.String({ minLength: 1, maxLength: 32, pattern: '^[0-9]+$', description: 'Digits' });
export const Participant = Type.String({ minLength: 1, maxLength: 128, description: 'A participant uuid (its client_id)' });
const Participants = Type.Array(Participant, { minItems: 1, maxItems: 10_000 });

export const ByNumber = Type.Object({ meeting_number: MeetingNumber });
const ByTarget = Type.Object({ meeting_number: MeetingNumber, target_client_id: Participant });
const ByPinned = Type.Object({ meeting_number: MeetingNumber, pinned_client_id: Participant });
const ByViewer = Type.Object({ meeting_number: MeetingNumber, viewer_client_id: Participant });

export const CONTROL_ERRORS: DomainErrorKind[] = ['auth.required', 'permission.denied', 'notFound', 'state.invalid', 'input.invalid'];

/** One control call: same shape for every entry of the table, so the list below reads like the document. */
export const control = <B extends TSchema | undefined, P extends TSchema = typeof ByNumber>(spec: {
  id: string;
  methods: readonly HttpMethod[];
  path: string;
  summary: string;
  description?: string;
  body?: B;
  params?: P;
  access?: Access;
  permission?: Permission;
  errors?: DomainErrorKind[];
}) =>
  operation({
    id: spec.id,
    methods: spec.methods,
    paths: [`/api/v1/meeting/{meeting_number}${spec.path}`],
    tag: 'meeting control',
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    access: spec.access ?? 'user',
    // Calls a participant makes for itself (rename, request unmute; `optionalUser`) are also open to that participant.
    ...(spec.access === undefined ? { permission: spec.permission ?? ('meeting.host' as const) } : {}),
    params: (spec.params ?? ByNumber) as P,
    ...(spec.body ? { body: spec.body } : {}),
    response: Empty,
    errors: [...CONTROL_ERRORS, ...(spec.errors ?? [])],
  });

export const muteAll = control({
  id: 'muteAll',
  methods: ['POST'],
  path: '/mute_all',
  summary: 'Mute every participant except the hosts and the exclusions',
  description: 'allow_self_unmute defaults to true. Hosts (owner, MeetingOperator, SystemAdmin) in the meeting are not muted.',
  body: Type.Object({
    allow_self_unmute: Type.Boolean({ default: true }),
    exclusions: Type.Optional(Type.Array(Participant, { maxItems: 10_000, description: 'Participants to leave as they are' })),
  }),
});

export const unmuteAll = control({ id: 'unmuteAll', methods: ['POST'], path: '/unmute_all', summary: 'Lift every host mute' });

export const mute = control({
  id: 'muteParticipants',
  methods: ['POST'],
  path: '/mute',
  summary: 'Mute one or more participants',
  description: 'allow_self_unmute defaults to true (the Windows app omits it).',
  body: Type.Object({ allow_self_unmute: Type.Boolean({ default: true }), participants: Participants }),
});

export const unmute = control({
  id: 'unmuteParticipants',
  methods: ['POST'],
  path: '/unmute',
  summary: 'Lift the host mute of one or more participants',
  body: Type.Object({ participants: Participants }),
});

export const stop = control({
  id: 'stopMeeting',
  methods: ['POST'],
  path: '/stop',
  summary: 'End the meeting for everyone',
  description:
    'Every participant is disconnected with reason MeetingStop. rejoin true (the default when absent, as no app sends it) lets ' +
    'people join the same meeting again; false ends it and refuses joins until the meeting is next scheduled.',
  body: Type.Object({ rejoin: Type.Boolean({ default: true }) }),
});

export const renameParticipant = control({
  id: 'renameParticipant',
  methods: ['POST'],
  path: '/participant',
  summary: 'Change a participant’s display name',
  description:
    'Hosts rename anyone. A participant (guest or not, token optional) renames only itself: client_id in the body equals the ' +
    'caller’s client_id, and the call comes from the same address as its meeting connection.',
  access: 'optionalUser',
  body: Type.Object({
    client_id: Participant,
    display_name: Type.String({ minLength: 1, maxLength: 128, pattern: '\\S', description: '1–128 characters, not only blanks' }),
  }),
});

export const startOverlay = control({
  id: 'startOverlay',
  methods: ['POST'],
  path: '/overlay',
  summary: 'Show a text overlay to every participant',
  description: 'position: 0 top, 50 middle, 100 bottom. A static (not scrolling) overlay is shown once.',
  body: Type.Object({
    content: Type.String({ minLength: 1, maxLength: 4096 }),
    repeat: Type.Integer({ minimum: 1, maximum: 999, default: 3, description: 'How often a scrolling text passes' }),
    position: Type.Union([Type.Literal(0), Type.Literal(50), Type.Literal(100)], { default: 0 }),
    enable_scroll: Type.Boolean({ default: true }),
  }),
});

export const stopOverlay = control({ id: 'stopOverlay', methods: ['DELETE'], path: '/overlay', summary: 'Remove the text overlay' });

export const setLecturer = control({
  id: 'setLecturer',
  methods: ['POST'],
  path: '/lecturer',
  summary: 'Make a participant the lecturer (everyone sees them large)',
  body: Type.Object({ lecturer: Participant }),
});

export const unsetLecturer = control({ id: 'unsetLecturer', methods: ['DELETE'], path: '/lecturer', summary: 'End lecturer mode' });

export const disconnect = control({
  id: 'disconnectParticipants',
  methods: ['DELETE'],
  path: '/disconnect',
  summary: 'Remove one or more participants (reason RemovedFromMeeting)',
  body: Type.Object({ participants: Participants }),
});

export const disconnectAll = control({
  id: 'disconnectAll',
  methods: ['DELETE'],
  path: '/disconnect_all',
  summary: 'Remove every participant except the caller; the meeting goes on',
  description: 'A body listing participants (as in the API document) is accepted and ignored: everyone is removed.',
  body: Type.Object({ participants: Type.Optional(Type.Array(Participant, { maxItems: 10_000 })) }),
});

export const pinForMeeting = control({
  id: 'pinForMeeting',
  methods: ['POST'],
  path: '/pin',
  summary: 'Pin one participant for everyone',
  body: Type.Object({ participants: Type.Array(Participant, { minItems: 1, maxItems: 1, description: 'Exactly one uuid' }) }),
});

export const unpinForMeeting = control({ id: 'unpinForMeeting', methods: ['DELETE'], path: '/pin', summary: 'Remove the meeting pin' });

export const pinForParticipant = control({
  id: 'pinForParticipant',
  methods: ['POST'],
  path: '/participant/{target_client_id}/pin',
  summary: 'Choose whom one viewer sees pinned',
  description: 'participants holds one other participant, or is empty to clear this viewer’s pin (the meeting pin applies again).',
  params: ByTarget,
  body: Type.Object({ participants: Type.Array(Participant, { maxItems: 1, default: [] }) }),
});

export const unpinForParticipant = control({
  id: 'unpinForParticipant',
  methods: ['DELETE'],
  path: '/participant/{pinned_client_id}/pin',
  summary: 'Clear one viewer’s own pin',
  params: ByPinned,
});

export const layoutChange = control({
  id: 'layoutChange',
  methods: ['POST'],
  path: '/participant/{viewer_client_id}/layout_change',
  summary: 'Set how many videos one viewer sees (1 or 9) and the layout name',
  params: ByViewer,
  body: Type.Object({
    max_views: Type.Union([Type.Literal(1), Type.Literal(9)]),
    layout: Type.String({ minLength: 1, maxLength: 32, default: 'auto' }),
  }),
});

export const requestUnmute = control({
  id: 'requestUnmute',
  methods: ['POST'],
  path: '/request_unmute',
  summary: 'Ask the hosts to be allowed to speak (the caller’s client_id)',
  description: 'Token optional: guests and the Windows app call it with client_id only, from their meeting connection’s address.',
  access: 'optionalUser',
});

export const allowUnmute = control({
  id: 'allowUnmute',
  methods: ['POST'],
  path: '/allow_unmute',
  summary: 'Grant unmute requests',
  body: Type.Object({ participants: Participants }),
});

export const allowUnmuteAll = control({ id: 'allowUnmuteAll', methods: ['POST'], path: '/allow_unmute_all', summary: 'Grant every open unmute request' });

export const lock = control({ id: 'lockMeeting', methods: ['POST'], path: '/lock', summary: 'Refuse new joins (MeetingLocked)' });
export const unlock = control({ id: 'unlockMeeting', methods: ['DELETE'], path: '/lock', summary: 'Accept new joins again' });

export const SharePolicy = Type.Union([Type.Literal('everyone'), Type.Literal('hosts')], {
  description: 'everyone: any participant may share their screen; hosts: only hosts (the SFU forwards nobody else’s screen)',
});

export const setSharePolicy = control({
  id: 'setSharePolicy',
  methods: ['POST'],
  path: '/share_policy',
  summary: 'Choose who may share their screen (Convene extension)',
  description:
    'Starts as CONVENE_SHARE_POLICY. Switching to hosts ends a share by anyone else at once; participants see the setting in meeting.info (share_policy).',
  body: Type.Object({ who: SharePolicy }),
});

export const RecordingLayout = Type.Union([Type.Literal('speaker'), Type.Literal('gallery')], {
  description:
    'Convene extension. speaker: the picture the meeting shows large (pin, else lecturer, else the active speaker; the screen share while ' +
    'one is on), not re-encoded; gallery: a 3×3 grid of up to nine, re-encoded. Default: CONVENE_RECORDING_LAYOUT',
});

export const recording = control({
  id: 'recording',
  methods: ['POST', 'DELETE'],
  path: '/recording',
  summary: 'Start (POST) or stop (DELETE) recording',
  description:
    'Records the meeting from the SFU into a WebM file in the server\'s recordings folder (see the recordings API). Everyone in the ' +
    'meeting is told (session.status recording_status). Errors as the apps read them: already recording 0x0000f006 (409); not ' +
    'recording, on DELETE, 0x0000f100 (409); CONVENE_MAX_RECORDINGS recordings running, or too little disk space, 0x0000f004 (503); ' +
    'ffmpeg or the media workers missing 0x0000f005 (503). The body\'s meeting_number (the apps send it) is ignored: the path names the meeting.',
  body: Type.Object({ layout: Type.Optional(RecordingLayout) }),
  errors: ['recording.already', 'recording.notRunning', 'recording.resources', 'recording.unavailable'],
});

export const liveStreaming = control({
  id: 'liveStreaming',
  methods: ['POST', 'DELETE'],
  path: '/live',
  summary: 'Start (POST) or stop (DELETE) live streaming',
  description:
    'Streams the meeting as HLS at its live URL ({public URL}/live/{key}), where viewers watch in a browser after entering the live ' +
    'passcode. live_password: digits (4–16); absent or "" = a generated 6-digit passcode (the Windows app omits it). Scheduled ' +
    'meetings with generate_live_url keep their URL and live_passcode. rtmp_url (Convene extension): also push the stream to this ' +
    'rtmp:// or rtmps:// address. Participants get status, URL and passcode in session.status. The API document labels the start ' +
    'DELETE; every app sends POST. Errors: already streaming 0x00010006 (409), not streaming on DELETE 0x00010100 (409), ' +
    'CONVENE_MAX_LIVE_STREAMS reached 0x00010004 (503), ffmpeg or media missing 0x00010005 (503).',
  permission: 'meeting.stream',
  body: Type.Object({
    live_password: Type.Optional(Type.String({ maxLength: 16, pattern: '^[0-9]*$', description: 'Digits, or "" for a generated passcode' })),
    layout: Type.Optional(RecordingLayout),
    rtmp_url: Type.Optional(Type.String({ maxLength: 2048, pattern: '^(rtmps?://\\S+)?$', description: 'rtmp:// or rtmps:// address, or ""' })),
  }),
  errors: ['streaming.already', 'streaming.notRunning', 'streaming.resources', 'streaming.unavailable'],
});

const Loose = (description: string, maxLength: number) => Type.Union([Type.String({ maxLength }), Type.Number()], { description });

export const cascading = control({
  id: 'cascading',
  methods: ['POST'],
  path: '/cascading',
  summary: 'Call another meeting system into this meeting',
  description:
    'Calls AVC endpoints or MCUs (avc_call_params) and another FRTC meeting (frtc_call_params) into this meeting. protocol SIP: the ' +
    'SIP gateway calls uri (a sip: URI, or $IP##123 = conference 123 at that address) and the endpoint joins as a participant named ' +
    'name (audio only); 503 0x10002001 when the gateway is off. protocol H.323: 400 0x10000001 (H.323 needs an external H.323↔SIP ' +
    'gateway, called as SIP). frtc_call_params (meeting-to-meeting) is not built: 503 0x10002001.',
  body: Type.Object({
    avc_call_params: Type.Optional(
      Type.Array(
        Type.Object({
          protocol: Type.String({ maxLength: 16, description: 'SIP, or H.323 (called through the H.323↔SIP gateway of CONVENE_H323_GATEWAY; 400 without one)' }),
          name: Type.Optional(Type.String({ maxLength: 128 })),
          uri: Type.Optional(Type.String({ maxLength: 512, description: 'A SIP URI, or $IP##123 (conference 123 at that address)' })),
          call_rate: Type.Optional(Loose('kbit/s (2048 or 2048K): announced in the SIP leg\'s SDP as b=AS and b=TIAS; the meeting\'s call_rate_type when absent', 16)),
        }),
        { maxItems: 16 },
      ),
    ),
    frtc_call_params: Type.Optional(
      Type.Object({ meeting_number: Type.Optional(Loose('Meeting number', 32)), password: Type.Optional(Loose('Its passcode', 64)) }),
    ),
  }),
  errors: ['service.unavailable'],
});

// ---- reads ----------------------------------------------------------------------------------------------------

const LiveMeetingItem = Type.Object({
  meeting_number: Type.String(),
  meeting_name: Type.String(),
  start_time: Timestamp,
  end_time: Type.Integer({ description: 'ms; 0 = open-ended (a meeting room)' }),
  status: Type.Literal('STARTED'),
  owner_id: Type.String(),
  owner_name: Type.String(),
  locked: Type.Boolean(),
  participant_count: Type.Integer(),
});

export const listLiveMeetings = operation({
  id: 'listLiveMeetings',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/meeting'],
  tag: 'meeting control',
  summary: 'Meetings in progress',
  description:
    'SystemAdmin and MeetingOperator see every live meeting; others see the live meetings they own. Ordered by start, ' +
    'paged by page_num/page_size (at most 500 a page, default 500).',
  access: 'user',
  query: Type.Object({ page_num: PageQuery.page_num, page_size: PageQuery.page_size }),
  response: Type.Object({ meetings: Type.Array(LiveMeetingItem), total_page_num: Type.Integer(), total_size: Type.Integer() }),
  errors: ['auth.required'],
});

const DetailParticipant = Type.Object({
  client_uuid: Type.String(),
  name: Type.String(),
  type: Type.Union([Type.Literal('GUEST'), Type.Literal('USER')]),
  user_id: Type.String(),
  mute_audio: Type.Boolean(),
  mute_video: Type.Boolean(),
  lecture: Type.Boolean(),
  hand_raised: Type.Boolean(),
  joined_time: Timestamp,
  room: Type.String({ description: 'The breakout room the participant is in now (an id from GET …/breakout); "" = the main meeting' }),
});

export const LiveMeetingDetail = Type.Object({
  meeting_number: Type.String(),
  meeting_name: Type.String(),
  start_time: Timestamp,
  end_time: Type.Integer(),
  meeting_password: Type.String(),
  status: Type.Literal('STARTED'),
  owner_id: Type.String(),
  owner_name: Type.String(),
  guest_dial_in: Type.Boolean(),
  watermark: Type.Boolean(),
  locked: Type.Boolean(),
  share_policy: SharePolicy,
  passcode_lockout_until: Type.Integer({
    description: 'ms; while the meeting’s budget of wrong passcodes is spent, until when only hosts and joins from the meeting link get in; 0 = not spent',
  }),
  participant_count: Type.Integer({ description: 'everyone in the meeting, also those on other pages of participants' }),
  participants: Type.Array(DetailParticipant, { description: 'in order of joining, one page (page_num/page_size, at most 500)' }),
});

export const liveMeetingDetail = operation({
  id: 'liveMeetingDetail',
  methods: ['GET', 'POST'],
  paths: ['/api/v1/meeting/{meeting_number}'],
  tag: 'meeting control',
  summary: 'A live meeting and its participants; with end_time in the body, move its end',
  description:
    'The API document uses POST both to read the detail (empty body) and to update the end time (`{"end_time": ms}`); ' +
    'both answer with the detail. A new end time must lie in the future. participants is one page of the roster, ' +
    'in order of joining: page_num/page_size, at most 500 a page, default 500.',
  access: 'user',
  permission: 'meeting.host',
  params: ByNumber,
  query: Type.Object({ page_num: PageQuery.page_num, page_size: PageQuery.page_size }),
  body: Type.Object({ end_time: Type.Optional(Timestamp) }),
  response: LiveMeetingDetail,
  errors: CONTROL_ERRORS,
});

const SessionRecord = Type.Object({
  session_id: Type.String(),
  meeting_name: Type.String(),
  start_time: Timestamp,
  end_time: Type.Integer({ description: '0 while still live' }),
  end_reason: Type.String(),
  attendance: Type.Array(
    Type.Object({
      client_uuid: Type.String(),
      name: Type.String(),
      user_id: Type.String(),
      joined_time: Timestamp,
      left_time: Type.Integer({ description: '0 while still in the meeting' }),
      left_reason: Type.String(),
    }),
    { maxItems: 100, description: 'in order of joining, the first 100 joins' },
  ),
  attendance_truncated: Type.Boolean({ description: 'true when the session had more joins than attendance lists' }),
});

export const meetingHistory = operation({
  id: 'meetingHistory',
  methods: ['GET'],
  paths: ['/api/v1/meeting/{meeting_number}/history'],
  tag: 'meeting control',
  summary: 'Past and current live sessions of a meeting number, with who joined and left when (extension)',
  description:
    'For the meeting’s owner (their own sessions), MeetingOperator and SystemAdmin (all). Newest first, paged by ' +
    'page_num/page_size (20 sessions a page by default, at most 50); each session lists its first 100 joins.',
  access: 'user',
  permission: 'meeting.host',
  params: ByNumber,
  query: Type.Object({ page_num: PageQuery.page_num, page_size: PageQuery.page_size }),
  response: Type.Object({ sessions: Type.Array(SessionRecord), total_page_num: Type.Integer(), total_size: Type.Integer() }),
  errors: ['auth.required', 'permission.denied', 'notFound'],
});

export const meetingControlOperations = [
  listLiveMeetings,
  liveMeetingDetail,
  meetingHistory,
  muteAll,
  unmuteAll,
  mute,
  unmute,
  stop,
  renameParticipant,
  startOverlay,
  stopOverlay,
  setLecturer,
  unsetLecturer,
  disconnect,
  disconnectAll,
  pinForMeeting,
  unpinForMeeting,
  pinForParticipant,
  unpinForParticipant,
  layoutChange,
  requestUnmute,
  allowUnmute,
  allowUnmuteAll,
  lock,
  unlock,
  setSharePolicy,
  recording,
  liveStreaming,
  cascading,
];
