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
 * Negotiation: the client publishes (it offers, the SFU answers) and subscribes (the SFU offers fixed slots, the client
 * answers); see media/sfu/sfu-peer.ts. The control plane pushes a RoomPolicy whenever the meeting changes; the worker
 * decides the forwarding from it and reports each viewer's slot assignment and the dominant speaker back as events.
 */

/** How a recorder composes the meeting: the picture the meeting shows large, or a grid of up to nine. */
export type RecordingLayout = 'speaker' | 'gallery';

/**
 * A hidden viewer of the room: a recording or a live stream, composed in the SFU's worker from the media it forwards
 * (no browser). It receives like a participant who pins nobody (`speaker`: one picture; `gallery`: nine tiles) and
 * hears every allowed publisher, mixed; nobody sees it in the roster.
 */
export type RecorderPolicy = { id: string; layout: RecordingLayout };

/** Everything the SFU needs to know about a meeting to enforce it (plain JSON: it crosses the IPC channel). */
export type RoomPolicy = {
  /**
   * In join order. audio/video: may this participant be heard / seen now (false when muted by a host or by itself);
   * content: may its screen share be forwarded (false when the meeting lets only hosts share and it is none).
   */
  participants: Array<{
    id: string;
    audio: boolean;
    video: boolean;
    content: boolean;
    pin: string | null;
    maxViews: number;
    /**
     * Its breakout room ('' or absent = the main meeting): a participant hears and sees only those of its own group, so
     * moving between rooms changes the forwarding and nothing else (the connections stay).
     */
    group?: string;
  }>;
  lecturer: string | null;
  meetingPin: string | null;
  /** Who is sharing content, oldest first (one at a time per breakout room: the latest there; see decideForwarding). */
  contentOwners: string[];
  /** Video bitrate cap per publisher from the meeting's call rate, kbps; 0 = none. */
  maxKbps: number;
  /** The recorders allowed in the room; a recorder not listed is refused, and one no longer listed is stopped. */
  recorders: RecorderPolicy[];
};

/**
 * Where a recorder's output goes. `file`: WebM parts in `dir` (a restarted ffmpeg writes a new part; they are joined
 * when the recording is finalised). `hls`: an HLS playlist and segments in `dir`, and the same stream pushed to
 * `rtmpUrl` when it is not ''.
 */
export type RecorderOutput = { kind: 'file'; dir: string } | { kind: 'hls'; dir: string; rtmpUrl: string };

export type RecorderSpec = { id: string; layout: RecordingLayout; output: RecorderOutput };

/** What happened to a recorder, as its worker reports it. */
export type RecorderEvent =
  /** ffmpeg writes (its first part, or again after a restart: `part` counts from 0). */
  | { kind: 'writing'; part: number }
  /** ffmpeg ended unexpectedly and is started again on a new part. */
  | { kind: 'restarting'; message: string }
  /**
   * The recorder is over and its ffmpeg has exited: `stopped` (asked, or the room closed), `diskFull` (stopped before
   * the disk filled up), `failed` (ffmpeg kept failing, or could not start).
   */
  | { kind: 'ended'; reason: 'stopped' | 'diskFull' | 'failed'; message: string };

/**
 * How a participant's media reaches the SFU. `webrtc`: a browser or app (ICE, DTLS-SRTP; it publishes and subscribes
 * on two connections). `rtp`: a device that speaks plain RTP, as SIP phones and room systems do (no ICE, no DTLS; one
 * offer sets up both ways, the SFU answers with a UDP port on `address`, and the device hears the meeting mixed, minus
 * itself).
 */
export type MediaTransport =
  | { kind: 'webrtc' }
  | ({ kind: 'rtp' } & RtpLegSettings);

/** A plain RTP leg: where it binds, and what it watches and announces. */
export type RtpLegSettings = {
  /** The IPv4 address it binds (and names in its SDP). */
  address: string;
  /** The UDP port to take (the SIP gateway's prompts used it, and the device sends there); any free one if unset. */
  port?: number;
  /** The `rtpSilent` event fires when the device sends nothing for this long (0/unset: never). */
  mediaTimeoutMs?: number;
  /** The call rate announced in its SDP (b=AS, b=TIAS), kbit/s; none if unset. */
  kbps?: number;
};

/** Who fills a viewer's slots, by slot index ('' = empty). */
export type SlotAssignment = { audio: string[]; video: string[]; content: string };

/** The subscriber connection's offer and which mid carries which slot. */
export type SubscribeOffer = { sdp: string; audio: string[]; video: string[]; content: string };

export interface MediaEngineEvents {
  /**
   * The media of these rooms is lost (their worker died). The rooms no longer exist in the engine: openRoom() places
   * them again, on a working worker.
   */
  roomsLost: { roomIds: string[]; reason: string };
  slots: { roomId: string; participantId: string; assignment: SlotAssignment };
  speaker: { roomId: string; participantId: string };
  recorder: { roomId: string; recorderId: string; event: RecorderEvent };
  /** A plain RTP leg got no packet from its device for its media timeout (the device is gone without a BYE). */
  rtpSilent: { roomId: string; participantId: string };
}

export interface MediaEngine {
  /**
   * Opens the room, or does nothing if it is open. Rejects with DomainError 'service.unavailable' when no media worker
   * can take it (none running, or the worker did not answer in time).
   */
  openRoom(roomId: string): Promise<void>;
  /** Closes the room and everything in it; a room that is not open (or was lost) is a no-op. */
  closeRoom(roomId: string): Promise<void>;
  /** Replaces the room's policy; participants no longer listed lose their media. Fire and forget: failures are reported. */
  setPolicy(roomId: string, policy: RoomPolicy): void;
  /**
   * Answers the participant's publish offer (a plain RTP leg's whole offer: see MediaTransport; WebRTC by default).
   * Rejects with DomainError 'service.unavailable' or 'input.invalid'.
   */
  publish(roomId: string, participantId: string, sdp: string, transport?: MediaTransport): Promise<string>;
  /**
   * Dial-out: the SDP offer of a plain RTP leg for the participant, bound on `address` (the SFU offers first, to a SIP
   * device it calls); the device's answer goes to acceptRtp(). Rejects like publish().
   */
  offerRtp(roomId: string, participantId: string, leg: RtpLegSettings): Promise<string>;
  acceptRtp(roomId: string, participantId: string, sdp: string): Promise<void>;
  subscribe(roomId: string, participantId: string): Promise<SubscribeOffer>;
  /** The participant's answer to its subscribe offer. */
  accept(roomId: string, participantId: string, sdp: string): Promise<void>;
  /**
   * Starts a recorder the room's policy lists (push the policy first). Resolves once its ffmpeg runs; rejects with
   * DomainError 'service.unavailable' (no media) or 'input.invalid' (not in the policy, or already running).
   */
  startRecorder(roomId: string, spec: RecorderSpec): Promise<void>;
  /** Asks the recorder to finish (ffmpeg finalises its file); its `ended` event follows. Unknown recorders: no-op. */
  stopRecorder(roomId: string, recorderId: string): Promise<void>;
  /** Adds a listener; returns the function that removes it. A throwing listener is reported, never propagated. */
  on<K extends keyof MediaEngineEvents>(event: K, listener: (payload: MediaEngineEvents[K]) => void): () => void;
}
