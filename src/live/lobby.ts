import type { LobbyMode } from '../scheduling/meeting.ts';
import type { Participant } from './participant.ts';

/** Most people one meeting's lobby holds; later arrivals are refused (a flood cannot grow it without bound). */
export const LOBBY_MAX = 500;

/**
 * The lobby (waiting room) of a live meeting: who waits until a host admits or refuses them, in the order they
 * arrived. A waiting person is a complete Participant already (checked against passcode, lock, guests and capacity),
 * only not in the meeting yet: admitting it moves it in as it is, without asking anything again.
 */
export class Lobby {
  readonly waiting = new Map<string, Participant>();

  constructor(public mode: LobbyMode) {}

  /** Must this person wait? Hosts never do; `invited` = among the meeting's invited users. */
  mustWait(p: Pick<Participant, 'host' | 'userId'>, invited: boolean): boolean {
    if (p.host || this.mode === 'off') return false;
    if (this.mode === 'guests') return p.userId === '';
    return !invited;
  }

  get full(): boolean {
    return this.waiting.size >= LOBBY_MAX;
  }

  /** The people waiting, first come first, as hosts see them. */
  view(): Array<{ clientId: string; displayName: string; guest: boolean; since: number }> {
    return [...this.waiting.values()].map((p) => ({ clientId: p.clientId, displayName: p.displayName, guest: p.userId === '', since: p.joinedAt }));
  }
}
