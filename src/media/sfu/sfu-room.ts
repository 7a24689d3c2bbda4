import { ActiveSpeakerDetector } from '../policy/active-speaker.ts';
import { decideForwarding, diff, type ForwardingPlan, type MediaParticipant, type Viewer } from '../policy/forwarding.ts';
import type { MediaTransport, RoomPolicy, RtpLegSettings, SlotAssignment, SubscribeOffer } from '../engine.ts';
import { RtpLeg } from '../rtp/rtp-leg.ts';
import { BadMediaRequest } from './bad-request.ts';
import type { IceSettings } from './peer-config.ts';
import { type Report, SfuPeer } from './sfu-peer.ts';
import type { OutSlot } from './out-slot.ts';
import type { Source } from './source.ts';

/** The streams the plan gives a hidden viewer: every allowed microphone, its tiles in slot order, the screen share. */
export interface HiddenViewerMedia {
  audio: Source[];
  /** One entry per tile; null = nobody on that tile. */
  video: Array<Source | null>;
  content: Source | null;
}

/**
 * A viewer of the room that is no participant: a recorder (src/media/recorder/). The room decides what it receives
 * with the same forwarding rules as for participants (a viewer that pins nobody, hearing every allowed publisher), and
 * only while the room's policy lists it.
 */
export interface HiddenViewer {
  readonly id: string;
  /** Video tiles it takes: 1 (the picture the meeting shows large) up to 9 (a gallery). */
  readonly tiles: number;
  /** After every recomputation: what it receives now. */
  feed(media: HiddenViewerMedia, now: number): void;
  tick(now: number): void;
  /** The room closes, or its policy no longer lists the viewer: stop taking media (and finish what it makes). */
  detach(): void;
  /** Packets it took, by stream (diagnostics, tests). */
  stats(): Record<string, number>;
}

export interface RoomEvents {
  /** What `viewerId` receives changed: slot index → participant id ('' = empty). */
  slots(viewerId: string, assignment: SlotAssignment): void;
  /** The dominant speaker changed ('' = nobody). */
  speaker(participantId: string): void;
  /** A plain RTP leg heard nothing from its device for its media timeout. */
  rtpSilent(participantId: string): void;
}

/**
 * A participant's media in the room, by its transport: a WebRTC client (two peer connections, fixed slots the room
 * feeds) or a plain RTP leg (a SIP device: one connection, and the room hands it the streams to mix, as to a recorder).
 */
export type RoomPeer = SfuPeer | RtpLeg;

const NO_POLICY: RoomPolicy = { participants: [], lecturer: null, meetingPin: null, contentOwners: [], maxKbps: 0, recorders: [] };

/**
 * The media of one live session in a worker: the participants' connections, and the forwarding between them as
 * decided by media/policy/forwarding.ts from the room policy the control plane pushes (who may be heard and seen,
 * pins, lecturer, layouts) and the active speakers heard here. The SFU never decides anything itself: a participant
 * the policy says is muted is no source for any slot, whatever its client sends.
 */
export class SfuRoom {
  private readonly peers = new Map<string, RoomPeer>();
  private readonly hidden = new Map<string, HiddenViewer>();
  private policy: RoomPolicy = NO_POLICY;
  /** The policy's participants by id: looked up per audio packet (speaker detection), so not a scan. */
  private listed = new Map<string, RoomPolicy['participants'][number]>();
  private plan: ForwardingPlan = new Map();
  private readonly speakers = new ActiveSpeakerDetector();
  private ranking: string[] = [];
  private dominant: string | null = null;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    readonly id: string,
    private readonly ice: IceSettings,
    private readonly events: RoomEvents,
    private readonly report: Report,
  ) {
    // The speaker ranking is sampled at a steady pace (the detector's hysteresis counts samples).
    this.timer = setInterval(() => this.tick(), 250);
    this.timer.unref();
  }

  setPolicy(policy: RoomPolicy): void {
    this.policy = policy;
    this.listed = new Map(policy.participants.map((p) => [p.id, p]));
    const allowed = new Set(policy.participants.filter((p) => p.audio).map((p) => p.id));
    // A muted participant leaves the floor at once instead of fading out of the ranking.
    for (const id of this.ranking) if (!allowed.has(id)) this.speakers.remove(id);
    for (const id of [...this.peers.keys()]) if (!this.listed.has(id)) this.drop(id);
    const recorders = new Set(policy.recorders.map((r) => r.id));
    for (const [id, viewer] of [...this.hidden]) {
      if (recorders.has(id)) continue;
      this.hidden.delete(id);
      viewer.detach();
    }
    this.recompute();
  }

  /** Does the policy list this recorder? */
  lists(recorderId: string): boolean {
    return this.policy.recorders.some((r) => r.id === recorderId);
  }

  /** Adds a hidden viewer (a recorder) the policy lists; refused when it does not, or when one of that id is there. */
  attach(viewer: HiddenViewer): void {
    if (!this.lists(viewer.id)) throw new BadMediaRequest(`recorderId: ${viewer.id} is not in the room's policy`);
    if (this.hidden.has(viewer.id)) throw new BadMediaRequest(`recorderId: ${viewer.id} is running already`);
    this.hidden.set(viewer.id, viewer);
    this.recompute();
  }

  /** Takes a hidden viewer out (it was stopped); nothing when it is not here. */
  detach(viewerId: string): void {
    const viewer = this.hidden.get(viewerId);
    if (!viewer) return;
    this.hidden.delete(viewerId);
    viewer.detach();
    this.recompute();
  }

  hiddenViewer(id: string): HiddenViewer | undefined {
    return this.hidden.get(id);
  }

  /**
   * Answers the participant's offer. WebRTC: its publisher connection (it subscribes separately). Plain RTP: the whole
   * leg, both ways at once; it replaces whatever connection the participant had.
   */
  async publish(participantId: string, sdp: string, transport: MediaTransport = { kind: 'webrtc' }): Promise<string> {
    let peer: RoomPeer;
    let answer: string;
    if (transport.kind === 'rtp') {
      this.requireListed(participantId);
      const opened = await RtpLeg.open(participantId, sdp, transport, this.report);
      opened.leg.watchSilence(transport.mediaTimeoutMs ?? 0, () => this.events.rtpSilent(participantId));
      peer = opened.leg;
      answer = opened.answer;
      if (!this.listed.has(participantId)) {
        peer.close();
        throw new BadMediaRequest(`participantId: ${participantId} left the meeting`);
      }
      this.drop(participantId);
      this.peers.set(participantId, peer);
    } else {
      const webrtc = this.webrtcPeer(participantId);
      peer = webrtc;
      answer = await webrtc.publish(sdp, this.policy.maxKbps);
      this.stillHere(peer);
    }
    this.listen(participantId, peer);
    this.recompute(true);
    return answer;
  }

  /** The speaker detection hears the participant's microphone (while it may be heard). */
  private listen(participantId: string, peer: RoomPeer): void {
    const audio = peer.sources.get('audio');
    if (audio) audio.onLevel = (level, now) => {
      if (this.allowed(participantId, 'audio')) this.speakers.record(participantId, { level }, now);
    };
  }

  /**
   * Dial-out: a plain RTP leg for the participant that offers first (its SDP goes to the device in our INVITE); it
   * replaces whatever connection the participant had. The device's answer comes through acceptRtp().
   */
  async offerRtp(participantId: string, settings: RtpLegSettings): Promise<string> {
    this.requireListed(participantId);
    const { leg, offer } = await RtpLeg.offer(participantId, settings.address, this.report, settings.kbps);
    leg.watchSilence(settings.mediaTimeoutMs ?? 0, () => this.events.rtpSilent(participantId));
    if (!this.listed.has(participantId)) {
      leg.close();
      throw new BadMediaRequest(`participantId: ${participantId} left the meeting`);
    }
    this.drop(participantId);
    this.peers.set(participantId, leg);
    this.listen(participantId, leg);
    this.recompute(true);
    return offer;
  }

  /** The device's answer to offerRtp(). */
  acceptRtp(participantId: string, sdp: string): void {
    const leg = this.peers.get(participantId);
    if (!(leg instanceof RtpLeg)) throw new BadMediaRequest(`participantId: ${participantId} has no plain RTP leg waiting for an answer`);
    leg.accept(sdp);
    this.recompute(true);
  }

  async subscribe(participantId: string): Promise<SubscribeOffer> {
    const peer = this.webrtcPeer(participantId);
    const offer = await peer.subscribe();
    this.stillHere(peer);
    // The new viewer joins the plan now, not at the next change (a viewer that publishes nothing changes nothing).
    this.recompute();
    this.events.slots(participantId, this.assignment(participantId));
    return offer;
  }

  async accept(participantId: string, sdp: string): Promise<void> {
    const peer = this.peers.get(participantId);
    if (!(peer instanceof SfuPeer)) throw new BadMediaRequest(`participantId: ${participantId} has not subscribed`);
    await peer.accept(sdp);
  }

  remove(participantId: string): void {
    if (this.drop(participantId)) this.recompute();
  }

  private drop(participantId: string): boolean {
    const peer = this.peers.get(participantId);
    if (!peer) return false;
    this.peers.delete(participantId);
    peer.close();
    this.speakers.remove(participantId);
    return true;
  }

  /** A participant who left (or a room closed) while its negotiation awaited: its new connection must not linger. */
  private stillHere(peer: RoomPeer): void {
    if (this.peers.get(peer.id) === peer) return;
    peer.close();
    throw new BadMediaRequest(`participantId: ${peer.id} left the meeting`);
  }

  /** Counters for diagnostics and tests: packets received per source and forwarded per slot. */
  stats(): { received: Record<string, number>; forwarded: Record<string, number> } {
    const received: Record<string, number> = {};
    const forwarded: Record<string, number> = {};
    for (const peer of this.peers.values()) {
      for (const s of peer.sources.values()) received[`${peer.id}/${s.kind}`] = s.received;
      for (const s of peer.allSlots()) forwarded[`${peer.id}/${s.mid}`] = s.forwarded;
      if (peer instanceof RtpLeg) for (const [stream, n] of Object.entries(peer.stats())) forwarded[`${peer.id}/rtp-${stream}`] = n;
    }
    for (const viewer of this.hidden.values()) for (const [stream, n] of Object.entries(viewer.stats())) forwarded[`${viewer.id}/${stream}`] = n;
    return { received, forwarded };
  }

  close(): void {
    clearInterval(this.timer);
    for (const peer of this.peers.values()) peer.close();
    this.peers.clear();
    for (const viewer of this.hidden.values()) viewer.detach();
    this.hidden.clear();
  }

  private requireListed(participantId: string): void {
    if (!this.listed.has(participantId)) throw new BadMediaRequest(`participantId: ${participantId} is not in the meeting`);
  }

  /** The participant's WebRTC peer, made on first use (a plain RTP leg it had is closed: the device moved to WebRTC). */
  private webrtcPeer(participantId: string): SfuPeer {
    this.requireListed(participantId);
    const peer = this.peers.get(participantId);
    if (peer instanceof SfuPeer) return peer;
    if (peer) this.drop(participantId);
    const fresh = new SfuPeer(participantId, this.ice, this.report);
    this.peers.set(participantId, fresh);
    return fresh;
  }

  private allowed(id: string, kind: 'audio' | 'video'): boolean {
    return this.listed.get(id)?.[kind] === true;
  }

  /** Recomputes the plan, refeeds the slots and tells each viewer whose slots changed; `all` tells everyone. */
  private recompute(all = false): void {
    const participants: MediaParticipant[] = this.policy.participants.map((p) => {
      const sources = this.peers.get(p.id)?.sources;
      return {
        id: p.id,
        publishesAudio: sources?.has('audio') === true,
        publishesVideo: sources?.has('video') === true,
        publishesContent: sources?.has('content') === true,
        audioAllowed: p.audio,
        videoAllowed: p.video,
        contentAllowed: p.content,
        group: p.group ?? '',
      };
    });
    const viewers: Viewer[] = this.policy.participants
      .filter((p) => this.peers.get(p.id)?.subscribed)
      .map((p) => {
        const peer = this.peers.get(p.id);
        // A plain RTP leg mixes every allowed microphone (but its own) and takes one picture.
        const group = p.group ?? '';
        return peer instanceof RtpLeg ? { id: p.id, pin: p.pin, maxViews: peer.tiles, audioSlots: Infinity, group } : { id: p.id, pin: p.pin, maxViews: p.maxViews, group };
      });
    // Hidden viewers follow the meeting (no pin of their own) and hear every allowed publisher (they mix them).
    for (const h of this.hidden.values()) viewers.push({ id: h.id, pin: null, maxViews: h.tiles, audioSlots: Infinity });
    const next = decideForwarding(
      { participants, viewers, speakers: this.ranking, meeting: { lecturer: this.policy.lecturer, meetingPin: this.policy.meetingPin, contentOwners: this.policy.contentOwners } },
      this.plan,
    );
    const changed = diff(this.plan, next);
    this.plan = next;
    const now = Date.now();
    for (const viewer of viewers) {
      const peer = this.peers.get(viewer.id);
      if (!(peer instanceof SfuPeer)) {
        this.feedHidden(peer ?? this.hidden.get(viewer.id)!, now);
        continue;
      }
      this.feed(peer);
      if (all || changed.has(viewer.id)) this.events.slots(viewer.id, this.assignment(viewer.id));
    }
  }

  private feedHidden(viewer: Pick<HiddenViewer, 'id' | 'tiles' | 'feed'>, now: number): void {
    const plan = this.plan.get(viewer.id);
    const source = (owner: string | null | undefined, kind: 'audio' | 'video' | 'content'): Source | null =>
      (owner ? this.peers.get(owner)?.sources.get(kind) : undefined) ?? null;
    const tiles = new Array<Source | null>(viewer.tiles).fill(null);
    for (const a of plan?.video ?? []) if (a.slot < tiles.length) tiles[a.slot] = source(a.source, 'video');
    const audio = (plan?.audio ?? []).map((a) => source(a.source, 'audio')).filter((s): s is Source => s !== null);
    try {
      viewer.feed({ audio, video: tiles, content: source(plan?.content, 'content') }, now);
    } catch (error) {
      this.report(error, `room ${this.id}: feeding recorder ${viewer.id}`);
    }
  }

  /** Points every slot of the viewer at the source the plan names (idempotent). */
  private feed(peer: SfuPeer): void {
    const plan = this.plan.get(peer.id);
    const source = (owner: string | null | undefined, kind: 'audio' | 'video' | 'content'): Source | null =>
      (owner ? this.peers.get(owner)?.sources.get(kind) : undefined) ?? null;
    const place = (slots: OutSlot[], assigned: ReadonlyArray<{ slot: number; source: string }> | undefined, kind: 'audio' | 'video') => {
      const bySlot = new Map((assigned ?? []).map((a) => [a.slot, a.source]));
      slots.forEach((s, i) => s.feed(source(bySlot.get(i), kind)));
    };
    place(peer.slots.audio, plan?.audio, 'audio');
    place(peer.slots.video, plan?.video, 'video');
    peer.slots.content?.feed(source(plan?.content, 'content'));
  }

  private assignment(viewerId: string): SlotAssignment {
    const plan = this.plan.get(viewerId);
    const list = (assigned: ReadonlyArray<{ slot: number; source: string }> | undefined, n: number) => {
      const out = new Array<string>(n).fill('');
      for (const a of assigned ?? []) if (a.slot < n) out[a.slot] = a.source;
      return out;
    };
    const peer = this.peers.get(viewerId);
    const slots = peer instanceof SfuPeer ? peer.slots : undefined;
    return { audio: list(plan?.audio, slots?.audio.length ?? 0), video: list(plan?.video, slots?.video.length ?? 0), content: plan?.content ?? '' };
  }

  private tick(): void {
    try {
      const now = Date.now();
      for (const peer of this.peers.values()) peer.tick(now);
      for (const viewer of this.hidden.values()) viewer.tick(now);
      const ranking = this.speakers.rank(now);
      if (ranking.join('\n') !== this.ranking.join('\n')) {
        this.ranking = ranking;
        this.recompute();
      }
      if (this.speakers.dominant !== this.dominant) {
        this.dominant = this.speakers.dominant;
        this.events.speaker(this.dominant ?? '');
      }
    } catch (error) {
      this.report(error, `room ${this.id}: speaker tick`);
    }
  }
}
