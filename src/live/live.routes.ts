import type { FastifyInstance } from 'fastify';
import type { Static } from 'typebox';
import * as ops from '../../contract/rest/meeting-control.ts';
import type { Authenticate, RequestContext } from '../http/route.ts';
import { registerOperation } from '../http/route.ts';
import type { ControlCaller, MeetingControl } from './control.service.ts';
import type { LiveMeeting } from './live-meeting.ts';
import type { Participant } from './participant.ts';
import type { SessionRecord } from './ports.ts';
import type { RecordingLayout } from '../media/engine.ts';

const wireItem = (m: LiveMeeting) => ({
  meeting_number: m.meetingNumber,
  meeting_name: m.settings.name,
  start_time: m.startedAt,
  end_time: m.endTime ?? 0,
  status: 'STARTED' as const,
  owner_id: m.settings.ownerId,
  owner_name: m.settings.ownerName,
  locked: m.locked,
  participant_count: m.count,
});

/** Pages of the roster and of the live meetings: the apps never call these; third parties get bounded answers. */
const MAX_PAGE_SIZE = 500;

/** One page (1-based) of `items` in the order `by` gives, and the page count. */
function pageOf<T>(items: Iterable<T>, by: (a: T, b: T) => number, q: { page_num?: number; page_size?: number }): { page: T[]; pages: number; total: number } {
  const all = [...items].sort(by);
  const size = Math.min(q.page_size ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
  const from = ((q.page_num ?? 1) - 1) * size;
  return { page: all.slice(from, from + size), pages: Math.ceil(all.length / size), total: all.length };
}

const byJoining = (a: Participant, b: Participant) => a.joinedAt - b.joinedAt || (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0);
const byStart = (a: LiveMeeting, b: LiveMeeting) => a.startedAt - b.startedAt || (a.meetingNumber < b.meetingNumber ? -1 : 1);

const wireDetail = (m: LiveMeeting, q: { page_num?: number; page_size?: number }): Static<typeof ops.LiveMeetingDetail> => ({
  ...wireItem(m),
  meeting_password: m.settings.password,
  guest_dial_in: m.settings.guestDialIn,
  watermark: m.settings.watermark,
  share_policy: m.sharePolicy,
  passcode_lockout_until: m.lockoutUntil ?? 0,
  participants: pageOf(m.participants.values(), byJoining, q).page.map((p) => ({
    client_uuid: p.clientId,
    name: p.displayName,
    type: p.userId === '' ? ('GUEST' as const) : ('USER' as const),
    user_id: p.userId,
    mute_audio: p.audioMuted,
    mute_video: p.videoMuted,
    lecture: m.lecturer === p.clientId,
    hand_raised: p.handRaised,
    joined_time: p.joinedAt,
    room: p.room,
  })),
});

const wireSession = (s: SessionRecord) => ({
  session_id: s.id,
  meeting_name: s.name,
  start_time: s.startedAt,
  end_time: s.endedAt,
  end_reason: s.endReason,
  attendance: s.attendance.map((a) => ({
    client_uuid: a.clientId,
    name: a.displayName,
    user_id: a.userId,
    joined_time: a.joinedAt,
    left_time: a.leftAt,
    left_reason: a.leftReason,
  })),
  attendance_truncated: s.attendanceTruncated,
});

const done = {};

/** The control calls served by other services: recording (src/recording) and live streaming (src/streaming). */
export interface CaptureControls {
  recording?: {
    start(caller: ControlCaller, number: string, layout: RecordingLayout | undefined): Promise<void>;
    stop(caller: ControlCaller, number: string): Promise<void>;
  };
  streaming?: {
    start(caller: ControlCaller, number: string, input: { passcode?: string; layout?: RecordingLayout; rtmpUrl?: string }): Promise<void>;
    stop(caller: ControlCaller, number: string): Promise<void>;
  };
}

/** Thin adapters from the meeting-control operations to MeetingControl (and, for recording and streaming, `capture`). */
export function liveRoutes(app: FastifyInstance, control: MeetingControl, authenticate: Authenticate, capture: CaptureControls = {}): void {
  // Every control call knows the address it came from: token-less calls are tied to it, unknown numbers counted by it.
  const on = <O extends (typeof ops.meetingControlOperations)[number]>(op: O, handler: (ctx: RequestContext<O> & { caller: ControlCaller }) => ReturnType<Parameters<typeof registerOperation<O>>[3]>) =>
    registerOperation(app, op, authenticate, (ctx) => handler({ ...ctx, caller: { ...ctx.caller, address: ctx.request.ip } }));
  on(ops.listLiveMeetings, async ({ caller, query }) => {
    const { page, pages, total } = pageOf(control.list(caller), byStart, query);
    return { meetings: page.map(wireItem), total_page_num: pages, total_size: total };
  });
  on(ops.liveMeetingDetail, async ({ caller, params, query, body }) => wireDetail(await control.detail(caller, params.meeting_number, body?.end_time), query));
  on(ops.meetingHistory, async ({ caller, params, query }) => {
    const page = await control.history(caller, params.meeting_number, {
      ...(query.page_num !== undefined ? { pageNum: query.page_num } : {}),
      ...(query.page_size !== undefined ? { pageSize: query.page_size } : {}),
    });
    return { sessions: page.sessions.map(wireSession), total_page_num: Math.ceil(page.total / page.pageSize), total_size: page.total };
  });
  on(ops.muteAll, async ({ caller, params, body }) => {
    await control.muteAll(caller, params.meeting_number, body.allow_self_unmute, body.exclusions ?? []);
    return done;
  });
  on(ops.unmuteAll, async ({ caller, params }) => {
    await control.unmuteAll(caller, params.meeting_number);
    return done;
  });
  on(ops.mute, async ({ caller, params, body }) => {
    await control.mute(caller, params.meeting_number, body.participants, body.allow_self_unmute);
    return done;
  });
  on(ops.unmute, async ({ caller, params, body }) => {
    await control.unmute(caller, params.meeting_number, body.participants);
    return done;
  });
  on(ops.stop, async ({ caller, params, body }) => {
    await control.stop(caller, params.meeting_number, body.rejoin);
    return done;
  });
  on(ops.renameParticipant, async ({ caller, params, body }) => {
    await control.rename(caller, params.meeting_number, body.client_id, body.display_name.trim());
    return done;
  });
  on(ops.startOverlay, async ({ caller, params, body }) => {
    await control.setOverlay(caller, params.meeting_number, { content: body.content, repeat: body.repeat, position: body.position, scroll: body.enable_scroll });
    return done;
  });
  on(ops.stopOverlay, async ({ caller, params }) => {
    await control.setOverlay(caller, params.meeting_number, null);
    return done;
  });
  on(ops.setLecturer, async ({ caller, params, body }) => {
    await control.setLecturer(caller, params.meeting_number, body.lecturer);
    return done;
  });
  on(ops.unsetLecturer, async ({ caller, params }) => {
    await control.setLecturer(caller, params.meeting_number, null);
    return done;
  });
  on(ops.disconnect, async ({ caller, params, body }) => {
    await control.disconnect(caller, params.meeting_number, body.participants);
    return done;
  });
  on(ops.disconnectAll, async ({ caller, params }) => {
    await control.disconnect(caller, params.meeting_number, 'all');
    return done;
  });
  on(ops.pinForMeeting, async ({ caller, params, body }) => {
    await control.pin(caller, params.meeting_number, body.participants[0] ?? null);
    return done;
  });
  on(ops.unpinForMeeting, async ({ caller, params }) => {
    await control.pin(caller, params.meeting_number, null);
    return done;
  });
  on(ops.pinForParticipant, async ({ caller, params, body }) => {
    await control.pinFor(caller, params.meeting_number, params.target_client_id, body.participants[0] ?? null);
    return done;
  });
  on(ops.unpinForParticipant, async ({ caller, params }) => {
    await control.pinFor(caller, params.meeting_number, params.pinned_client_id, null);
    return done;
  });
  on(ops.layoutChange, async ({ caller, params, body }) => {
    await control.layout(caller, params.meeting_number, params.viewer_client_id, body.max_views, body.layout);
    return done;
  });
  on(ops.requestUnmute, async ({ caller, params }) => {
    await control.requestUnmute(caller, params.meeting_number);
    return done;
  });
  on(ops.allowUnmute, async ({ caller, params, body }) => {
    await control.allowUnmute(caller, params.meeting_number, body.participants);
    return done;
  });
  on(ops.allowUnmuteAll, async ({ caller, params }) => {
    await control.allowUnmute(caller, params.meeting_number, 'all');
    return done;
  });
  on(ops.lock, async ({ caller, params }) => {
    await control.setLocked(caller, params.meeting_number, true);
    return done;
  });
  on(ops.unlock, async ({ caller, params }) => {
    await control.setLocked(caller, params.meeting_number, false);
    return done;
  });
  on(ops.setSharePolicy, async ({ caller, params, body }) => {
    await control.setSharePolicy(caller, params.meeting_number, body.who);
    return done;
  });
  on(ops.recording, async ({ caller, params, body, request }) => {
    const recording = capture.recording;
    if (!recording) return control.unavailable(caller, params.meeting_number, 'recording');
    if (request.method === 'POST') await recording.start(caller, params.meeting_number, body?.layout);
    else await recording.stop(caller, params.meeting_number);
    return done;
  });
  on(ops.liveStreaming, async ({ caller, params, body, request }) => {
    const streaming = capture.streaming;
    if (!streaming) return control.unavailable(caller, params.meeting_number, 'live streaming');
    if (request.method === 'POST') {
      await streaming.start(caller, params.meeting_number, {
        ...(body?.live_password ? { passcode: body.live_password } : {}),
        ...(body?.layout ? { layout: body.layout } : {}),
        ...(body?.rtmp_url ? { rtmpUrl: body.rtmp_url } : {}),
      });
    } else {
      await streaming.stop(caller, params.meeting_number);
    }
    return done;
  });
  on(ops.cascading, async ({ caller, params, body }) => {
    const calls = (body?.avc_call_params ?? []).map((c) => ({
      protocol: c.protocol,
      ...(c.name !== undefined ? { name: c.name } : {}),
      ...(c.uri !== undefined ? { uri: c.uri } : {}),
      ...(c.call_rate !== undefined ? { callRate: c.call_rate } : {}),
    }));
    const frtc = body?.frtc_call_params;
    await control.cascade(caller, params.meeting_number, calls, frtc !== undefined && String(frtc.meeting_number ?? '') !== '');
    return done;
  });
}
