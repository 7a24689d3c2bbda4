import { errorCatalog } from '../contract/errors.ts';
import type { EventOf } from '../contract/signal/protocol.ts';
import { ConnectionClosedError, type SignalClient, SignalError } from '../sdk/signal-client.ts';
import type { LocalDevices } from './devices.ts';
import { h } from './shared/dom.ts';
import { type MediaSession, type MediaState, NO_MEDIA_STATE } from './media.ts';
import { Publisher } from './publisher.ts';
import { Subscriber } from './subscriber.ts';

const UNAVAILABLE = errorCatalog['service.unavailable'].code;
/** Pauses before each new attempt after a failure; after the last one the page stays without media. */
const RETRY_MS = [1000, 3000, 8000];
/** A setup that has not finished by then is treated as failed (the SDK's commands have no timeout of their own). */
const SETUP_TIMEOUT_MS = 30_000;

type Slots = EventOf<'media.slots'>;

/**
 * Audio and video through the SFU (docs/protocol.md, media commands): a subscriber and a publisher connection,
 * negotiated once each; who is seen and heard changes by the SFU refeeding slots, screen sharing by replacing the
 * content track. Both connections are rebuilt from scratch whenever they may be lost (media.restart, a resumed
 * signalling connection, an ICE failure).
 */
export class WebRtcMedia implements MediaSession {
  readonly state: MediaState;
  private publisher: Publisher | undefined;
  private subscriber: Subscriber | undefined;
  private slots: Slots | undefined;
  /** Bumped by every (re)connect, retry and close: an older setup still in flight sees it and drops its result. */
  private generation = 0;
  private failures = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private screen: MediaStreamTrack | undefined;
  private closed = false;
  private readonly listeners = new Set<() => void>();
  private readonly off: (() => void)[];
  private readonly selfView = preview('self');
  private readonly screenView = preview('content');

  constructor(
    private readonly signal: SignalClient,
    private readonly devices: LocalDevices,
    /** Where the hidden audio elements live (they must be in the document to play). */
    private readonly audioHome: HTMLElement,
  ) {
    this.state = { ...NO_MEDIA_STATE, microphone: devices.audio !== undefined, camera: devices.video !== undefined };
    this.off = [
      signal.on('media.slots', (e) => {
        this.slots = e;
        this.subscriber?.assign(e);
        this.onSlots();
      }),
      signal.on('media.speaker', (e) => this.set({ speaker: e.uuid })),
      signal.on('media.restart', () => {
        if (this.state.status !== 'unavailable') this.reconnect();
      }),
      signal.on('roster', () => this.followSelf()),
      signal.on('meeting.status', () => this.followSelf()),
    ];
    this.followSelf();
  }

  start(): void {
    void this.connect();
  }

  reconnect(): void {
    if (this.closed || this.state.status === 'unavailable') return;
    this.failures = 0;
    void this.connect();
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  attachTile(uuid: string, slot: HTMLElement): void {
    const self = this.signal.self;
    if (uuid === self?.uuid) {
      if (!this.devices.video || self.video_mute) return;
      if (this.selfView.srcObject === null || (this.selfView.srcObject as MediaStream).getVideoTracks()[0] !== this.devices.video) {
        this.selfView.srcObject = this.devices.cameraStream() ?? null;
      }
      return place(this.selfView, slot);
    }
    const video = this.subscriber?.videoOf(uuid);
    if (video) place(video, slot);
  }

  attachContent(slot: HTMLElement): void {
    if (this.screen) {
      if (this.screenView.srcObject === null) this.screenView.srcObject = new MediaStream([this.screen]);
      return place(this.screenView, slot);
    }
    const video = this.subscriber?.videoOf(this.slots?.content ?? '', 'content');
    if (video) place(video, slot);
  }

  async share(on: boolean): Promise<void> {
    if (!on) return this.stopSharing(true);
    if (this.screen) return;
    const stream = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15 } }, audio: false });
    const track = stream.getVideoTracks()[0];
    const publisher = this.publisher;
    if (!track || !publisher || this.closed) {
      stream.getTracks().forEach((t) => t.stop());
      throw new Error('audio and video are not connected');
    }
    // Text and slides: keep them sharp and drop frames rather than resolution.
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" bar ends the track.
    track.addEventListener('ended', () => void this.stopSharing(true).catch(() => undefined));
    this.screen = track;
    this.onSlots();
    try {
      await publisher.shareTrack(track);
      await this.signal.share(true);
    } catch (e) {
      await this.stopSharing(false);
      throw e;
    }
  }

  close(): void {
    this.closed = true;
    this.generation++;
    clearTimeout(this.retryTimer);
    for (const off of this.off) off();
    this.screen?.stop();
    this.screen = undefined;
    this.teardown();
    this.selfView.srcObject = null;
    this.screenView.srcObject = null;
    this.listeners.clear();
  }

  // ---- connecting -----------------------------------------------------------------------------------------------

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    const current = () => generation === this.generation && !this.closed;
    clearTimeout(this.retryTimer);
    this.teardown();
    this.set({ status: 'connecting', canShare: false });
    const failed = () => {
      if (current()) this.retry();
    };
    const deadline = setTimeout(failed, SETUP_TIMEOUT_MS);
    try {
      // Subscribing first: its answer tells whether the server has media at all before the browser opens any port.
      const offer = await this.signal.subscribe();
      if (!current()) return;
      const subscriber = await Subscriber.open(this.signal, offer, this.audioHome, failed);
      if (!current()) return subscriber.close();
      this.subscriber = subscriber;
      if (this.slots) subscriber.assign(this.slots);
      this.changed();
      const tracks = { audio: this.devices.audio, video: this.devices.video, screen: this.screen };
      const publisher = await Publisher.open(this.signal, tracks, failed);
      if (!current()) return publisher.close();
      this.publisher = publisher;
      for (const pc of [subscriber.pc, publisher.pc]) pc.addEventListener('connectionstatechange', () => current() && this.followConnections());
      this.followConnections();
    } catch (e) {
      if (!current()) return;
      if (e instanceof SignalError && e.errorCode === UNAVAILABLE && this.state.connects === 0) {
        // The server has no media at all (or none yet): the meeting goes on without, and nothing is retried. Once
        // media worked, the same answer means a worker is being replaced, which is worth waiting for.
        this.teardown();
        this.set({ status: 'unavailable' });
      } else if (e instanceof ConnectionClosedError) {
        // The signalling connection is gone; the app resumes it and then calls reconnect().
        this.teardown();
      } else {
        this.retry();
      }
    } finally {
      clearTimeout(deadline);
    }
  }

  private followConnections(): void {
    const both = [this.subscriber?.pc, this.publisher?.pc];
    if (this.state.status === 'connected' || !both.every((pc) => pc?.connectionState === 'connected')) return;
    this.failures = 0;
    this.set({ status: 'connected', connects: this.state.connects + 1, canShare: typeof navigator.mediaDevices?.getDisplayMedia === 'function' });
  }

  private retry(): void {
    this.generation++;
    this.teardown();
    const delay = RETRY_MS[this.failures++];
    if (delay === undefined) return this.set({ status: 'failed' });
    this.set({ status: 'connecting' });
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private teardown(): void {
    this.publisher?.close();
    this.subscriber?.close();
    this.publisher = undefined;
    this.subscriber = undefined;
    if (this.state.canShare) this.set({ canShare: false });
  }

  // ---- following the meeting ------------------------------------------------------------------------------------

  /** The server's word on our own mute wins (a host mute included): the local tracks follow it. */
  private followSelf(): void {
    const self = this.signal.self;
    if (!self) return;
    if (this.devices.audio) this.devices.audio.enabled = !self.audio_mute;
    if (this.devices.video) this.devices.video.enabled = !self.video_mute;
  }

  private onSlots(): void {
    const self = this.signal.self?.uuid ?? '';
    const remote = this.slots?.content ?? '';
    // Someone else started sharing: the SFU gave them the content slot, ours is over.
    if (this.screen && remote !== '' && remote !== self) void this.stopSharing(false);
    this.set({ focus: this.slots?.video[0] ?? '', content: this.screen ? self : remote, sharing: this.screen !== undefined });
  }

  private async stopSharing(tell: boolean): Promise<void> {
    const track = this.screen;
    if (!track) return;
    this.screen = undefined;
    track.stop();
    this.screenView.srcObject = null;
    this.onSlots();
    await this.publisher?.shareTrack(null);
    if (tell) await this.signal.share(false);
  }

  private set(change: Partial<MediaState>): void {
    Object.assign(this.state, change);
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

function preview(kind: 'self' | 'content'): HTMLVideoElement {
  const video = h('video', { autoplay: true, playsinline: true, class: kind });
  video.muted = true;
  video.dataset.slot = kind === 'self' ? 'self' : 'local-content';
  return video;
}

/** Moves the element into the tile; a media element taken out of the page pauses, so it is restarted. */
function place(element: HTMLMediaElement, slot: HTMLElement): void {
  slot.append(element);
  if (element.paused && element.srcObject) void element.play().catch(() => undefined);
}
