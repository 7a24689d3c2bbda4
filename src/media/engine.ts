/**
 * The media engine as the live domain sees it (a port: no Node APIs, no werift, no processes). The implementation
 * over worker processes is media/pool/pool-engine.ts; the composition root (src/main.ts) chooses it.
 *
 * A media room holds the media of one live session (room id = the live session id, so a meeting number that is
 * reopened gets a fresh room). Objects follow mediasoup's ownership tree: engine → room → participant transport →
 * publications/subscriptions; closing a parent closes its children. A worker that dies is not a failed call but an
 * event, `roomsLost`: its rooms are gone, and the live domain tells their participants to reconnect (they then join
 * a room reopened on another worker). Calls never hang: every request to a worker has a deadline.
 *
 * Next steps (issue #5), added here as the SFU lands:
 *  - connectParticipant(roomId, participantId, sdpOffer) → sdpAnswer (the client publishes; werift answers), and the
 *    subscriber side (werift offers, the client answers), plus disconnectParticipant;
 *  - forwarding policy per participant: audio and video gates (host mute, self mute), so a muted stream is not
 *    forwarded at all rather than trusted to the client;
 *  - per-viewer video slots: which publications each viewer receives and at which layer, chosen from max_views, pin,
 *    lecturer and the active speaker (audio levels reported by the worker as events);
 *  - observer events (per-room bitrate, packet loss, worker load) for metrics, apart from the control path.
 */

export interface MediaEngineEvents {
  /**
   * The media of these rooms is lost (their worker died). The rooms no longer exist in the engine: openRoom() places
   * them again, on a working worker.
   */
  roomsLost: { roomIds: string[]; reason: string };
}

export interface MediaEngine {
  /**
   * Opens the room, or does nothing if it is open. Rejects with DomainError 'service.unavailable' when no media worker
   * can take it (none running, or the worker did not answer in time).
   */
  openRoom(roomId: string): Promise<void>;
  /** Closes the room and everything in it; a room that is not open (or was lost) is a no-op. */
  closeRoom(roomId: string): Promise<void>;
  /** Adds a listener; returns the function that removes it. A throwing listener is reported, never propagated. */
  on<K extends keyof MediaEngineEvents>(event: K, listener: (payload: MediaEngineEvents[K]) => void): () => void;
}
