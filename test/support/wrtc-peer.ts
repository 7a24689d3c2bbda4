/**
 * A headless meeting participant with real WebRTC media (@roamhq/wrtc: libwebrtc in Node): it publishes a synthetic
 * camera (a moving I420 pattern) and microphone (a tone, so the active-speaker detector hears it) through the SFU and
 * subscribes to its slots, exactly as the browser app does (web/), over the SDK's SignalClient. Used by the SFU tests
 * (test/media/sfu-media.test.ts) and the media benchmark. Only inside a loopback-only network namespace.
 */
import { createRequire } from 'node:module';
import type { EventOf, IceServer } from '../../contract/signal/protocol.ts';
import type { SignalClient } from '../../sdk/signal-client.ts';

// The package's types lean on the DOM library, which this Node project does not load: a narrow typed facade instead.
interface Track {
  kind: string;
  enabled: boolean;
  stop(): void;
}
interface Transceiver {
  mid: string | null;
  sender: { replaceTrack(track: Track | null): Promise<void> };
}
interface Stats {
  forEach(f: (report: Record<string, unknown>) => void): void;
}
interface PeerConnection {
  addTransceiver(trackOrKind: Track | string, init: { direction: string }): Transceiver;
  createOffer(): Promise<{ sdp: string; type: string }>;
  createAnswer(): Promise<{ sdp: string; type: string }>;
  setLocalDescription(d: { sdp: string; type: string }): Promise<void>;
  setRemoteDescription(d: { sdp: string; type: string }): Promise<void>;
  localDescription: { sdp: string } | null;
  iceGatheringState: string;
  connectionState: string;
  onicegatheringstatechange: (() => void) | null;
  getTransceivers(): Transceiver[];
  getStats(): Promise<Stats>;
  close(): void;
}
interface Wrtc {
  RTCPeerConnection: new (config?: object) => PeerConnection;
  nonstandard: {
    RTCVideoSource: new () => { createTrack(): Track; onFrame(frame: { width: number; height: number; data: Uint8ClampedArray }): void };
    RTCAudioSource: new () => { createTrack(): Track; onData(data: { samples: Int16Array; sampleRate: number; bitsPerSample: number; channelCount: number; numberOfFrames: number }): void };
  };
}
const wrtc = createRequire(import.meta.url)('@roamhq/wrtc') as Wrtc;
// libwebrtc's teardown at a natural exit segfaults once a media source has existed (0.10.0); process.exit() skips
// the crashing path. 'beforeExit' comes when everything else (the test reporter too) is done.
process.once('beforeExit', (code) => process.exit(process.exitCode ?? code));

export interface PeerOptions {
  width?: number;
  height?: number;
  fps?: number;
  /** Tone amplitude 0..1; 0 = digital silence. */
  loudness?: number;
  /** 'relay': only TURN candidates (the server's relay, from media.ice), never a direct path. */
  iceTransportPolicy?: 'all' | 'relay';
  /** Changes the ICE servers the server hands out before they are used (e.g. to spoil the credentials). */
  iceServers?: (fromServer: IceServer[]) => IceServer[];
  /** Brightness (luma 16–235) of the camera picture's background, so that tests can tell cameras apart; default 128. */
  shade?: number;
}

/** The path a connection's selected candidate pair takes on this side. */
export interface Route {
  /** host, srflx, prflx or relay. */
  candidateType: string;
  /** For a relay candidate: how this peer reaches the TURN server (udp, tcp or tls). */
  relayProtocol: string;
}

/** Inbound counters of one subscriber slot (by mid). */
export interface SlotStats {
  kind: 'audio' | 'video';
  packets: number;
  frames: number;
  /** Audio: the energy received so far (libwebrtc's totalAudioEnergy, grows while something audible arrives). */
  energy: number;
}

export class WrtcParticipant {
  private publisher: PeerConnection | undefined;
  private subscriber: PeerConnection | undefined;
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private readonly tracks: Track[] = [];
  private content: Transceiver | undefined;
  /** mids of the subscriber slots, from media.offer. */
  layout: { audio: string[]; video: string[]; content: string } | undefined;
  slots: EventOf<'media.slots'> | undefined;
  /** The SFU's answer to the last publish. */
  answerSdp = '';
  /** What this peer sent: the publish offer and the subscribe answer, with every candidate it gathered. */
  readonly sent: { offer: string; answer: string } = { offer: '', answer: '' };

  constructor(
    readonly signal: SignalClient,
    private readonly options: PeerOptions = {},
  ) {
    signal.on('media.slots', (e) => (this.slots = e));
  }

  get uuid(): string {
    return this.signal.self?.uuid ?? '';
  }

  /** Publishes the synthetic camera and microphone, then subscribes; resolves when both connections are up. */
  async start(): Promise<void> {
    await this.publish();
    await this.subscribe();
  }

  async publish(): Promise<void> {
    this.publisher?.close();
    const pc = (this.publisher = new wrtc.RTCPeerConnection(await this.config()));
    pc.addTransceiver(this.microphone(), { direction: 'sendonly' });
    pc.addTransceiver(this.camera(), { direction: 'sendonly' });
    this.content = pc.addTransceiver('video', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    this.sent.offer = pc.localDescription!.sdp;
    const answer = (this.answerSdp = await this.signal.publish(pc.localDescription!.sdp));
    await pc.setRemoteDescription({ type: 'answer', sdp: answer });
    await connected(pc);
  }

  /** Shares a second synthetic picture as content (screen share), or stops. */
  async share(on: boolean): Promise<void> {
    await this.content?.sender.replaceTrack(on ? this.camera() : null);
    await this.signal.share(on);
  }

  async subscribe(): Promise<void> {
    this.subscriber?.close();
    const offer = await this.signal.subscribe();
    this.layout = { audio: offer.audio, video: offer.video, content: offer.content };
    const pc = (this.subscriber = new wrtc.RTCPeerConnection(await this.config()));
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    await gathered(pc);
    this.sent.answer = pc.localDescription!.sdp;
    await this.signal.accept(pc.localDescription!.sdp);
    await connected(pc);
  }

  /** Inbound RTP per subscriber mid. */
  async inbound(): Promise<Map<string, SlotStats>> {
    const out = new Map<string, SlotStats>();
    if (!this.subscriber) return out;
    const stats = await this.subscriber.getStats();
    const midOf = new Map<string, string>();
    stats.forEach((r) => {
      if (r.type === 'transceiver' && typeof r.mid === 'string' && typeof r.receiverId === 'string') midOf.set(r.receiverId, r.mid);
    });
    stats.forEach((r) => {
      if (r.type !== 'inbound-rtp') return;
      const mid = (typeof r.mid === 'string' ? r.mid : undefined) ?? midOf.get(String(r.trackId ?? ''));
      if (mid === undefined) return;
      out.set(mid, { kind: r.kind === 'audio' ? 'audio' : 'video', packets: Number(r.packetsReceived ?? 0), frames: Number(r.framesDecoded ?? 0), energy: Number(r.totalAudioEnergy ?? 0) });
    });
    return out;
  }

  /** The selected path of the publisher and the subscriber connection (those that are up). */
  async routes(): Promise<Route[]> {
    const out: Route[] = [];
    for (const pc of [this.publisher, this.subscriber]) {
      if (!pc) continue;
      const reports = new Map<string, Record<string, unknown>>();
      (await pc.getStats()).forEach((r) => reports.set(String(r.id), r));
      for (const r of reports.values()) {
        if (r.type !== 'transport' || typeof r.selectedCandidatePairId !== 'string') continue;
        const local = reports.get(String(reports.get(r.selectedCandidatePairId)?.localCandidateId));
        out.push({ candidateType: String(local?.candidateType ?? ''), relayProtocol: String(local?.relayProtocol ?? '') });
      }
    }
    return out;
  }

  /** The mid of the slot that currently carries `uuid`'s audio or video, per the last media.slots. */
  midOf(kind: 'audio' | 'video', uuid: string): string | undefined {
    const index = this.slots?.[kind].indexOf(uuid) ?? -1;
    return index < 0 ? undefined : this.layout?.[kind][index];
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    for (const t of this.tracks) t.stop();
    this.publisher?.close();
    this.subscriber?.close();
  }

  /** As the browser app: bundled, with the server's ICE servers asked for each connection. */
  private async config(): Promise<object> {
    const fromServer = await this.signal.iceServers();
    const iceServers = this.options.iceServers ? this.options.iceServers(fromServer) : fromServer;
    return { bundlePolicy: 'max-bundle', iceServers, iceTransportPolicy: this.options.iceTransportPolicy ?? 'all' };
  }

  private camera(): Track {
    const { width = 320, height = 180, fps = 15 } = this.options;
    const source = new wrtc.nonstandard.RTCVideoSource();
    const track = source.createTrack();
    this.tracks.push(track);
    const frame = new Uint8ClampedArray((width * height * 3) / 2);
    let n = 0;
    this.timers.push(
      setInterval(() => {
        // A bar that moves every frame: the encoder has something to send in each frame.
        frame.fill(this.options.shade ?? 128, 0, width * height);
        frame.fill(128, width * height);
        const x = (n++ * 4) % width;
        for (let y = 0; y < height; y++) frame.fill(235, y * width + x, y * width + Math.min(width, x + 16));
        source.onFrame({ width, height, data: frame });
      }, 1000 / fps),
    );
    return track;
  }

  private microphone(): Track {
    const source = new wrtc.nonstandard.RTCAudioSource();
    const track = source.createTrack();
    this.tracks.push(track);
    const amplitude = Math.round(32767 * (this.options.loudness ?? 0.3));
    const samples = new Int16Array(480);
    let phase = 0;
    this.timers.push(
      setInterval(() => {
        for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((phase++ * 2 * Math.PI * 440) / 48000));
        source.onData({ samples, sampleRate: 48000, bitsPerSample: 16, channelCount: 1, numberOfFrames: 480 });
      }, 10),
    );
    return track;
  }
}

/** As the browser app (web/rtc.ts): a relay that never answers (UDP blocked on the way) holds gathering at most 5 s. */
function gathered(pc: PeerConnection, timeoutMs = 5000): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState !== 'complete') return;
      clearTimeout(timer);
      resolve();
    };
  });
}

async function connected(pc: PeerConnection, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (pc.connectionState !== 'connected') {
    if (pc.connectionState === 'failed' || Date.now() > end) throw new Error(`WebRTC connection ${pc.connectionState}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
