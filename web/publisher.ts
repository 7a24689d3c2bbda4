import type { SignalClient } from '../sdk/signal-client.ts';
import { gathered, peerConfig, watchFailure } from './rtc.ts';

export interface PublishedTracks {
  audio: MediaStreamTrack | undefined;
  video: MediaStreamTrack | undefined;
  /** The screen being shared, when a connection is rebuilt during a share. */
  screen: MediaStreamTrack | undefined;
}

/**
 * The publisher connection: microphone, camera and content, in the m-line order the SFU reads them by. Each slot is
 * negotiated even without a track (a missing device, no share yet), so a track can be put in later with
 * replaceTrack and the connection is never renegotiated.
 */
export class Publisher {
  private constructor(
    readonly pc: RTCPeerConnection,
    private readonly content: RTCRtpTransceiver,
  ) {}

  static async open(signal: SignalClient, tracks: PublishedTracks, onFailed: () => void): Promise<Publisher> {
    const pc = new RTCPeerConnection(await peerConfig(signal));
    try {
      pc.addTransceiver(tracks.audio ?? 'audio', { direction: 'sendonly' });
      pc.addTransceiver(tracks.video ?? 'video', { direction: 'sendonly' });
      const content = pc.addTransceiver(tracks.screen ?? 'video', { direction: 'sendonly' });
      await pc.setLocalDescription(await pc.createOffer());
      await gathered(pc);
      const answer = await signal.publish(pc.localDescription!.sdp);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer });
      watchFailure(pc, onFailed);
      return new Publisher(pc, content);
    } catch (e) {
      pc.close();
      throw e;
    }
  }

  /** Puts the screen (or nothing) on the content slot. */
  shareTrack(track: MediaStreamTrack | null): Promise<void> {
    return this.content.sender.replaceTrack(track);
  }

  close(): void {
    this.pc.close();
  }
}
