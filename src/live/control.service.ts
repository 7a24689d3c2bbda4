import type { Caller } from '../accounts/caller.ts';
import type { User } from '../accounts/user.ts';
import { isMeetingManager } from '../accounts/user.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import { MAX_MEETING_MS } from '../scheduling/meeting.ts';
import { type LiveMeeting, NO_OVERLAY } from './live-meeting.ts';
import type { LiveService } from './live.service.ts';
import type { Participant } from './participant.ts';
import type { SessionRecord } from './ports.ts';

/** Hosts of a meeting: its owner, MeetingOperator and SystemAdmin (client contract §9). */
export const canControl = (user: User, meeting: { ownerId: string }): boolean => user.id === meeting.ownerId || isMeetingManager(user);

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
 */
export class MeetingControl {
  constructor(
    private readonly live: LiveService,
    private readonly clock: Clock,
  ) {}

  /** Live meetings the caller may see: all for MeetingOperator and SystemAdmin, their own for others. */
  list(caller: Caller): LiveMeeting[] {
    const user = signedIn(caller);
    return this.live.list().filter((m) => canControl(user, m.settings));
  }

  async detail(caller: Caller, number: string, endTime?: number): Promise<LiveMeeting> {
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
  async history(caller: Caller, number: string, paging: { pageNum?: number; pageSize?: number } = {}): Promise<{ sessions: SessionRecord[]; total: number; pageSize: number }> {
    const user = signedIn(caller);
    await this.live.settled();
    const pageSize = Math.min(paging.pageSize ?? HISTORY_PAGE_SIZE, MAX_HISTORY_PAGE_SIZE);
    const page = await this.live.sessions(number, {
      offset: ((paging.pageNum ?? 1) - 1) * pageSize,
      limit: pageSize,
      attendanceLimit: ATTENDANCE_PER_SESSION,
      ...(isMeetingManager(user) ? {} : { ownerId: user.id }),
    });
    if (page.total === 0) {
      const current = this.live.find(number)?.settings ?? (await this.live.scheduled(number)).meeting;
      if (!current && !(await this.live.hadSessions(number))) fail('notFound', `meeting_number: no meeting ${number}`);
      if (!(current && canControl(user, current))) fail('permission.denied', DENIED);
    }
    return { ...page, pageSize };
  }

  async muteAll(caller: Caller, number: string, allowSelfUnmute: boolean, exclusions: readonly string[]): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.muteAll(allowSelfUnmute, exclusions));
  }

  async unmuteAll(caller: Caller, number: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.unmuteAll());
  }

  async mute(caller: Caller, number: string, ids: readonly string[], allowSelfUnmute: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.mute(this.targets(meeting, ids), allowSelfUnmute));
  }

  async unmute(caller: Caller, number: string, ids: readonly string[]): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.unmute(this.targets(meeting, ids)));
  }

  async stop(caller: Caller, number: string, rejoin: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const closedUntil = rejoin ? null : this.live.closedAfterStop(meeting);
    this.live.end(meeting, 'MeetingStop', 'the host ended the meeting', rejoin ? 'stopped by host' : 'stopped by host without rejoin', closedUntil);
  }

  /** Hosts rename anyone; a participant renames itself (see `self`). */
  async rename(caller: Caller, number: string, target: string, displayName: string, address: string): Promise<void> {
    const { meeting, participant } = await this.hostOrSelf(caller, number, target, address, 'client_id: you may rename only yourself');
    this.live.apply(meeting, meeting.rename(participant, displayName));
    this.live.recordRename(participant);
  }

  async requestUnmute(caller: Caller, number: string, address: string): Promise<void> {
    const meeting = await this.liveOrFail(number);
    const participant = this.self(caller, meeting, caller.clientId, address);
    this.live.apply(meeting, meeting.setHand(participant, true));
  }

  async allowUnmute(caller: Caller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const targets = ids === 'all' ? meeting.requesters() : this.targets(meeting, ids);
    this.live.apply(meeting, meeting.allowUnmute(targets));
  }

  async setOverlay(caller: Caller, number: string, input: OverlayInput | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const overlay = input
      ? { enabled: true, text: input.content, position: input.position, repeat: input.scroll ? input.repeat : 1, scroll: input.scroll }
      : NO_OVERLAY;
    this.live.apply(meeting, meeting.setOverlay(overlay));
  }

  async setLecturer(caller: Caller, number: string, lecturer: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (lecturer !== null) meeting.require(lecturer, 'lecturer');
    this.live.apply(meeting, meeting.setLecturer(lecturer));
  }

  async disconnect(caller: Caller, number: string, ids: readonly string[] | 'all'): Promise<void> {
    const meeting = await this.controlled(caller, number);
    // disconnect_all keeps the caller's own place: the host clears the room, not themselves.
    const targets = ids === 'all' ? [...meeting.participants.values()].filter((p) => p.clientId !== caller.clientId) : this.targets(meeting, ids);
    for (const p of targets) this.live.leave(meeting, p, 'RemovedFromMeeting', 'removed by the host', 'removed by host');
  }

  async pin(caller: Caller, number: string, pinned: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    if (pinned !== null) meeting.require(pinned, 'participants');
    this.live.apply(meeting, meeting.setMeetingPin(pinned));
  }

  async pinFor(caller: Caller, number: string, viewerId: string, pinned: string | null): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const viewer = meeting.require(viewerId, 'target_client_id');
    if (pinned !== null) {
      meeting.require(pinned, 'participants');
      if (pinned === viewerId) fail('input.invalid', 'participants: must name another participant than the viewer');
    }
    this.live.apply(meeting, meeting.setViewerPin(viewer, pinned));
  }

  async layout(caller: Caller, number: string, viewerId: string, maxViews: 1 | 9, layout: string): Promise<void> {
    const meeting = await this.controlled(caller, number);
    const viewer = meeting.require(viewerId, 'viewer_client_id');
    this.live.apply(meeting, meeting.setViewerLayout(viewer, maxViews, layout));
  }

  async setLocked(caller: Caller, number: string, locked: boolean): Promise<void> {
    const meeting = await this.controlled(caller, number);
    this.live.apply(meeting, meeting.setLocked(locked));
  }

  /** Recording, streaming and cascading are not built yet: the permission and state checks still come first. */
  async unavailable(caller: Caller, number: string, what: string): Promise<never> {
    await this.controlled(caller, number);
    return fail('service.unavailable', `${what} is not available on this server yet`);
  }

  /** The live meeting the caller may control: unknown → 404, someone else's → 403, not in progress → 409. */
  private async controlled(caller: Caller, number: string): Promise<LiveMeeting> {
    const user = signedIn(caller);
    const meeting = this.live.find(number);
    if (meeting) {
      if (!canControl(user, meeting.settings)) fail('permission.denied', DENIED);
      return meeting;
    }
    const found = await this.live.scheduled(number);
    if (found.reason === 'MeetingNoExist') fail('notFound', `meeting_number: no meeting ${number}`);
    if (found.meeting && !canControl(user, found.meeting)) fail('permission.denied', DENIED);
    return fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
  }

  private async liveOrFail(number: string): Promise<LiveMeeting> {
    const meeting = this.live.find(number);
    if (meeting) return meeting;
    const found = await this.live.scheduled(number);
    if (found.reason === 'MeetingNoExist') fail('notFound', `meeting_number: no meeting ${number}`);
    return fail('state.invalid', `meeting_number: meeting ${number} is not in progress`);
  }

  private async hostOrSelf(caller: Caller, number: string, target: string, address: string, selfOnly: string) {
    const live = this.live.find(number);
    if (caller.user && live && canControl(caller.user, live.settings)) return { meeting: live, participant: live.require(target, 'client_id') };
    const meeting = await this.liveOrFail(number);
    if (target !== caller.clientId) fail('permission.denied', selfOnly);
    return { meeting, participant: this.self(caller, meeting, target, address) };
  }

  /**
   * The caller acting on its own place without host rights. Without a token the client_id is the only credential and
   * it is visible in the roster, so the call must also come from the address of that participant's connection.
   */
  private self(caller: Caller, meeting: LiveMeeting, clientId: string, address: string): Participant {
    const p = meeting.get(clientId) ?? fail('permission.denied', `client_id: ${JSON.stringify(clientId)} is not in meeting ${meeting.meetingNumber}`);
    const sameUser = caller.user !== undefined && p.userId === caller.user.id;
    if (!sameUser && p.address !== address) fail('permission.denied', 'client_id: call from the device that is in the meeting');
    return p;
  }

  private targets(meeting: LiveMeeting, ids: readonly string[]): Participant[] {
    return [...new Set(ids)].map((id) => meeting.require(id, 'participants'));
  }
}

const signedIn = (caller: Caller): User => caller.user ?? fail('auth.required', 'token: is required; sign in first');
