import type { Allowance } from './allowance.ts';
import type { ParticipantView } from './notices.ts';

/** A host mute: set by mute/mute_all, lifted by unmute/unmute_all or by the participant when allowed. */
export interface HostMute {
  muted: boolean;
  allowSelfUnmute: boolean;
}

/**
 * How a participant is connected: `webrtc` — a browser or FRTC app on the signalling WebSocket, media over WebRTC;
 * `sip` — a SIP phone or room system through the SIP gateway (src/sip/), media over plain RTP, no screen of ours: it
 * is told things by what it hears and by SIP (a BYE when it is removed).
 */
export type ParticipantTransport = 'webrtc' | 'sip';

/** Someone in a live meeting, identified by the client_id they joined with (their uuid in rosters and API calls). */
export interface Participant {
  clientId: string;
  /** '' for guests. */
  userId: string;
  displayName: string;
  /** Owner, MeetingOperator or SystemAdmin: may use the control API and receives unmute requests. */
  host: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
  hostMute: HostMute;
  handRaised: boolean;
  /** Whom this viewer has pinned for itself (per-participant pin); null = follow the meeting. */
  pin: string | null;
  maxViews: 1 | 9;
  layout: string;
  joinedAt: number;
  /** Network address of the meeting connection: tokenless calls on its behalf must come from it. */
  address: string;
  /** False while the connection is lost and the place is held for a resume. */
  connected: boolean;
  disconnectedAt: number;
  /** Secret that lets a new connection take this place back. */
  resumeToken: string;
  /** The attendance record in the session history. */
  attendanceId: string;
  /** What is left of the participant's rate limits (created on first use). */
  allowances?: { chat?: Allowance; reaction?: Allowance };
  transport: ParticipantTransport;
}

export const NOT_HOST_MUTED: HostMute = { muted: false, allowSelfUnmute: true };

export const viewOf = (p: Participant): ParticipantView => ({
  clientId: p.clientId,
  displayName: p.displayName,
  userId: p.userId,
  audioMuted: p.audioMuted,
  videoMuted: p.videoMuted,
  role: p.host ? 'host' : p.userId === '' ? 'guest' : 'participant',
  handRaised: p.handRaised,
});

/** May the participant turn its own microphone on now? */
export const maySelfUnmute = (p: Participant): boolean => !p.hostMute.muted || p.hostMute.allowSelfUnmute;
