import { fail } from '../kernel/domain-error.ts';
import { type Allowance, type Rate } from './allowance.ts';
import { type ChatLimits, MeetingChat } from './chat.ts';

/** Most breakout rooms one meeting holds (each is a sub-meeting with its own chat and forwarding group). */
export const BREAKOUT_MAX_ROOMS = 50;
/** Longest time rooms may be opened for (a timer); 0 = no timer, the host closes them. */
export const BREAKOUT_MAX_MS = 24 * 60 * 60_000;
/** How long everyone has to finish when rooms close (by the host or the timer) unless the host says otherwise. */
export const BREAKOUT_GRACE_MS = 60_000;
/** Longest grace period a host may choose. */
export const BREAKOUT_MAX_GRACE_MS = 10 * 60_000;
/** Longest room name. */
export const BREAKOUT_NAME_MAX = 64;
/**
 * Broadcasts to every room, per meeting whoever sends them (a host over REST need not be in the meeting, so its own
 * chat allowance cannot bound it): a few at once, then one every few seconds.
 */
export const BROADCAST_RATE: Rate = { burst: 5, perMinute: 20 };

/**
 * none: no rooms; planned: rooms exist and people may be assigned, everyone is in the main meeting; open: the assigned
 * are in their rooms (until `endsAt` when a timer runs); closing: still in their rooms, back in the main meeting at
 * `closesAt`. After closing the rooms stay planned (with their assignments), so a host may open them again.
 */
export type BreakoutState = 'none' | 'planned' | 'open' | 'closing';

export interface BreakoutRoom {
  /** Stable within the session: 'b{round}-{n}' (chat message ids start with it). */
  id: string;
  name: string;
  /** The room's own chat (the main meeting's is LiveMeeting.chat). */
  chat: MeetingChat;
}

/** The breakout rooms as participants are told about them (BreakoutNotice). */
export interface BreakoutView {
  state: BreakoutState;
  rooms: Array<{ id: string; name: string }>;
  allowChoose: boolean;
  /** ms; when the timer closes the rooms; null = no timer (or not open). */
  endsAt: number | null;
  /** ms; when everyone is back in the main meeting (state closing). */
  closesAt: number | null;
}

/**
 * The breakout rooms of one live meeting: which exist, who is assigned where, and the timers. Live state like the
 * mutes: kept in memory with the meeting, gone when it ends. Where each participant is now is `Participant.room`
 * (LiveMeeting moves them); this holds the plan and the rules.
 */
export class Breakouts {
  state: BreakoutState = 'none';
  rooms: BreakoutRoom[] = [];
  /** Planned (and, while open, current) room per participant: client id → room id ('' = the main meeting). */
  readonly assignments = new Map<string, string>();
  allowChoose = false;
  endsAt: number | null = null;
  closesAt: number | null = null;
  /** The grace period when the timer closes the rooms (chosen when opening them). */
  timerGraceMs = BREAKOUT_GRACE_MS;
  /** What is left of the meeting's broadcast rate (BROADCAST_RATE). */
  broadcastAllowance: Allowance | undefined;
  /** Counts the times rooms were created, so room ids (and their chat message ids) stay unique in the session. */
  private round = 0;

  constructor(private readonly chatLimits: ChatLimits) {}

  /** New rooms (replacing planned ones and their assignments); refused while rooms are open. */
  create(names: readonly string[], allowChoose: boolean): void {
    if (this.state === 'open' || this.state === 'closing') fail('state.invalid', 'breakout: rooms are open; close them before creating new ones');
    if (names.length < 1 || names.length > BREAKOUT_MAX_ROOMS) fail('input.invalid', `rooms: between 1 and ${BREAKOUT_MAX_ROOMS} breakout rooms`);
    this.round++;
    this.rooms = names.map((raw, i) => {
      const name = raw.trim() || `Room ${i + 1}`;
      if (name.length > BREAKOUT_NAME_MAX) fail('input.tooLong', `names[${i}]: at most ${BREAKOUT_NAME_MAX} characters`);
      const id = `b${this.round}-${i + 1}`;
      return { id, name, chat: new MeetingChat(id, this.chatLimits) };
    });
    this.assignments.clear();
    this.allowChoose = allowChoose;
    this.state = 'planned';
    this.endsAt = null;
    this.closesAt = null;
  }

  /** Removes planned rooms (refused while they are open). */
  remove(): void {
    if (this.state === 'open' || this.state === 'closing') fail('state.invalid', 'breakout: rooms are open; close them first');
    this.state = 'none';
    this.rooms = [];
    this.assignments.clear();
  }

  get active(): boolean {
    return this.state === 'open' || this.state === 'closing';
  }

  /** The room, '' for the main meeting, or a 404 naming the field. */
  roomId(id: string, field: string): string {
    if (id === '') return '';
    if (this.state === 'none' || !this.rooms.some((r) => r.id === id)) fail('notFound', `${field}: no breakout room ${JSON.stringify(id)}`);
    return id;
  }

  /** The room's chat ('' or an unknown id: undefined). */
  chatOf(id: string): MeetingChat | undefined {
    return this.rooms.find((r) => r.id === id)?.chat;
  }

  nameOf(id: string): string {
    return this.rooms.find((r) => r.id === id)?.name ?? '';
  }

  requireRooms(): void {
    if (this.state === 'none') fail('state.invalid', 'breakout: create breakout rooms first');
  }

  requireActive(): void {
    if (!this.active) fail('state.invalid', 'breakout: the breakout rooms are not open');
  }

  /** Opens planned rooms, for `durationMs` (0 = until the host closes them), then `graceMs` to come back. */
  open(durationMs: number, now: number, graceMs = BREAKOUT_GRACE_MS): void {
    this.requireRooms();
    if (this.active) fail('state.invalid', 'breakout: the breakout rooms are open already');
    if (!(durationMs >= 0 && durationMs <= BREAKOUT_MAX_MS)) fail('input.invalid', `duration: between 0 (no timer) and ${BREAKOUT_MAX_MS / 60_000} minutes`);
    if (!(graceMs >= 0 && graceMs <= BREAKOUT_MAX_GRACE_MS)) fail('input.invalid', `grace: between 0 and ${BREAKOUT_MAX_GRACE_MS / 1000} seconds`);
    this.state = 'open';
    this.timerGraceMs = graceMs;
    this.endsAt = durationMs > 0 ? now + durationMs : null;
    this.closesAt = null;
  }

  /** Starts the grace period (the host closes, or the timer ran out); true when it ended at once (grace 0). */
  close(graceMs: number, now: number): void {
    this.requireActive();
    if (!(graceMs >= 0 && graceMs <= BREAKOUT_MAX_GRACE_MS)) fail('input.invalid', `grace: between 0 and ${BREAKOUT_MAX_GRACE_MS / 1000} seconds`);
    this.state = 'closing';
    this.endsAt = null;
    this.closesAt = now + graceMs;
  }

  /** The rooms are over: everyone is back (LiveMeeting moved them); the rooms stay planned. */
  closed(): void {
    this.state = 'planned';
    this.endsAt = null;
    this.closesAt = null;
  }

  /** When something happens by itself next (the timer closing, the grace period ending); null = nothing. */
  get deadline(): number | null {
    return this.state === 'open' ? this.endsAt : this.state === 'closing' ? this.closesAt : null;
  }

  view(): BreakoutView {
    return {
      state: this.state,
      rooms: this.rooms.map((r) => ({ id: r.id, name: r.name })),
      allowChoose: this.allowChoose,
      endsAt: this.endsAt,
      closesAt: this.closesAt,
    };
  }
}

/** `n` room names: the given ones (blank = "Room i"), or "Room 1" … "Room n". */
export function roomNames(count: number | undefined, names: readonly string[] | undefined): string[] {
  if (names && names.length > 0) {
    if (count !== undefined && count !== names.length) fail('input.invalid', 'count: must equal the number of names (or be left out)');
    return [...names];
  }
  if (count === undefined) return fail('input.invalid', 'count: how many breakout rooms (or names: their names)');
  if (!Number.isInteger(count) || count < 1 || count > BREAKOUT_MAX_ROOMS) fail('input.invalid', `count: between 1 and ${BREAKOUT_MAX_ROOMS}`);
  return Array.from({ length: count }, (_, i) => `Room ${i + 1}`);
}

/** Spreads `ids` over `rooms` as evenly as possible, in random order (Fisher–Yates with the given random source). */
export function spread(ids: readonly string[], rooms: readonly string[], random: () => number = Math.random): Map<string, string> {
  const order = [...ids];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return new Map(order.map((id, i) => [id, rooms[i % rooms.length]!]));
}
