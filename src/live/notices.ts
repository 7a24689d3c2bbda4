import type { Reason } from '../../contract/signal/reasons.ts';

/** A participant as others see it in the roster. */
export interface ParticipantView {
  clientId: string;
  displayName: string;
  userId: string;
  audioMuted: boolean;
  videoMuted: boolean;
  role: 'host' | 'participant' | 'guest';
  handRaised: boolean;
}

export interface OverlaySetting {
  enabled: boolean;
  text: string;
  /** 0 top, 50 middle, 100 bottom. */
  position: 0 | 50 | 100;
  repeat: number;
  scroll: boolean;
}

/**
 * What the live domain tells participants (client contract §7). The signalling adapter turns each notice into one
 * protocol event; notices that are the same for every recipient are serialised once.
 */
export type Notice =
  | { kind: 'info' }
  | { kind: 'count'; count: number }
  | { kind: 'roster'; full: boolean; participants: ParticipantView[]; left: string[]; allAudio?: { muted: boolean; except: string[] } }
  | { kind: 'muteLock'; muted: boolean; allowSelfUnmute: boolean }
  | { kind: 'unmuteRequests'; requests: Array<{ clientId: string; displayName: string }> }
  | { kind: 'unmuteAllowed' }
  | { kind: 'layout' }
  | { kind: 'pin' }
  | { kind: 'overlay'; overlay: OverlaySetting }
  /** The meeting's session state (client contract §7 OnMeetingSessionStatus), with its values when it was produced. */
  | { kind: 'session'; recording: boolean; streaming: { url: string; passcode: string } | null }
  | { kind: 'ended'; reason: Reason; message: string }
  /** Who fills the viewer's media slots ('' = empty), as the SFU decided. */
  | { kind: 'mediaSlots'; audio: string[]; video: string[]; content: string }
  | { kind: 'speaker'; clientId: string }
  | { kind: 'mediaRestart'; message: string }
  /** To hosts: a recording or live stream stopped on its own (a full disk, a recorder that kept failing); the meeting goes on. */
  | { kind: 'captureStopped'; what: 'recording' | 'streaming'; reason: 'diskFull' | 'failed'; message: string }
  /** To hosts: too many wrong passcodes; until `until` only hosts and holders of the meeting link can join. */
  | { kind: 'passcodeLockout'; until: number };

/** Who receives a notice. `info`, `layout` and `pin` differ per viewer and are rendered for each recipient. */
export type Audience = { to: 'all' } | { to: 'hosts' } | { to: 'some'; clientIds: readonly string[] };

export interface Delivery {
  audience: Audience;
  notice: Notice;
}

export const toAll = (notice: Notice): Delivery => ({ audience: { to: 'all' }, notice });
export const toHosts = (notice: Notice): Delivery => ({ audience: { to: 'hosts' }, notice });
export const toSome = (clientIds: readonly string[], notice: Notice): Delivery => ({ audience: { to: 'some', clientIds }, notice });
