import { fail } from '../kernel/domain-error.ts';
import { type Rate, take } from './allowance.ts';
import type { ChatView } from './notices.ts';
import type { Participant } from './participant.ts';

/** What guests may write: everything, only to everyone (no private messages), or nothing. Hosts choose it live. */
export type GuestChat = 'all' | 'public' | 'none';

export interface ChatLimits {
  /** Longest message, in characters. */
  maxLength: number;
  /** Messages per participant: `burst` at once, `perMinute` on average. */
  rate: Rate;
  /** Messages kept in memory: what late joiners are shown, and what a host can still delete live. */
  history: number;
}

/** One message as the meeting keeps it: the view everyone is sent, and who may see it again (by party). */
export interface ChatMessage extends ChatView {
  /** Whose it is and for whom (see partyOf): a later connection of the same party is shown it again. */
  fromParty: string;
  toParty: string;
  fromUser: string;
  toUser: string;
}

/**
 * Who a participant is for the history of private messages: a signed-in user by account, a guest by its attendance
 * (its place in this session). A guest's client_id is in everyone's roster, so someone joining later with that id is
 * not the same party and is not shown the earlier guest's private messages.
 */
export const partyOf = (p: Pick<Participant, 'userId' | 'attendanceId'>): string => (p.userId !== '' ? `u:${p.userId}` : `a:${p.attendanceId}`);

/** Characters that have no place in a chat line (C0/C1 controls other than tab and newline, bidi overrides). */
const STRIP = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The chat of one meeting (or breakout room): rules for who may write what to whom, the recent messages late joiners
 * see, and deletion by hosts. Pure: no storage, no sockets; plain fields only (a meeting may be snapshotted).
 * Messages are text: clients show them as text, never as HTML (a link stays a string).
 */
export class MeetingChat {
  guestChat: GuestChat = 'all';
  /** The newest messages, oldest first, at most `limits.history`. */
  recent: ChatMessage[] = [];
  private seq = 0;

  constructor(
    /** Prefix of message ids: 'main', or a breakout room's id (ids stay unique across the rooms of a session). */
    readonly scope: string,
    readonly limits: ChatLimits,
  ) {}

  /**
   * A message from `from` to everyone (`to` undefined) or privately to `to`. Refused with a DomainError naming the
   * field: empty or too long, a private message to oneself, what the host turned off for guests, or faster than the
   * rate (the participant's allowance is spent).
   */
  send(from: Participant, to: Participant | undefined, text: string, now: number): ChatMessage {
    const clean = text.replace(/\r\n?/g, '\n').replace(STRIP, '').trim();
    if (clean === '') fail('input.invalid', 'text: must not be empty');
    if (clean.length > this.limits.maxLength) fail('input.tooLong', `text: at most ${this.limits.maxLength} characters`);
    if (to && to.clientId === from.clientId) fail('input.invalid', 'to: must name another participant (omit it to write to everyone)');
    const guest = from.userId === '' && !from.host;
    if (guest && this.guestChat === 'none') fail('operation.forbidden', 'chat: the host has turned chat off for guests');
    if (guest && to && this.guestChat === 'public') fail('operation.forbidden', 'to: the host has turned private messages off for guests');
    const allowance = take(from.allowances?.chat, this.limits.rate, now);
    if (!allowance.ok) fail('rate.limited', `chat: at most ${this.limits.rate.perMinute} messages a minute (${this.limits.rate.burst} at once); wait a moment`);
    from.allowances = { ...from.allowances, chat: allowance.allowance };
    const message: ChatMessage = {
      id: `${this.scope}:${++this.seq}`,
      at: now,
      from: from.clientId,
      fromName: from.displayName,
      to: to?.clientId ?? '',
      toName: to?.displayName ?? '',
      text: clean,
      fromParty: partyOf(from),
      toParty: to ? partyOf(to) : '',
      fromUser: from.userId,
      toUser: to?.userId ?? '',
    };
    this.recent.push(message);
    if (this.recent.length > this.limits.history) this.recent.splice(0, this.recent.length - this.limits.history);
    return message;
  }

  /**
   * A host deletes a message to everyone; it leaves the history. Private messages are the two parties' only: a host
   * cannot delete (or learn of) one it is not party to. undefined when no such message is held.
   */
  remove(id: string, host: Participant | undefined): ChatMessage | undefined {
    const i = this.recent.findIndex((m) => m.id === id);
    const message = this.recent[i];
    if (!message) return undefined;
    if (message.to !== '' && (!host || (partyOf(host) !== message.fromParty && partyOf(host) !== message.toParty))) return undefined;
    this.recent.splice(i, 1);
    return message;
  }

  /** What `p` is shown on joining: the recent messages to everyone and its own private ones, oldest first. */
  historyFor(p: Participant): ChatView[] {
    const party = partyOf(p);
    return this.recent.filter((m) => m.to === '' || m.fromParty === party || m.toParty === party).map(viewOfMessage);
  }
}

export const viewOfMessage = (m: ChatMessage): ChatView => ({ id: m.id, at: m.at, from: m.from, fromName: m.fromName, to: m.to, toName: m.toName, text: m.text });
