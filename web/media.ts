/**
 * The seam for audio and video. The meeting view talks to a MediaSession only; this first version has none
 * (NoMedia), so tiles show placeholders. The media issue (SFU over WebRTC) adds an implementation that publishes the
 * camera and microphone, puts each participant's video into its tile slot and reports the active speaker.
 */
export interface MediaSession {
  /** The tile of `uuid` was (re)drawn: put its video into `slot` (an empty element) or leave the placeholder. */
  attachTile(uuid: string, slot: HTMLElement): void;
  /** The participant's own microphone / camera state changed (after the server accepted it). */
  setLocalMute(kind: 'audio' | 'video', muted: boolean): void;
  /** Called with the uuid of whoever speaks now ('' = nobody); the view highlights that tile. */
  onActiveSpeaker(listener: (uuid: string) => void): void;
  close(): void;
}

export class NoMedia implements MediaSession {
  attachTile(): void {}
  setLocalMute(): void {}
  onActiveSpeaker(): void {}
  close(): void {}
}
