import { randomUUID } from 'node:crypto';
import type { Caller } from '../accounts/caller.ts';
import { displayName, type PeopleLookup } from '../accounts/people.ts';
import { demand } from '../accounts/permissions.ts';
import type { User } from '../accounts/user.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import type { UserId } from '../kernel/ids.ts';
import { newLinkKey, newLiveKey } from './links.ts';
import { applyOptions, checkTimes, DEFAULT_OPTIONS, type MeetingInput, timeToJoin } from './meeting-input.ts';
import { INSTANT_WINDOW_MS, type MeetingOptions, type Reservation, type Series } from './meeting.ts';
import { expand } from './occurrences.ts';
import { chosenPasscode, generatedPasscode, type PasscodePolicy } from './passcode.ts';
import type { RoomAccess, SchedulingStore } from './ports.ts';
import { normaliseRecurrence, type RecurrenceFields, type RecurrenceRule } from './recurrence-rule.ts';
import { describeRule } from './series-fields.ts';

export interface SchedulingPolicy extends PasscodePolicy {
  /** IANA zone series follow when the client names none. */
  timeZone: string;
  maxOccurrences: number;
  /** Per owner: meetings and occurrences that have not ended (CONVENE_MAX_MEETINGS_PER_USER). */
  maxMeetingsPerUser: number;
  /** Per owner: recurring series with an occurrence that has not ended (CONVENE_MAX_SERIES_PER_USER). */
  maxSeriesPerUser: number;
}

/** Creating, changing and deleting meetings and series (the reads are in schedule-queries.ts). */
export class SchedulingService {
  constructor(
    private readonly store: SchedulingStore,
    private readonly people: PeopleLookup,
    private readonly rooms: RoomAccess,
    private readonly clock: Clock,
    private readonly policy: SchedulingPolicy,
  ) {}

  /** meeting_type decides: instant, reservation or recurrence. `forceSeries` is the /recurrence path. */
  async create(caller: Caller, input: MeetingInput, forceSeries = false): Promise<Reservation> {
    const user = signedIn(caller);
    const type = forceSeries ? 'recurrence' : (input.type ?? fail('input.invalid', 'meeting_type: is required'));
    if (type === 'instant') return this.createInstant(user, input);
    if (type === 'recurrence') return this.createSeries(caller, user, input);
    const options = await this.options(input, { ...DEFAULT_OPTIONS, name: '' }, user);
    const { start, end } = checkTimes(input.start, input.end, this.clock.now());
    const room = await this.roomFor(caller, input.roomId);
    return this.store.transaction(async (tx) => {
      await this.withinQuota(tx, user.id, { meetings: 1 });
      const id = randomUUID();
      const number = await this.numberFor(tx, room, input, id, 'reservation');
      const reservation = this.newReservation(user, options, number, { id, type: 'reservation', start, end, seriesId: null });
      await tx.reservations.insertMany([reservation]);
      return reservation;
    });
  }

  async update(caller: Caller, reservationId: string, input: MeetingInput): Promise<Reservation> {
    const user = signedIn(caller);
    const current = await this.manageable(user, reservationId);
    if (current.type === 'instant') fail('state.invalid', 'reservation_id: instant meetings cannot be updated');
    if (current.seriesId) return this.updateOccurrence(current, input, user);
    const options = await this.options(input, current, user);
    const times = input.start !== undefined || input.end !== undefined
      ? checkTimes(input.start ?? current.start, input.end ?? current.end, this.clock.now())
      : { start: current.start, end: current.end };
    const room = input.roomId !== current.roomId ? await this.roomFor(caller, input.roomId) : undefined;
    return this.store.transaction(async (tx) => {
      const number = await this.renumber(tx, room, current, input, 'reservation', current.id);
      const updated = { ...current, ...options, ...times, ...number, liveKey: current.liveKey || newLiveKey(), updatedAt: this.clock.now() };
      await tx.reservations.update(updated);
      if (updated.password === current.password) return updated;
      // Everyone who got the link (participants receive it in meeting.info) would read the new password through it.
      await tx.linkKeys.renew({ reservationId: updated.id });
      return (await tx.reservations.findById(updated.id)) ?? updated;
    });
  }

  /** Edits the whole series; `id` is any occurrence's reservation_id or the recurrence_gid. Returns the next occurrence. */
  async updateSeries(caller: Caller, id: string, input: MeetingInput): Promise<Reservation> {
    const user = signedIn(caller);
    const series = await this.seriesFor(id);
    demand(user, 'meeting.manage', series, 'id: only the owner or an administrator may change this series');
    const now = this.clock.now();
    // A body with new schedule times but no recurrence times means the new times (they are the same thing, §4.1).
    const times = { recurrenceStartTime: input.recurrence.recurrenceStartTime ?? input.start, recurrenceEndTime: input.recurrence.recurrenceEndTime ?? input.end };
    const rule = this.rule({ ...describeRule(series.rule), ...definedOnly({ ...input.recurrence, ...times }) });
    const occurrences = expand(rule, { maxOccurrences: this.policy.maxOccurrences }).filter((o) => o.start > now);
    // The settings the regenerated occurrences start from: the next occurrence's, else the last one's.
    const template = (await this.store.reservations.firstOf(series.id, { startAfter: now })) ?? (await this.store.reservations.lastOf(series.id));
    const options = await this.options(input, template ?? { ...DEFAULT_OPTIONS, name: '' }, user);
    const room = input.roomId !== series.roomId ? await this.roomFor(caller, input.roomId) : undefined;
    return this.store.transaction(async (tx) => {
      // Occurrences that have started are kept; those that have not are replaced by `occurrences`.
      const replaced = await tx.reservations.countBySeries(series.id, { startAfter: now });
      const inProgress = await tx.reservations.countBySeries(series.id, { endAfter: now }) - replaced;
      const wasActive = replaced + inProgress > 0;
      const willBeActive = occurrences.length + inProgress > 0;
      await this.withinQuota(tx, series.ownerId, { meetings: occurrences.length - replaced, series: !wasActive && willBeActive ? 1 : 0 });
      const number = await this.renumber(tx, room, series, input, 'series', series.id);
      const updated: Series = {
        ...series,
        rule,
        invitees: options.invitees,
        meetingNumber: number.meetingNumber,
        password: number.password,
        roomId: number.roomId,
        updatedAt: now,
      };
      await tx.series.update(updated);
      await tx.reservations.deleteSeriesFrom(series.id, now);
      // The series' live URL stays what its invitations gave.
      const liveKey = template?.liveKey || newLiveKey();
      const fresh = occurrences.map((o) =>
        this.newReservation(user, options, number, { id: randomUUID(), type: 'recurrence', start: o.start, end: o.end, seriesId: series.id }, series.ownerId, liveKey),
      );
      await tx.reservations.insertMany(fresh);
      const next = fresh[0] ?? (await tx.reservations.lastOf(series.id, { startAtMost: now })) ?? fail('input.invalid', 'recurrenceEndDay: the series would have no occurrence left');
      if (updated.password === series.password) return next;
      await tx.linkKeys.renew({ seriesId: series.id }); // as in update(): the old links must not give the new password
      return (await tx.reservations.findById(next.id)) ?? next;
    });
  }

  async delete(caller: Caller, reservationId: string, wholeSeries: boolean): Promise<void> {
    const user = signedIn(caller);
    const current = await this.manageable(user, reservationId);
    await this.store.transaction(async (tx) => {
      if (current.seriesId && (wholeSeries || (await tx.reservations.countBySeries(current.seriesId)) <= 1)) {
        await tx.series.delete(current.seriesId);
      } else {
        await tx.reservations.delete(current.id);
        if (current.seriesId) return;
      }
      if (!current.roomId) await tx.numbers.release(current.meetingNumber, current.seriesId ?? current.id);
    });
  }

  private async createInstant(user: User, input: MeetingInput): Promise<Reservation> {
    const now = this.clock.now();
    const name = input.name?.trim() || `${displayName(user)}'s meeting`;
    // The form's other options do not apply to an instant meeting; the lobby does (one opens a class with it).
    const options: MeetingOptions = { ...DEFAULT_OPTIONS, name, timeToJoin: -1, lobby: input.lobby ?? 'off' };
    return this.store.transaction(async (tx) => {
      await this.withinQuota(tx, user.id, { meetings: 1 });
      const id = randomUUID();
      const meetingNumber = await tx.numbers.claim('reservation', id);
      const number = { meetingNumber, password: generatedPasscode(this.policy), roomId: null };
      const reservation = this.newReservation(user, options, number, { id, type: 'instant', start: now, end: now + INSTANT_WINDOW_MS, seriesId: null });
      await tx.reservations.insertMany([reservation]);
      return reservation;
    });
  }

  private async createSeries(caller: Caller, user: User, input: MeetingInput): Promise<Reservation> {
    const rule = this.rule({ ...input.recurrence, schedule_start_time: input.start, schedule_end_time: input.end });
    const occurrences = expand(rule, { maxOccurrences: this.policy.maxOccurrences });
    const options = await this.options(input, { ...DEFAULT_OPTIONS, name: '' }, user);
    const now = this.clock.now();
    if (occurrences[occurrences.length - 1]!.end <= now) fail('input.invalid', 'recurrenceEndDay: every occurrence of this series is in the past');
    const room = await this.roomFor(caller, input.roomId);
    return this.store.transaction(async (tx) => {
      await this.withinQuota(tx, user.id, { meetings: occurrences.filter((o) => o.end > now).length, series: 1 });
      const seriesId = randomUUID();
      const number = await this.numberFor(tx, room, input, seriesId, 'series');
      const series: Series = { id: seriesId, ownerId: user.id, rule, groupKey: newLinkKey(), invitees: options.invitees, ...number, createdAt: now, updatedAt: now };
      await tx.series.insert(series);
      // One live URL for the whole series, as it has one number and one group link.
      const liveKey = newLiveKey();
      const reservations = occurrences.map((o) =>
        this.newReservation(user, options, number, { id: randomUUID(), type: 'recurrence', start: o.start, end: o.end, seriesId }, user.id, liveKey),
      );
      await tx.reservations.insertMany(reservations);
      return reservations.find((r) => r.end > now) ?? reservations[0]!;
    });
  }

  /** Edit-one (§4.5): only the occurrence's own times and a few harmless fields, never the series' settings. */
  private async updateOccurrence(current: Reservation, input: MeetingInput, user: User): Promise<Reservation> {
    const now = this.clock.now();
    const start = input.start || current.start;
    const end = input.end || current.end;
    if (start !== current.start || end !== current.end) checkTimes(start, end, now);
    const name = input.name?.trim() || current.name;
    const rateCheck = applyOptions({ recurrence: {}, ...(input.callRate ? { callRate: input.callRate } : {}) }, current, user);
    const updated: Reservation = {
      ...current,
      name,
      description: input.description ?? current.description,
      callRate: rateCheck.callRate,
      muteUponEntry: input.muteUponEntry ?? current.muteUponEntry,
      timeToJoin: timeToJoin(input.timeToJoin) ?? current.timeToJoin,
      start,
      end,
      updatedAt: now,
    };
    return this.store.transaction(async (tx) => {
      if (start !== current.start || end !== current.end) {
        const { before, after } = await tx.reservations.neighbours(current);
        if (before && start < before.end) fail('input.invalid', 'schedule_start_time: must not be before the previous occurrence ends');
        if (after && end > after.start) fail('input.invalid', 'schedule_end_time: must not be after the next occurrence starts');
      }
      await tx.reservations.update(updated);
      return updated;
    });
  }

  /**
   * Refuses a create or edit that would take the owner beyond the per-user limits (CONVENE_MAX_MEETINGS_PER_USER,
   * CONVENE_MAX_SERIES_PER_USER): `add` is how many meetings and series it adds that have not ended. Checked in the
   * write's transaction (on SQLite transactions run one at a time; on PostgreSQL two concurrent creates of one owner
   * can each pass, exceeding the limit by at most one write each).
   */
  private async withinQuota(tx: SchedulingStore, ownerId: UserId, add: { meetings: number; series?: number }): Promise<void> {
    if (add.meetings <= 0 && !add.series) return;
    const held = await tx.reservations.upcomingOwnedBy(ownerId, this.clock.now());
    const { maxMeetingsPerUser, maxSeriesPerUser } = this.policy;
    if (add.series && held.series + add.series > maxSeriesPerUser) {
      fail(
        'operation.forbidden',
        `recurrence_type: the owner already has ${held.series} recurring series that have not ended; at most ${maxSeriesPerUser} per user (CONVENE_MAX_SERIES_PER_USER)`,
      );
    }
    if (add.meetings > 0 && held.meetings + add.meetings > maxMeetingsPerUser) {
      fail(
        'operation.forbidden',
        `${add.series !== undefined ? 'recurrenceEndDay' : 'meeting_type'}: the owner has ${held.meetings} meetings and occurrences that have not ended and this adds ${add.meetings}; ` +
          `at most ${maxMeetingsPerUser} per user (CONVENE_MAX_MEETINGS_PER_USER)`,
      );
    }
  }

  private rule(fields: RecurrenceFields): RecurrenceRule {
    if (fields.recurrence_type === undefined || fields.recurrence_type === 'NONE') {
      fail('input.invalid', 'recurrence_type: must be one of "DAILY", "WEEKLY", "MONTHLY" for a recurring meeting');
    }
    return normaliseRecurrence(fields, this.policy.timeZone);
  }

  private async options(input: MeetingInput, base: MeetingOptions, user: User): Promise<MeetingOptions> {
    const options = applyOptions(input, base, user);
    if (input.invitees) {
      const found = await this.people.byIds(options.invitees);
      const unknown = options.invitees.find((id) => !found.has(id));
      if (unknown !== undefined) fail('input.invalid', `invited_users: no user ${unknown}`);
    }
    return options;
  }

  /**
   * The meeting room a create or update names ("" or absent: none), checked for the caller. Looked up before the
   * transaction opens: the rooms service reads through the shared handle, which on SQLite (one connection) would wait
   * forever for the open transaction to finish.
   */
  private async roomFor(caller: Caller, roomId: string | null | undefined): Promise<Room | undefined> {
    return roomId ? this.rooms.forMeeting(caller, roomId) : undefined;
  }

  /** The number and password of a new meeting or series: the room's (`room`, from roomFor), or a fresh number. */
  private async numberFor(tx: SchedulingStore, room: Room | undefined, input: MeetingInput, holderId: string, kind: 'reservation' | 'series') {
    if (input.roomId) {
      if (!room) throw new Error('numberFor: the room must be looked up before the transaction');
      return { meetingNumber: room.meetingNumber, password: room.password, roomId: room.id };
    }
    const meetingNumber = await tx.numbers.claim(kind, holderId);
    const password = input.password === undefined ? generatedPasscode(this.policy) : chosenPasscode(input.password, this.policy);
    return { meetingNumber, password, roomId: null };
  }

  /** Number and password after an update: a new room, leaving a room, or a new password. */
  private async renumber(
    tx: SchedulingStore,
    room: Room | undefined,
    current: { meetingNumber: string; password: string; roomId: string | null },
    input: MeetingInput,
    kind: 'reservation' | 'series',
    holderId: string,
  ) {
    const wanted = input.roomId === undefined ? current.roomId : input.roomId || null;
    if (wanted === current.roomId) {
      const password = current.roomId || input.password === undefined ? current.password : chosenPasscode(input.password, this.policy, current.password);
      return { meetingNumber: current.meetingNumber, password, roomId: current.roomId };
    }
    if (!current.roomId) await tx.numbers.release(current.meetingNumber, holderId);
    return this.numberFor(tx, room, { ...input, roomId: wanted ?? '' }, holderId, kind);
  }

  private newReservation(
    user: User,
    options: MeetingOptions,
    number: { meetingNumber: string; password: string; roomId: string | null },
    fields: Pick<Reservation, 'id' | 'type' | 'start' | 'end' | 'seriesId'>,
    ownerId: Reservation['ownerId'] = user.id,
    liveKey: string = newLiveKey(),
  ): Reservation {
    const now = this.clock.now();
    // Spelled out rather than `{ ...options, ...number, ...fields, … }`: an object spread followed by more than a dozen
    // further properties makes V8 (Node 20) build a slow dictionary-mode object, ~30 µs each, ~100 ms for a 10-year
    // daily series (bench/README.md). Same keys.
    return {
      name: options.name,
      description: options.description,
      callRate: options.callRate,
      muteUponEntry: options.muteUponEntry,
      guestDialIn: options.guestDialIn,
      watermark: options.watermark,
      watermarkType: options.watermarkType,
      timeToJoin: options.timeToJoin,
      generateLiveUrl: options.generateLiveUrl,
      livePasscode: options.livePasscode,
      invitees: options.invitees,
      lobby: options.lobby,
      meetingNumber: number.meetingNumber,
      password: number.password,
      roomId: number.roomId,
      id: fields.id,
      type: fields.type,
      start: fields.start,
      end: fields.end,
      seriesId: fields.seriesId,
      ownerId,
      infoKey: newLinkKey(),
      liveKey,
      createdAt: now,
      updatedAt: now,
    };
  }

  private async manageable(user: User, reservationId: string): Promise<Reservation> {
    const r = (await this.store.reservations.findById(reservationId)) ?? fail('notFound', `reservation_id: no meeting ${reservationId}`);
    demand(user, 'meeting.manage', r, 'reservation_id: only the owner or an administrator may change this meeting');
    return r;
  }

  private async seriesFor(id: string): Promise<Series> {
    const direct = await this.store.series.findById(id);
    if (direct) return direct;
    const occurrence = await this.store.reservations.findById(id);
    if (!occurrence) return fail('notFound', `id: no meeting or series ${id}`);
    if (!occurrence.seriesId) return fail('input.invalid', 'id: this meeting does not repeat; update it with POST /api/v1/meeting_schedule/{reservation_id}');
    return (await this.store.series.findById(occurrence.seriesId)) ?? fail('notFound', `id: no series ${occurrence.seriesId}`);
  }
}

type Room = Awaited<ReturnType<RoomAccess['forMeeting']>>;

export const signedIn = (caller: Caller): User => caller.user ?? fail('auth.required', 'token: is required; sign in first');

/** The fields a client actually set: 0 and "" are how some apps say "unset" (§4.1). */
const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== 0 && v !== '')) as Partial<T>;
