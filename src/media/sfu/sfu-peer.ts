import { RTCPeerConnection } from 'werift';
import type { SubscribeOffer } from '../engine.ts';
import { BadMediaRequest } from './bad-request.ts';
import { capVideoBitrate, type IceSettings, peerConfig } from './peer-config.ts';
import { OutSlot } from './out-slot.ts';
import { keepBaselineH264 } from './h264-offer.ts';
import { PublisherFeedback } from './publisher-feedback.ts';
import { askOpusFecAndDtx, giveTransportCc, takeTransportCc } from './publisher-sdp.ts';
import { checkSdp } from './sdp-check.ts';
import { type Source, type SourceKind, weriftSource } from './source.ts';
import { SRTP_AEAD_AES_128_GCM, SRTP_AES128_CM_HMAC_SHA1_80 } from './srtp-seal.ts';
import { SrtpTransmitter, weriftCodecs, weriftFeedback } from './srtp-transmitter.ts';
import { enlargeReceiveBuffers, preferSrtpProfiles } from './werift-wire.ts';

export type Report = (error: unknown, context: string) => void;

export const SLOT_COUNTS = { audio: 3, video: 9 } as const;

/** Kernel receive buffer asked for on a publisher's socket (see enlargeReceiveBuffers). */
const PUBLISHER_RECEIVE_BUFFER = 2 * 1024 * 1024;

/**
 * One participant's media in the SFU: a publisher connection (the client offers audio, camera video and, in that
 * order, a second video for screen sharing; the SFU answers) and a subscriber connection (the SFU offers fixed slots:
 * three audio, nine video tiles and one content; the client answers). Two connections, so that neither side ever
 * renegotiates: publishing is set up once, and who is seen and heard changes by refeeding the slots.
 */
export class SfuPeer {
  private publisher: RTCPeerConnection | undefined;
  private publisherFeedback: PublisherFeedback | undefined;
  private subscriber: RTCPeerConnection | undefined;
  readonly sources = new Map<SourceKind, Source>();
  slots: { audio: OutSlot[]; video: OutSlot[]; content: OutSlot | null } = { audio: [], video: [], content: null };

  constructor(
    readonly id: string,
    private readonly ice: IceSettings,
    private readonly report: Report,
  ) {}

  /** Answers the client's publish offer; a new offer replaces the previous publisher connection and its streams. */
  async publish(offerSdp: string, maxKbps: number): Promise<string> {
    checkSdp(offerSdp);
    this.closePublisher();
    const pc = new RTCPeerConnection(peerConfig(this.ice, 'publisher'));
    this.publisher = pc;
    const offer = takeTransportCc(keepBaselineH264(offerSdp));
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    const videos = pc.getTransceivers().filter((t) => t.kind === 'video');
    const audio = pc.getTransceivers().find((t) => t.kind === 'audio');
    const roles: Array<[SourceKind, (typeof videos)[number] | undefined]> = [['audio', audio], ['video', videos[0]], ['content', videos[1]]];
    for (const [kind, transceiver] of roles) {
      const track = transceiver?.receiver.tracks[0];
      if (transceiver && track) this.sources.set(kind, weriftSource(this.id, kind, transceiver, track, this.report));
    }
    if (videos.length > 0 && offer.payloadTypes.size > 0) this.publisherFeedback = new PublisherFeedback(videos[0]!, this.report);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') enlargeReceiveBuffers(pc, PUBLISHER_RECEIVE_BUFFER, this.report);
    });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    return capVideoBitrate(askOpusFecAndDtx(giveTransportCc(pc.localDescription!.sdp, offer.payloadTypes)), maxKbps);
  }

  /** Offers the subscriber connection with its fixed slots (negotiated once, whoever feeds them later); a new subscribe replaces the previous one. */
  async subscribe(): Promise<SubscribeOffer> {
    this.closeSubscriber();
    const pc = new RTCPeerConnection(peerConfig(this.ice));
    this.subscriber = pc;
    const add = (kind: 'audio' | 'video') => pc.addTransceiver(kind, { direction: 'sendonly' });
    const audio = Array.from({ length: SLOT_COUNTS.audio }, () => add('audio'));
    const video = Array.from({ length: SLOT_COUNTS.video }, () => add('video'));
    const content = add('video');
    await pc.setLocalDescription(await pc.createOffer());
    // Everything forwarded goes out on this connection, once per viewer: AES-CM seals a packet for less CPU than GCM
    // here (measured: bench/README.md, measure 8), and every WebRTC stack supports it (RFC 8827 makes it mandatory).
    preferSrtpProfiles(pc, [SRTP_AES128_CM_HMAC_SHA1_80, SRTP_AEAD_AES_128_GCM]);
    const slot = (kind: OutSlot['kind'], t: (typeof audio)[number]) => {
      const mid = t.mid ?? '';
      const transmitter = new SrtpTransmitter(t.sender, mid, kind === 'audio' ? 48_000 : 90_000, this.report);
      return new OutSlot(kind, mid, t.sender.ssrc, transmitter, weriftCodecs(t), weriftFeedback(t.sender), this.report);
    };
    this.slots = { audio: audio.map((t) => slot('audio', t)), video: video.map((t) => slot('video', t)), content: slot('content', content) };
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') for (const s of this.allSlots()) s.connected();
    });
    return { sdp: pc.localDescription!.sdp, audio: this.slots.audio.map((s) => s.mid), video: this.slots.video.map((s) => s.mid), content: this.slots.content!.mid };
  }

  async accept(answerSdp: string): Promise<void> {
    if (!this.subscriber) throw new BadMediaRequest('media.accept: subscribe first');
    checkSdp(answerSdp);
    await this.subscriber.setRemoteDescription({ type: 'answer', sdp: answerSdp });
  }

  get subscribed(): boolean {
    return this.slots.content !== null;
  }

  tick(now: number): void {
    for (const s of this.allSlots()) s.tick(now);
  }

  allSlots(): OutSlot[] {
    return [...this.slots.audio, ...this.slots.video, ...(this.slots.content ? [this.slots.content] : [])];
  }

  close(): void {
    this.closePublisher();
    this.closeSubscriber();
  }

  private closePublisher(): void {
    for (const s of this.sources.values()) s.close();
    this.sources.clear();
    this.publisherFeedback?.close();
    this.publisherFeedback = undefined;
    const pc = this.publisher;
    this.publisher = undefined;
    pc?.close().catch((error: unknown) => this.report(error, `closing the publisher connection of ${this.id}`));
  }

  private closeSubscriber(): void {
    for (const s of this.allSlots()) s.close();
    this.slots = { audio: [], video: [], content: null };
    const pc = this.subscriber;
    this.subscriber = undefined;
    pc?.close().catch((error: unknown) => this.report(error, `closing the subscriber connection of ${this.id}`));
  }
}
