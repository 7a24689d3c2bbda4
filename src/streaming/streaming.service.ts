import { randomInt, randomUUID } from 'node:crypto';
import { may } from '../accounts/permissions.ts';
import { addressKey } from '../kernel/address.ts';
import type { Budget } from '../kernel/budget.ts';
import type { Clock } from '../kernel/clock.ts';
import { DomainError, fail } from '../kernel/domain-error.ts';
import type { ControlCaller, MeetingControl } from '../live/control.service.ts';
import type { LiveMeeting } from '../live/live-meeting.ts';
import type { LiveService, MeetingObserver } from '../live/live.service.ts';
import { toHosts } from '../live/notices.ts';
import type { RecorderEvent, RecordingLayout } from '../media/engine.ts';
import type { RecorderMedia } from '../recording/ports.ts';
import { liveUrl, newLiveKey } from '../scheduling/links.ts';
import type { LiveGrants } from './live-grants.ts';
import type { LiveStreamFiles } from './ports.ts';

export interface StreamingPolicy {
  /** Live streams running at once on this server (CONVENE_MAX_LIVE_STREAMS). */
  maxStreams: number;
  defaultLayout: RecordingLayout;
  /** Why streaming is impossible here (no ffmpeg, no media workers), or null. */
  unavailable(): string | null;
  /** The server's public base URL (the live URL is `{base}/live/{key}`). */
  baseUrl(): string;
}

export interface StreamInput {
  passcode?: string;
  layout?: RecordingLayout;
  rtmpUrl?: string;
}

/** A live stream in progress. */
export interface LiveStream {
  id: string;
  /** Unguessable: the last part of the live URL. */
  key: string;
  url: string;
  passcode: string;
  meeting: LiveMeeting;
  /** Where its playlist and segments are. */
  dir: string;
}

export type ViewerCheck =
  | { ok: true; grant: { value: string; expiresAt: number } }
  | { ok: false; reason: 'unknown' | 'required' | 'wrong' | 'limited'; message: string };

const MIN_PASSCODE = 4;

/**
 * Live streaming (client contract C15/C16; MeetingOperator and SystemAdmin only, as the apps show the button): a
 * recorder in the meeting's media room encodes HLS that Convene serves at the meeting's live URL. Viewers give the
 * live passcode once (wrong ones are limited per network address through a Budget) and get a signed, expiring grant
 * for the playlist and the segments (src/streaming/live-grants.ts). Participants see status, URL and passcode in
 * session.status.
 */
export class StreamingService implements MeetingObserver {
  private readonly byKey = new Map<string, LiveStream>();
  private readonly byId = new Map<string, LiveStream>();
  private readonly starting = new Set<LiveMeeting>();
  /** Streams of this process whose files are still on disk. */
  private readonly withFiles = new Set<string>();

  constructor(
    private readonly live: LiveService,
    private readonly control: MeetingControl,
    private readonly media: RecorderMedia | undefined,
    private readonly files: LiveStreamFiles,
    private readonly grants: LiveGrants,
    /** Wrong live passcodes per network address. */
    private readonly wrongPasscodes: Budget,
    private readonly clock: Clock,
    private readonly policy: StreamingPolicy,
    private readonly log: { error(error: unknown, what: string): void; warn(fields: Record<string, unknown>, what: string): void },
  ) {
    live.observe(this);
    media?.onRecorder((id, event) => this.recorderEvent(id, event));
  }

  async start(caller: ControlCaller, number: string, input: StreamInput): Promise<void> {
    const meeting = await this.control.hosted(caller, number);
    if (!may(caller.user!, 'meeting.stream')) fail('permission.denied', 'token: only a MeetingOperator or a SystemAdmin may stream a meeting live');
    if (input.passcode !== undefined && !new RegExp(`^[0-9]{${MIN_PASSCODE},16}$`).test(input.passcode)) {
      fail('input.invalid', `live_password: ${MIN_PASSCODE} to 16 digits, or "" for a generated one`);
    }
    if (meeting.streaming || this.starting.has(meeting)) fail('streaming.already', `meeting ${number} is streamed live already`);
    const unavailable = this.policy.unavailable();
    if (unavailable !== null || !this.media) fail('streaming.unavailable', unavailable ?? 'live streaming needs the media workers');
    if (this.byId.size >= this.policy.maxStreams) fail('streaming.resources', `this server streams at most ${this.policy.maxStreams} meetings at once (CONVENE_MAX_LIVE_STREAMS)`);
    const id = randomUUID();
    // A meeting scheduled with generate_live_url streams at the URL, and with the passcode, its invitations gave.
    const scheduled = meeting.settings.liveKey !== '' ? meeting.settings : undefined;
    const key = scheduled?.liveKey ?? newLiveKey();
    const stream: LiveStream = {
      id,
      key,
      url: liveUrl(this.policy, key),
      passcode: (scheduled?.livePasscode || input.passcode) ?? String(randomInt(0, 1_000_000)).padStart(6, '0'),
      meeting,
      dir: this.files.dir(id),
    };
    const layout = input.layout ?? this.policy.defaultLayout;
    this.starting.add(meeting);
    this.withFiles.add(id);
    meeting.streaming = { id, layout, url: stream.url, passcode: stream.passcode };
    try {
      await this.media!.startRecorder(meeting, { id, layout, output: { kind: 'hls', dir: stream.dir, rtmpUrl: input.rtmpUrl ?? '' } });
    } catch (error) {
      if (meeting.streaming?.id === id) meeting.streaming = null;
      this.live.apply(meeting, []);
      this.removeFiles(id);
      if (error instanceof DomainError && error.kind === 'state.invalid') throw error;
      return fail('streaming.unavailable', `the live stream could not be started: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      this.starting.delete(meeting);
    }
    this.byKey.set(key, stream);
    this.byId.set(id, stream);
    if (this.live.find(number) !== meeting) return this.ended(meeting);
    this.live.apply(meeting, meeting.setStreaming(meeting.streaming));
  }

  async stop(caller: ControlCaller, number: string): Promise<void> {
    const meeting = await this.control.hosted(caller, number);
    if (!may(caller.user!, 'meeting.stream')) fail('permission.denied', 'token: only a MeetingOperator or a SystemAdmin may stream a meeting live');
    const current = meeting.streaming;
    if (!current || this.starting.has(meeting)) fail('streaming.notRunning', `meeting ${number} is not streamed live`);
    this.live.apply(meeting, meeting.setStreaming(null));
    this.forget(current!.id);
    await this.media?.stopRecorder(meeting, current!.id).catch((error: unknown) => this.log.error(error, `stopping live stream ${current!.id}`));
  }

  changed(): void {}

  ended(meeting: LiveMeeting): void {
    const id = meeting.streaming?.id;
    if (id) this.forget(id);
  }

  /** The stream a live URL names, while it runs. */
  find(key: string): LiveStream | undefined {
    return this.byKey.get(key);
  }

  /** Has this grant access to the stream? */
  granted(key: string, grant: string | undefined): boolean {
    return this.byKey.has(key) && this.grants.valid(key, grant, this.clock.now());
  }

  /**
   * A viewer asks for the stream: with the passcode (wrong ones spend the address's budget), or with a grant still
   * valid (renewal, no passcode).
   */
  async admit(key: string, passcode: string | undefined, grant: string | undefined, address: string): Promise<ViewerCheck> {
    const stream = this.byKey.get(key);
    const budgetKey = addressKey(address);
    if ((await this.wrongPasscodes.peek(budgetKey)).remaining === 0) return { ok: false, reason: 'limited', message: 'too many wrong passcodes from this network; try again later' };
    if (!stream) return { ok: false, reason: 'unknown', message: 'no live stream here: it has not started, or it has ended' };
    const now = this.clock.now();
    if (passcode === undefined) {
      // A renewal: no guess is made, so nothing is spent.
      return this.grants.valid(key, grant, now) ? { ok: true, grant: this.grants.issue(key, now) } : { ok: false, reason: 'required', message: 'passcode: is required' };
    }
    if (equalText(passcode, stream.passcode)) return { ok: true, grant: this.grants.issue(key, now) };
    const left = await this.wrongPasscodes.spend(budgetKey);
    return left.remaining === 0
      ? { ok: false, reason: 'limited', message: 'too many wrong passcodes from this network; try again later' }
      : { ok: false, reason: 'wrong', message: 'passcode: wrong live passcode' };
  }

  private forget(id: string): void {
    const stream = this.byId.get(id);
    if (!stream) return;
    this.byId.delete(id);
    this.byKey.delete(stream.key);
  }

  private recorderEvent(id: string, event: RecorderEvent): void {
    if (event.kind !== 'ended') return;
    const stream = this.byId.get(id);
    if (stream && event.reason !== 'stopped') {
      const meeting = stream.meeting;
      this.forget(id);
      if (meeting.streaming?.id === id) {
        this.log.warn({ meetingNumber: meeting.meetingNumber, reason: event.reason }, 'a live stream stopped on its own');
        this.live.apply(meeting, [...meeting.setStreaming(null), toHosts({ kind: 'captureStopped', what: 'streaming', reason: event.reason, message: event.message })]);
      }
    }
    // Its playlist and segments go with it (viewers have nothing more to fetch).
    if (!this.byId.has(id)) this.removeFiles(id);
  }

  private removeFiles(id: string): void {
    if (!this.withFiles.delete(id)) return;
    this.files.remove(id).catch((error: unknown) => this.log.error(error, `removing the files of live stream ${id}`));
  }
}

/** Compares passcodes without an early exit. */
function equalText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}
