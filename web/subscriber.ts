import type { EventOf } from '../contract/signal/protocol.ts';
import type { SignalClient } from '../sdk/signal-client.ts';
import { h } from './shared/dom.ts';
import { gathered, peerConfig, watchFailure } from './rtc.ts';

type SlotKind = 'audio' | 'video' | 'content';
type Offer = EventOf<'media.offer'>;
type Slots = Omit<EventOf<'media.slots'>, 'type'>;

/** One receiving slot of the subscriber connection and the element that plays it. */
interface Sink {
  kind: SlotKind;
  index: number;
  mid: string;
  element: HTMLMediaElement;
}

/** How often the receive counters are copied onto the elements (the page's own diagnostics, and what tests read). */
const STATS_MS = 1000;

/**
 * The subscriber connection: the SFU offers fixed slots (three audio, nine video, one content) and refeeds them as the
 * meeting changes; `media.slots` says who is in which. Each slot plays in an element of its own, created once, so a
 * tile only has to pick up the element of the slot that currently carries its participant. Every audio slot plays
 * all the time in a hidden element: what is heard is the SFU's decision (muted people are not forwarded), not ours.
 */
export class Subscriber {
  private readonly sinks: Sink[];
  private readonly timer: ReturnType<typeof setInterval>;

  private constructor(
    readonly pc: RTCPeerConnection,
    offer: Offer,
    audioHome: HTMLElement,
  ) {
    const sink = (kind: SlotKind, index: number, mid: string): Sink => {
      const element =
        kind === 'audio'
          ? h('audio', { autoplay: true })
          : // Muted: a video element never plays sound (the audio slots do); also what lets it autoplay.
            h('video', { autoplay: true, playsinline: true, class: kind });
      if (element instanceof HTMLVideoElement) element.muted = true;
      element.dataset.slot = kind;
      element.dataset.index = String(index);
      element.dataset.mid = mid;
      element.dataset.uuid = '';
      return { kind, index, mid, element };
    };
    this.sinks = [
      ...offer.audio.map((mid, i) => sink('audio', i, mid)),
      ...offer.video.map((mid, i) => sink('video', i, mid)),
      sink('content', 0, offer.content),
    ];
    for (const s of this.sinks) if (s.kind === 'audio') audioHome.append(s.element);
    pc.addEventListener('track', (event) => {
      const found = this.sinks.find((s) => s.mid === event.transceiver.mid);
      if (found) found.element.srcObject = new MediaStream([event.track]);
    });
    this.timer = setInterval(() => void this.copyStats(), STATS_MS);
  }

  /** Answers the SFU's offer (asked for by the caller, who learns from it that the server has media at all). */
  static async open(signal: SignalClient, offer: Offer, audioHome: HTMLElement, onFailed: () => void): Promise<Subscriber> {
    const pc = new RTCPeerConnection(await peerConfig(signal));
    const subscriber = new Subscriber(pc, offer, audioHome);
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await gathered(pc);
      await signal.accept(pc.localDescription!.sdp);
      watchFailure(pc, onFailed);
      return subscriber;
    } catch (e) {
      subscriber.close();
      throw e;
    }
  }

  /** Who is in which slot now. */
  assign(slots: Slots): void {
    for (const s of this.sinks) {
      s.element.dataset.uuid = (s.kind === 'content' ? slots.content : slots[s.kind][s.index]) ?? '';
    }
  }

  /** The element of the video slot carrying `uuid` (the large slot 0 first), or of the content slot. */
  videoOf(uuid: string, kind: 'video' | 'content' = 'video'): HTMLMediaElement | undefined {
    if (uuid === '') return undefined;
    return this.sinks.find((s) => s.kind === kind && s.element.dataset.uuid === uuid)?.element;
  }

  close(): void {
    clearInterval(this.timer);
    this.pc.close();
    for (const s of this.sinks) {
      s.element.srcObject = null;
      s.element.remove();
    }
  }

  private async copyStats(): Promise<void> {
    let report: RTCStatsReport;
    try {
      report = await this.pc.getStats();
    } catch {
      return; // closed meanwhile
    }
    const byMid = new Map(this.sinks.map((s) => [s.mid, s]));
    const byTrack = new Map(this.pc.getTransceivers().map((t) => [t.receiver.track.id, t.mid ?? '']));
    report.forEach((r: Record<string, unknown>) => {
      if (r.type !== 'inbound-rtp') return;
      const mid = typeof r.mid === 'string' ? r.mid : byTrack.get(String(r.trackIdentifier));
      const s = mid === undefined ? undefined : byMid.get(mid);
      if (!s) return;
      s.element.dataset.packets = String(r.packetsReceived ?? 0);
      if (s.kind !== 'audio') s.element.dataset.frames = String(r.framesDecoded ?? 0);
    });
  }
}
