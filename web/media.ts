/**
 * The seam between the meeting view and audio/video: the view draws tiles and asks the MediaSession to fill them;
 * it never touches WebRTC. web/webrtc-media.ts is the real implementation (the SFU over two peer connections);
 * NoMedia keeps placeholders, for a page without WebRTC.
 */

/**
 * off: not started; connecting: setting up or re-establishing; connected: both connections up; unavailable: the
 * server runs without media (nothing to retry); failed: gave up after repeated failures.
 */
export type MediaStatus = 'off' | 'connecting' | 'connected' | 'unavailable' | 'failed';

export interface MediaState {
  status: MediaStatus;
  /** How many times both connections came up (1 after joining; each restart adds one). */
  connects: number;
  /** Who the SFU puts in this viewer's video slot 0 (its focus: pin, lecturer, else dominant speaker); '' = none. */
  focus: string;
  /** Whose screen share is shown ('' = nobody); the viewer's own uuid while it shares itself. */
  content: string;
  /** Dominant speaker; '' = nobody. */
  speaker: string;
  sharing: boolean;
  /** The browser can capture a screen and the publisher connection is up. */
  canShare: boolean;
  /** A microphone / camera track exists: without one the matching button has nothing to switch. */
  microphone: boolean;
  camera: boolean;
}

export interface MediaSession {
  readonly state: Readonly<MediaState>;
  /** The meeting was joined: connect. */
  start(): void;
  /** The signalling connection was resumed: the media connections may be gone with it, so they are set up again. */
  reconnect(): void;
  /** Called after every change of `state` (or of who fills which slot); returns a function that removes it. */
  onChange(listener: () => void): () => void;
  /** The tile of `uuid` was (re)drawn: put its video into `slot` (an empty element), or leave the placeholder. */
  attachTile(uuid: string, slot: HTMLElement): void;
  /** The content (screen share) tile was drawn. */
  attachContent(slot: HTMLElement): void;
  /** Starts or stops sharing the screen; rejects when the browser refuses the capture. */
  share(on: boolean): Promise<void>;
  close(): void;
}

export const NO_MEDIA_STATE: MediaState = {
  status: 'off',
  connects: 0,
  focus: '',
  content: '',
  speaker: '',
  sharing: false,
  canShare: false,
  microphone: true,
  camera: true,
};

export class NoMedia implements MediaSession {
  readonly state = { ...NO_MEDIA_STATE };
  start(): void {}
  reconnect(): void {}
  onChange(): () => void {
    return () => undefined;
  }
  attachTile(): void {}
  attachContent(): void {}
  async share(): Promise<void> {
    throw new Error('this page has no media');
  }
  close(): void {}
}
