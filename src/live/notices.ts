import type { Reason } from '../../contract/signal/reasons.ts';
import type { LobbyMode } from '../scheduling/meeting.ts';
import type { GuestChat } from './chat.ts';
import type { SharePolicy } from './live-meeting.ts';

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

/** A chat message as its recipients see it. */
export interface ChatView {
  /** Unique in the session: '{scope}:{n}' (scope 'main' or a breakout room's id). */
  id: string;
  at: number;
  from: string;
  fromName: string;
  /** '' = to everyone in the meeting (or breakout room); else the one recipient of a private message. */
  to: string;
  toName: string;
  text: string;
}

export interface OverlaySetting {
  enabled: boolean;
  text: string;
  /** 0 top, 50 middle, 100 bottom. */
  position: 0 | 50 | 100;
  repeat: number;
  scroll: boolean;
}

/** The meeting as `meeting.info` describes it, at the moment the notice was made. */
export interface MeetingInfo {
  meetingNumber: string;
  name: string;
  ownerId: string;
  ownerName: string;
  /** Link keys ('' for none): the adapter turns them into URLs. */
  infoKey: string;
  groupKey: string;
  startedAt: number;
  /** null = open-ended (a room). */
  endTime: number | null;
  locked: boolean;
  sharePolicy: SharePolicy;
  /** What guests may write in the chat (a host setting). */
  guestChat: GuestChat;
  /** Who waits in the lobby until a host admits them (a host setting). */
  lobby: LobbyMode;
}

/** What a recipient's own state adds to the notices that differ per viewer (its name, pin, layout). */
export interface Viewer {
  displayName: string;
  userId: string;
  pin: string | null;
  maxViews: number;
  layout: string;
}

/**
 * What the live domain tells participants (client contract §7). Every notice carries its data as it was when the change
 * happened — nothing is looked up in the meeting later — so a notice can cross a process (another node, a recorder, a
 * SIP leg) as it is. The ones that differ per viewer (`info`, `layout`, `pin`) take the rest from the recipient. The signalling adapter turns each notice into one
 * protocol event; notices that are the same for every recipient are serialised once.
 */
export type Notice =
  | { kind: 'info'; meeting: MeetingInfo }
  | { kind: 'count'; count: number }
  | { kind: 'roster'; full: boolean; participants: ParticipantView[]; left: string[]; allAudio?: { muted: boolean; except: string[] } }
  | { kind: 'muteLock'; muted: boolean; allowSelfUnmute: boolean }
  | { kind: 'unmuteRequests'; requests: Array<{ clientId: string; displayName: string }> }
  | { kind: 'unmuteAllowed' }
  | { kind: 'layout'; lecturer: string | null }
  /** The meeting's pin; a viewer's own pin wins. */
  | { kind: 'pin'; meetingPin: string | null }
  | { kind: 'overlay'; overlay: OverlaySetting }
  /** The meeting's session state (client contract §7 OnMeetingSessionStatus), with its values when it was produced. */
  | { kind: 'session'; watermark: boolean; watermarkType: string; recording: boolean; streaming: { url: string; passcode: string } | null }
  | { kind: 'ended'; reason: Reason; message: string }
  /** Who fills the viewer's media slots ('' = empty), as the SFU decided. */
  | { kind: 'mediaSlots'; audio: string[]; video: string[]; content: string }
  | { kind: 'speaker'; clientId: string }
  | { kind: 'mediaRestart'; message: string }
  /** To hosts: a recording or live stream stopped on its own (a full disk, a recorder that kept failing); the meeting goes on. */
  | { kind: 'captureStopped'; what: 'recording' | 'streaming'; reason: 'diskFull' | 'failed'; message: string }
  /** To hosts: too many wrong passcodes; until `until` only hosts and holders of the meeting link can join. */
  | { kind: 'passcodeLockout'; until: number }
  | { kind: 'chat'; message: ChatView }
  /** On joining: the recent messages the participant may see. */
  | { kind: 'chatHistory'; messages: ChatView[] }
  | { kind: 'chatDeleted'; id: string }
  /** A short-lived emoji on a participant's tile. */
  | { kind: 'reaction'; clientId: string; emoji: string }
  /** To hosts: who waits in the lobby, first come first. */
  | { kind: 'lobby'; waiting: Array<{ clientId: string; displayName: string; guest: boolean; since: number }> };

/** Who receives a notice. `info`, `layout` and `pin` differ per viewer and are rendered for each recipient. */
export type Audience = { to: 'all' } | { to: 'hosts' } | { to: 'some'; clientIds: readonly string[] };

export interface Delivery {
  audience: Audience;
  notice: Notice;
}

export const toAll = (notice: Notice): Delivery => ({ audience: { to: 'all' }, notice });
export const toHosts = (notice: Notice): Delivery => ({ audience: { to: 'hosts' }, notice });
export const toSome = (clientIds: readonly string[], notice: Notice): Delivery => ({ audience: { to: 'some', clientIds }, notice });
