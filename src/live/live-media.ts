import { DomainError } from '../kernel/domain-error.ts';
import type { MediaEngine, MediaTransport, RtpLegSettings, RecorderEvent, RecorderSpec, RoomPolicy, SubscribeOffer } from '../media/engine.ts';
import type { IceServerList, IceServers } from './ice-servers.ts';
import type { LiveMeeting } from './live-meeting.ts';
import type { LiveService, MeetingObserver } from './live.service.ts';
import { toAll, toSome } from './notices.ts';
import type { Participant } from './participant.ts';

/** What the SFU must enforce in a meeting, from its live state. A call rate like '2048K' caps each video at 2048 kbps. */
export function roomPolicy(meeting: LiveMeeting): RoomPolicy {
  const kbps = Number.parseInt(meeting.settings.callRate, 10);
  return {
    participants: [...meeting.participants.values()].map((p) => ({
      id: p.clientId,
      audio: !p.audioMuted,
      video: !p.videoMuted,
      content: meeting.mayShare(p),
      pin: p.pin,
      maxViews: p.maxViews,
      group: p.room,
    })),
    lecturer: meeting.lecturer,
    meetingPin: meeting.meetingPin,
    contentOwners: [...meeting.sharers],
    maxKbps: Number.isFinite(kbps) && kbps > 0 ? kbps : 0,
    // The recorders of the meeting's recording and live stream: hidden viewers of its media room.
    recorders: [meeting.recording, meeting.streaming].filter((r) => r !== null).map((r) => ({ id: r.id, layout: r.layout })),
  };
}

/** A room whose worker was lost with recorders in it is reopened by itself: this often, this many times. */
const REOPEN_INTERVAL_MS = 500;
const REOPEN_ATTEMPTS = 60;

interface RoomState {
  meeting: LiveMeeting;
  /** Resolves when the room is open on a worker; undefined until the first participant publishes or subscribes. */
  opened: Promise<void> | undefined;
  /** The last policy pushed, as JSON, so an unchanged meeting costs no IPC. */
  sent: string;
  /** The dominant speaker as last reported, for participants who subscribe later. */
  speaker: string;
  /** The recorders started in the room, to start again when it is reopened on another worker. */
  recorders: Map<string, RecorderSpec>;
}

/**
 * Keeps the SFU in step with the live meetings: opens a meeting's media room on first use, pushes the room policy
 * after every change (mute, pin, lecturer, layout, join, leave, share; coalesced per tick), relays the SFU's slot
 * assignments and speaker to the participants, and tells everyone to reconnect their media when a worker is lost.
 * Recorders (recordings, live streams) run in the room too: when a worker is lost, the room is reopened on another
 * and its recorders started again (they go on in a new part).
 */
export class LiveMedia implements MeetingObserver {
  private readonly rooms = new Map<string, RoomState>();
  private readonly dirty = new Set<RoomState>();
  private readonly recorderListeners = new Set<(recorderId: string, event: RecorderEvent) => void>();

  constructor(
    private readonly live: LiveService,
    private readonly engine: MediaEngine,
    private readonly onError: (error: unknown, what: string) => void,
    private readonly ice: IceServers,
  ) {
    live.observe(this);
    engine.on('slots', ({ roomId, participantId, assignment }) => {
      const room = this.rooms.get(roomId);
      if (room?.meeting.get(participantId)) this.live.apply(room.meeting, [toSome([participantId], { kind: 'mediaSlots', ...assignment })]);
    });
    engine.on('speaker', ({ roomId, participantId }) => {
      const room = this.rooms.get(roomId);
      if (!room) return;
      room.speaker = participantId;
      // With breakout rooms open, a speaker is news only in its own room (the others cannot hear them).
      const group = room.meeting.get(participantId)?.room;
      const notice = { kind: 'speaker', clientId: participantId } as const;
      this.live.apply(room.meeting, [group !== undefined && room.meeting.breakouts.active ? toSome(room.meeting.inRoom(group).map((p) => p.clientId), notice) : toAll(notice)]);
    });
    engine.on('roomsLost', ({ roomIds, reason }) => {
      for (const id of roomIds) {
        const room = this.rooms.get(id);
        if (!room) continue;
        room.opened = undefined;
        room.sent = '';
        room.speaker = '';
        this.live.apply(room.meeting, [toAll({ kind: 'mediaRestart', message: 'the media connection was lost; reconnecting' })]);
        if (room.recorders.size > 0) this.restartRecorders(room, reason);
      }
    });
    engine.on('recorder', ({ recorderId, event }) => this.tellRecorder(recorderId, event));
    engine.on('rtpSilent', ({ participantId }) => this.rtpSilent(participantId));
  }

  /** Told when a plain RTP participant's device has sent nothing for its media timeout (the SIP gateway hangs up). */
  rtpSilent: (participantId: string) => void = () => undefined;

  /** Starts a recorder the meeting's state names (its policy then lists it), opening the media room when needed. */
  async startRecorder(meeting: LiveMeeting, spec: RecorderSpec): Promise<void> {
    const room = await this.ready(meeting);
    room.recorders.set(spec.id, spec);
    try {
      await this.engine.startRecorder(meeting.sessionId, spec);
    } catch (error) {
      room.recorders.delete(spec.id);
      throw error;
    }
  }

  async stopRecorder(meeting: LiveMeeting, recorderId: string): Promise<void> {
    const room = this.rooms.get(meeting.sessionId);
    if (!room?.recorders.delete(recorderId) || !room.opened) return;
    this.push(room);
    await this.engine.stopRecorder(meeting.sessionId, recorderId);
  }

  onRecorder(listener: (recorderId: string, event: RecorderEvent) => void): () => void {
    this.recorderListeners.add(listener);
    return () => this.recorderListeners.delete(listener);
  }

  private tellRecorder(recorderId: string, event: RecorderEvent): void {
    for (const listener of this.recorderListeners) {
      try {
        listener(recorderId, event);
      } catch (error) {
        this.onError(error, `recorder ${recorderId}`);
      }
    }
  }

  /** The room's worker was lost with its recorders: the room opens on another worker and they start again there. */
  private restartRecorders(room: RoomState, reason: string): void {
    const specs = [...room.recorders.values()];
    for (const spec of specs) this.tellRecorder(spec.id, { kind: 'restarting', message: reason });
    void (async () => {
      // The lost worker's replacement is started after a backoff: the room waits for it (a while), like a participant.
      for (let attempt = 1; ; attempt++) {
        try {
          await this.ready(room.meeting);
          break;
        } catch (error) {
          if (attempt >= REOPEN_ATTEMPTS || this.rooms.get(room.meeting.sessionId) !== room) {
            for (const spec of specs) this.tellRecorder(spec.id, { kind: 'ended', reason: 'failed', message: `the media room could not be reopened: ${(error as Error).message}` });
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, REOPEN_INTERVAL_MS));
        }
      }
      for (const spec of specs) {
        if (room.recorders.get(spec.id) !== spec) continue;
        await this.engine.startRecorder(room.meeting.sessionId, spec).catch((error: unknown) => {
          room.recorders.delete(spec.id);
          this.tellRecorder(spec.id, { kind: 'ended', reason: 'failed', message: `the recorder could not be started again: ${(error as Error).message}` });
        });
      }
    })();
  }

  changed(meeting: LiveMeeting): void {
    const room = this.rooms.get(meeting.sessionId);
    if (!room?.opened) return;
    if (this.dirty.size === 0) queueMicrotask(() => this.flush());
    this.dirty.add(room);
  }

  ended(meeting: LiveMeeting): void {
    const room = this.rooms.get(meeting.sessionId);
    if (!room) return;
    this.rooms.delete(meeting.sessionId);
    this.dirty.delete(room);
    if (room.opened) void room.opened.then(() => this.engine.closeRoom(meeting.sessionId), () => undefined);
  }

  /** The participant's media offer, answered by the SFU (a SIP participant's plain RTP offer: `transport` says where). */
  async publish(meeting: LiveMeeting, p: Participant, sdp: string, transport?: MediaTransport): Promise<string> {
    const room = await this.ready(meeting);
    return this.engine.publish(room.meeting.sessionId, p.clientId, sdp, transport);
  }

  /** Dial-out: the SDP offer of a plain RTP leg for the participant (a SIP device the meeting calls), on `address`. */
  async offerRtp(meeting: LiveMeeting, p: Participant, leg: RtpLegSettings): Promise<string> {
    const room = await this.ready(meeting);
    return this.engine.offerRtp(room.meeting.sessionId, p.clientId, leg);
  }

  async acceptRtp(meeting: LiveMeeting, p: Participant, sdp: string): Promise<void> {
    const room = await this.ready(meeting);
    await this.engine.acceptRtp(room.meeting.sessionId, p.clientId, sdp);
  }

  async subscribe(meeting: LiveMeeting, p: Participant): Promise<SubscribeOffer> {
    const room = await this.ready(meeting);
    const offer = await this.engine.subscribe(room.meeting.sessionId, p.clientId);
    // The speaker event goes out on changes only: a late subscriber is told who holds the floor now.
    if (room.speaker !== '') queueMicrotask(() => this.live.apply(room.meeting, [toSome([p.clientId], { kind: 'speaker', clientId: room.speaker })]));
    return offer;
  }

  /** The relay servers for the participant's next peer connection, with a credential made now. */
  iceServers(p: Participant): IceServerList {
    return this.ice.for(p.clientId);
  }

  async accept(meeting: LiveMeeting, p: Participant, sdp: string): Promise<void> {
    const room = await this.ready(meeting);
    await this.engine.accept(room.meeting.sessionId, p.clientId, sdp);
  }

  /** The meeting's room, open on a worker, with the current policy pushed (so the worker knows the participant). */
  private async ready(meeting: LiveMeeting): Promise<RoomState> {
    if (this.live.find(meeting.meetingNumber) !== meeting) throw new DomainError('state.invalid', 'the meeting has ended');
    let room = this.rooms.get(meeting.sessionId);
    if (!room) this.rooms.set(meeting.sessionId, (room = { meeting, opened: undefined, sent: '', speaker: '', recorders: new Map() }));
    if (!room.opened) {
      const opening = this.engine.openRoom(meeting.sessionId);
      room.opened = opening;
      opening.catch(() => {
        if (room.opened === opening) room.opened = undefined;
      });
    }
    await room.opened;
    this.push(room);
    return room;
  }

  private flush(): void {
    const rooms = [...this.dirty];
    this.dirty.clear();
    for (const room of rooms) {
      try {
        this.push(room);
      } catch (error) {
        this.onError(error, `media policy of meeting ${room.meeting.meetingNumber}`);
      }
    }
  }

  private push(room: RoomState): void {
    if (this.rooms.get(room.meeting.sessionId) !== room) return;
    const policy = roomPolicy(room.meeting);
    const text = JSON.stringify(policy);
    if (text === room.sent) return;
    room.sent = text;
    this.engine.setPolicy(room.meeting.sessionId, policy);
  }
}
