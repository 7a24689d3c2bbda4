import type { Caller } from '../accounts/caller.ts';
import type { User } from '../accounts/user.ts';
import { may } from '../accounts/permissions.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import { type LobbyMode, MAX_MEETING_MS } from '../scheduling/meeting.ts';
import { type LiveMeeting, NO_OVERLAY, type SharePolicy } from './live-meeting.ts';
import type { LiveService } from './live.service.ts';
import { PROBES_REFUSED } from './number-probes.ts';
import type { Participant } from './participant.ts';
import type { GuestChat } from './chat.ts';
import { roomNames } from './breakout.ts';
import type { ChatLog, SessionRecord, StoredChat, TranscriptSession } from './ports.ts';

/** The caller of a control call, with the network address its request came from. */
export type ControlCaller = Caller & { address: string };

/** Hosts of a meeting (client contract §9; the rule is contract/permissions.ts's `meeting.host`). */
const canControl = (user: User, meeting: { ownerId: string }): boolean => may(user, 'meeting.host', meeting);

const DENIED = 'token: only the meeting’s owner, a MeetingOperator or a SystemAdmin may control this meeting';

/** Sessions of the history a page holds by default and at most, and joins listed per session (issue 11: bounded answers). */
export const HISTORY_PAGE_SIZE = 20;
export const MAX_HISTORY_PAGE_SIZE = 50;
export const ATTENDANCE_PER_SESSION = 100;

export interface OverlayInput {
  content: string;
  repeat: number;
  position: 0 | 50 | 100;
  scroll: boolean;
}

/**
 * The meeting-control API (client contract §2.4): every call checks that the caller may control this meeting (a token
 * alone is not enough), that the meeting is live, and that the participants named are in it; then it changes the
 * meeting and tells exactly the participants affected.
 *
 * What the answers tell about numbers one may not host: signed-in callers hear plainly whether a number exists
 * (404), is someone else's (403) or is not live (409), and their numbers that do not exist spend their address's
 * unknown-number budget (then every such answer is 429). Token-less callers (a participant's own rename and
 * request_unmute) get the same 403 whether the number exists, is live or has them in it.
 */
/** One endpoint of the cascading call (avc_call_params). */
export interface CascadeCall {
  protocol: string;
  name?: string;
  uri?: string;
  /** kbit/s as the apps send it: "2048", "2048K", or a number. */
  callRate?: string | number;
}

/** Places SIP calls into a meeting (implemented by the SIP gateway); `kbps`: the call rate to announce. */
export interface Dialer {
  dialOut(meeting: LiveMeeting, target: { name: string; uri: string; kbps?: number }): Promise<void>;
}

/**
 * An H.323 endpoint's `uri` called through an H.323↔SIP gateway: the endpoint (an IP address, `IP##conference`, an
 * H.323 alias or E.164 number, optionally `h323:`-prefixed) becomes the user part of a request URI at the gateway,
 * escaped (`sip:10.0.0.1%23%23123@gateway`), which is how such gateways take the H.323 destination; undefined when the
 * uri is not one.
 */
export function h323Target(uri: string, gateway: string): string | undefined {
  const endpoint = uri.trim().replace(/^h323:/i, '');
  if (!/^[0-9A-Za-z.:#*@+_-]{1,128}$/.test(endpoint)) return undefined;
  const host = /^sips?:(?:[^@]*@)?([^;?]+)/.exec(gateway)?.[1];
  return host ? `sip:${encodeURIComponent(endpoint)}@${host}` : undefined;
}

/** The cascading call's `call_rate` in kbit/s (undefined when not given); a value that is no rate is refused. */
export function cascadeRate(value: string | number | undefined, field: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const m = /^(\d{1,6})\s*k?$/i.exec(String(value).trim());
  const kbps = m ? Number(m[1]) : Number.NaN;
  if (!(kbps >= 16 && kbps <= 100_000)) return fail('input.invalid', `${field}: a call rate in kbit/s, 16 to 100000 (e.g. 2048 or 2048K)`);
  return kbps;
}

/** A cascading `uri` as a SIP URI: `$IP##123` (conference 123 at that address) or a sip: URI; undefined otherwise. */
export function sipTarget(uri: string): string | undefined {
  const text = uri.trim();
  const avc = /^\$?([0-9A-Za-z.-]+(?::\d{1,5})?)##([0-9A-Za-z*#.+-]{1,64})$/.exec(text);
  if (avc) return `sip:${avc[2]}@${avc[1]}`;
  if (/^sip:([^@\s<>"]{1,64}@)?[0-9A-Za-z.-]+(:\d{1,5})?(;[^\s<>"]*)?$/.test(text) && text.length <= 512) return text;
  return undefined;
}

export class MeetingControl {
  constructor(
    private readonly live: LiveService,
    private readonly clock: Clock,
    private readonly chats: ChatLog,
  ) {}

  /** Live meetings the caller may see: all for MeetingOperator and SystemAdmin, their own for others. */
  list(caller: ControlCaller): LiveMeeting[] {
    const user = signedIn(caller);
    return this.live.list().filter((m) => canControl(user, m.settings));
  }

  async detail(caller: ControlCaller, number: string, endTime?: number): Promise<LiveMeeting> {
    const meeting = await this.controlled(caller, number);
    if (endTime !== undefined) {
      const now = this.clock.now();
      if (endTime <= now) fail('input.invalid', 'end_time: must be in the future');
      if (endTime - meeting.startedAt > MAX_MEETING_MS) fail('input.invalid', 'end_time: a meeting may last at most 7 days');
      this.live.apply(meeting, meeting.setEndTime(endTime));
    }
    return meeting;
  }

  /**
   * One page of the sessions under the number (newest first, HISTORY_PAGE_SIZE by default, at most MAX_HISTORY_PAGE_SIZE),
   * each with its first ATTENDANCE_PER_SESSION joins: all sessions for MeetingOperator and SystemAdmin, those of one's
   * own meetings for others (a number can change hands when a meeting is deleted).
   */
  async history(caller: ControlCaller, number: string, paging: { pageNum?: number; pageSize?: number } = {}): Promise<{ sessions: SessionRecord[]; total: number; pageSize: number }> {
    const user = signedIn(caller);
    await this.live.settled();
    const pageSize = Math.min(paging.pageSize ?? HISTORY_PAGE_SIZE, MAX_HISTORY_PAGE_SIZE);
    const page = await this.live.sessions(number, {
      offset: ((paging.pageNum ?? 1) - 1) * pageSize,
      limit: pageSize,
      attendanceLimit: ATTENDANCE_PER_SESSION,
      ...(may(user, 'meeting.host') ? {} : { ownerId: user.id }),
    });
    if (page.total > 0) return { ...page, pageSize };
    const found = this.live.find(number) ? undefined : await this.live.scheduled(number);
    const current = this.live.find(number)?.settings ?? found?.meeting ?? found?.about;
    if (current && canControl(user, current)) return { ...page, pageSize };
    const unknown = !current && !(await this.live.hadSessions(number));
    await this.probe(caller, unknown);
    if (unknown) fail('notFound', `meeting_number: no meeting ${number}`);
    return fail('permission.denied', DENIED);
  }

  async muteAll(caller: ControlCaller, number: string, allowSelfUnmute: boolean, exclusions: readonly string[]): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.muteAll(allowSelfUnmute, exclusions));
  }

  async unmuteAll(caller: ControlCaller, number: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.unmuteAll());
  }

  async mute(caller: ControlCaller, number: string, ids: readonly string[], allowSelfUnmute: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.mute(this.targets(meeting, ids), allowSelfUnmute));
  }

  async unmute(caller: ControlCaller, number: string, ids: readonly string[]): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.unmute(this.targets(meeting, ids)));
  }

  async stop(caller: ControlCaller, number: string, rejoin: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const closedUntil = rejoin ? null : this.live.closedAfterStop(meeting);
    this.live.end(meeting, 'MeetingStop', 'the host ended the meeting', rejoin ? 'stopped by host' : 'stopped by host without rejoin', closedUntil);
  }

  /** Hosts rename anyone; a participant renames itself (see `self`). */
  async rename(caller: ControlCaller, number: string, target: string, displayName: string): Promise<void> {
    const { meeting, participant } = await this.hostOrSelf(caller, number, target, 'client_id: you may rename only yourself');
    this.live.apply(meeting, meeting.rename(participant, displayName));
    this.live.recordRename(participant);
  }

  async requestUnmute(caller: ControlCaller, number: string): Promise<void> {
    const { meeting, participant } = await this.self(caller, number);
    this.live.apply(meeting, meeting.setHand(participant, true));
  }

  async allowUnmute(caller: ControlCaller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const targets = ids === 'all' ? meeting.requesters() : this.targets(meeting, ids);
    this.live.apply(meeting, meeting.allowUnmute(targets));
  }

  /** Hosts lower hands (all of them, or those named) without granting the floor. */
  async lowerHands(caller: ControlCaller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.lowerHands(ids === 'all' ? undefined : this.targets(meeting, ids)));
  }

  async setLobby(caller: ControlCaller, number: string, mode: LobbyMode): Promise<void> {
    await this.live.setLobby(await this.controlled(caller, number), mode);
  }

  async lobbyAdmit(caller: ControlCaller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    await this.live.letIn(await this.controlled(caller, number), ids);
  }

  async lobbyRefuse(caller: ControlCaller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    this.live.refuse(await this.controlled(caller, number), ids);
  }

  async lobby(caller: ControlCaller, number: string): Promise<LiveMeeting['lobby']> {
    return (await this.controlled(caller, number)).lobby;
  }

  // ---- breakout rooms -----------------------------------------------------------------------------------------

  async createBreakouts(caller: ControlCaller, number: string, count: number | undefined, names: readonly string[] | undefined, allowChoose: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.breakout(meeting, meeting.createBreakouts(roomNames(count, names), allowChoose));
  }

  async removeBreakouts(caller: ControlCaller, number: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.breakout(meeting, meeting.removeBreakouts());
  }

  async assignBreakouts(caller: ControlCaller, number: string, assignments: ReadonlyArray<{ participant: string; room: string }> | undefined, random: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (random) return this.live.breakout(meeting, meeting.shuffleBreakouts());
    if (!assignments) return fail('input.invalid', 'assignments: who goes where (or random: true)');
    this.live.breakout(meeting, meeting.assignBreakouts(assignments.map((a) => ({ clientId: a.participant, room: a.room }))));
  }

  async openBreakouts(caller: ControlCaller, number: string, seconds: number, graceSeconds: number): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.breakout(meeting, meeting.openBreakouts(seconds * 1000, this.clock.now(), graceSeconds * 1000));
  }

  async closeBreakouts(caller: ControlCaller, number: string, graceSeconds: number): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.breakout(meeting, meeting.closeBreakouts(graceSeconds * 1000, this.clock.now()));
  }

  /** A message to every room; rate limited like the caller's chat when it is in the meeting. */
  async broadcastBreakouts(caller: ControlCaller, number: string, text: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const self = meeting.get(caller.clientId);
    this.live.breakout(meeting, meeting.broadcastBreakout(self, self?.displayName ?? (signedIn(caller).realName || signedIn(caller).username), text, this.clock.now()));
  }

  /** The calling host, in the meeting under its client_id, goes into a room ('' = back). */
  async visitBreakout(caller: ControlCaller, number: string, room: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const self = meeting.require(caller.clientId, 'client_id');
    this.live.breakout(meeting, meeting.visitBreakout(self, room));
  }

  async breakouts(caller: ControlCaller, number: string): Promise<LiveMeeting> {
    return this.controlled(caller, number);
  }

  async setOverlay(caller: ControlCaller, number: string, input: OverlayInput | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const overlay = input
      ? { enabled: true, text: input.content, position: input.position, repeat: input.scroll ? input.repeat : 1, scroll: input.scroll }
      : NO_OVERLAY;
    this.live.apply(meeting, meeting.setOverlay(overlay));
  }

  async setLecturer(caller: ControlCaller, number: string, lecturer: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (lecturer !== null) meeting.require(lecturer, 'lecturer');
    this.live.apply(meeting, meeting.setLecturer(lecturer));
  }

  async disconnect(caller: ControlCaller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    const meeting = await this.controlled(caller, number);
    // disconnect_all keeps the caller's own place: the host clears the room, not themselves.
    const targets = ids === 'all' ? [...meeting.participants.values()].filter((p) => p.clientId !== caller.clientId) : this.targets(meeting, ids);
    for (const p of targets) this.live.leave(meeting, p, 'RemovedFromMeeting', 'removed by the host', 'removed by host');
  }

  async pin(caller: ControlCaller, number: string, pinned: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (pinned !== null) meeting.require(pinned, 'participants');
    this.live.apply(meeting, meeting.setMeetingPin(pinned));
  }

  async pinFor(caller: ControlCaller, number: string, viewerId: string, pinned: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const viewer = meeting.require(viewerId, 'target_client_id');
    if (pinned !== null) {
      meeting.require(pinned, 'participants');
      if (pinned === viewerId) fail('input.invalid', 'participants: must name another participant than the viewer');
    }
    this.live.apply(meeting, meeting.setViewerPin(viewer, pinned));
  }

  async layout(caller: ControlCaller, number: string, viewerId: string, maxViews: 1 | 9, layout: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const viewer = meeting.require(viewerId, 'viewer_client_id');
    this.live.apply(meeting, meeting.setViewerLayout(viewer, maxViews, layout));
  }

  async setLocked(caller: ControlCaller, number: string, locked: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.setLocked(locked));
  }

  async setSharePolicy(caller: ControlCaller, number: string, policy: SharePolicy): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.setSharePolicy(policy));
  }

  async setGuestChat(caller: ControlCaller, number: string, mode: GuestChat): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.setGuestChat(mode));
  }

  /** Deletes a message to everyone (a private one only when the caller, in the meeting, is party to it). */
  async deleteChat(caller: ControlCaller, number: string, messageId: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (!this.live.deleteChat(meeting, messageId, meeting.get(caller.clientId))) fail('notFound', `message_id: no message ${JSON.stringify(messageId)} to delete in meeting ${number}`);
  }

  /**
   * A session's chat, as the caller may read it: every message to everyone, and the private ones it was party to
   * (by account). Who may: as for the history (the owner of the session's meeting, MeetingOperator, SystemAdmin).
   */
  async transcript(caller: ControlCaller, number: string, sessionId: string, offset: number, limit: number): Promise<{ session: TranscriptSession; total: number; messages: StoredChat[] }> {
    const user = signedIn(caller);
    await this.live.settled();
    const session = await this.chats.session(sessionId);
    if (session && session.meetingNumber === number && canControl(user, session)) {
      return { session, ...(await this.chats.list(sessionId, user.id, offset, limit)) };
    }
    // Told like the history (whether the number exists, and whose it is); past that, a session of another number, or
    // of another owner's meeting under this number, is not there.
    await this.history(caller, number);
    return fail('notFound', `session_id: no session ${JSON.stringify(sessionId)} of meeting ${number}`);
  }

  /**
   * The live meeting the caller may control (404 unknown, 403 someone else's, 409 not in progress): for the calls
   * other services serve, recording and live streaming (src/recording, src/streaming).
   */
  hosted(caller: ControlCaller, number: string): Promise<LiveMeeting> {
    return this.controlled(caller, number);
  }

  /** Cascading is not built yet: the permission and state checks still come first. */
  async unavailable(caller: ControlCaller, number: string, what: string): Promise<never> {
    await this.controlled(caller, number);
    return fail('service.unavailable', `${what} is not available on this server yet`);
  }

  /** Who places SIP calls for the cascading call (the SIP gateway, when it runs). */
  dialer: Dialer | undefined;
  /** CONVENE_H323_GATEWAY: the SIP URI of an H.323↔SIP gateway that H.323 entries are called through ('' = none). */
  h323Gateway = '';

  /**
   * Cascading (the FRTC call). SIP entries are called into the meeting by the SIP gateway (`uri`: a SIP URI, or the
   * document's `$IP##123` = conference 123 at that address). H.323 is refused for good with what it needs (there is no
   * H.323 stack for Node or in Debian: an external H.323↔SIP gateway, called as SIP); meeting-to-meeting
   * (frtc_call_params) is not built (503), nor is dial-out without the gateway.
   */
  async cascade(caller: ControlCaller, number: string, calls: ReadonlyArray<CascadeCall>, meetingToMeeting: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const targets = calls.map((c, i) => {
      const field = `avc_call_params[${i}]`;
      const protocol = c.protocol.trim().toUpperCase();
      const kbps = cascadeRate(c.callRate, `${field}.call_rate`);
      const rate = kbps !== undefined ? { kbps } : {};
      if (/^H\.?323$/.test(protocol)) {
        if (this.h323Gateway === '') fail('input.invalid', `${field}.protocol: H.323 is not spoken by Convene; put an H.323↔SIP gateway in front of the endpoint and call it with protocol SIP (or set CONVENE_H323_GATEWAY)`);
        const uri = h323Target(c.uri ?? '', this.h323Gateway) ?? fail('input.invalid', `${field}.uri: an H.323 address (IP, IP##conference, alias or E.164 number)`);
        return { name: c.name?.trim() || (c.uri ?? '').trim(), uri, ...rate };
      }
      if (protocol !== 'SIP') fail('input.invalid', `${field}.protocol: SIP or H.323`);
      const uri = sipTarget(c.uri ?? '') ?? fail('input.invalid', `${field}.uri: a SIP URI (sip:user@host[:port]) or $IP##conference`);
      return { name: c.name?.trim() || uri.replace(/^sips?:/, ''), uri, ...rate };
    });
    if (meetingToMeeting) fail('service.unavailable', 'frtc_call_params: meeting-to-meeting cascading is not available on this server yet');
    const dialer = this.dialer ?? fail('service.unavailable', 'cascading needs the SIP gateway (CONVENE_SIP_PORT), which is off on this server');
    if (targets.length === 0) fail('input.invalid', 'avc_call_params: name at least one endpoint to call');
    for (const target of targets) await dialer.dialOut(meeting, target);
  }

  /** The live meeting the caller may control: unknown → 404, someone else's → 403, not in progress → 409. */
  private async controlled(caller: ControlCaller, number: string): Promise<LiveMeeting> {
    const user = signedIn(caller);
    const meeting = this.live.find(number);
    if (meeting && canControl(user, meeting.settings)) return meeting;
    const found = meeting ? undefined : await this.live.scheduled(number);
    if (found?.meeting && canControl(user, found.meeting)) fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
    await this.probe(caller, found?.reason === 'MeetingNoExist');
    if (meeting || found?.meeting) fail('permission.denied', DENIED);
    if (found?.reason === 'MeetingNoExist') fail('notFound', `meeting_number: no meeting ${number}`);
    return fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
  }

  /**
   * Before answering a signed-in caller about a number it may not host: refused (429) once its address has asked
   * for too many numbers that do not exist, and this one counted when it is another.
   */
  private async probe(caller: ControlCaller, unknown: boolean): Promise<void> {
    // MeetingOperators and SystemAdmins host every meeting: nothing to find out by probing.
    if (caller.user && may(caller.user, 'meeting.host')) return;
    if (await this.live.probes.blocked(caller.address)) fail('rate.limited', PROBES_REFUSED);
    if (unknown) await this.live.probes.missed(caller.address);
  }

  private async hostOrSelf(caller: ControlCaller, number: string, target: string, selfOnly: string) {
    const live = this.live.find(number);
    if (caller.user && live && canControl(caller.user, live.settings)) return { meeting: live, participant: live.require(target, 'client_id') };
    if (target !== caller.clientId) {
      if (caller.user) await this.notIn(caller, number);
      fail('permission.denied', selfOnly);
    }
    return this.self(caller, number);
  }

  /**
   * The caller acting on its own place without host rights. Without a token the client_id is the only credential and
   * it is visible in the roster, so the call must also come from the address of that participant's connection.
   */
  private async self(caller: ControlCaller, number: string): Promise<{ meeting: LiveMeeting; participant: Participant }> {
    const meeting = this.live.find(number);
    const p = meeting?.get(caller.clientId);
    const sameUser = p !== undefined && caller.user !== undefined && p.userId === caller.user.id;
    if (meeting && p && (sameUser || p.address === caller.address)) return { meeting, participant: p };
    if (caller.user) await this.notIn(caller, number);
    return fail('permission.denied', `client_id: not in meeting ${number} from this device`);
  }

  /** A signed-in caller not in the meeting: whether the number exists and is live, plainly (and counted). */
  private async notIn(caller: ControlCaller, number: string): Promise<void> {
    if (this.live.find(number)) return;
    const found = await this.live.scheduled(number);
    await this.probe(caller, found.reason === 'MeetingNoExist');
    if (found.reason === 'MeetingNoExist') fail('notFound', `meeting_number: no meeting ${number}`);
    fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
  }

  private targets(meeting: LiveMeeting, ids: readonly string[]): Participant[] {
    return [...new Set(ids)].map((id) => meeting.require(id, 'participants'));
  }
}

const signedIn = (caller: Caller): User => caller.user ?? fail('auth.required', 'token: is required; sign in first');
