import type { Caller } from '../accounts/caller.ts';
import type { PeopleLookup, Person } from '../accounts/people.ts';
import { isMeetingManager, type User } from '../accounts/user.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import type { Reservation, Series } from './meeting.ts';
import type { SchedulingStore } from './ports.ts';
import { signedIn } from './scheduling.service.ts';

/** A meeting as shown to someone: the reservation, its series if any, and the people it names. */
export interface MeetingView {
  reservation: Reservation;
  series?: Series;
  owner?: Person;
  invitees: Person[];
}

/**
 * One entry of the meeting list: a single meeting, or a series as its next occurrence plus the few after it
 * (`recurrenceReservationList`, §4.2), at most LIST_LATER_OCCURRENCES of them.
 */
export interface ListEntry {
  next: Reservation;
  later: Reservation[];
  series?: Series;
  owner?: Person;
}

export interface ListPaging {
  pageNum: number;
  pageSize: number;
  filter: string;
}

/** The largest page of the list and of a series' occurrences (the apps ask for 500, contract §2.3 S1). */
export const MAX_PAGE_SIZE = 500;

/**
 * Occurrences a list entry carries after its next one. The list used to carry every later occurrence (a 5000-day series
 * made each entry ~5 MB); the apps that show a whole series read it through GET …/recurrence/{id} (S8), paged: A pages
 * it by 50 and replaces the list's copy, W asks for 365, L for 100, I for 10 or 100 and shows S8's total_size (§4.3).
 * 10 is I's smallest S8 page, enough for the next weeks of a daily series. Only the macOS app counts "remaining
 * meetings" from this array (§4.2), so for a longer series it shows at most 11 there.
 */
export const LIST_LATER_OCCURRENCES = 10;

/** The read side of scheduling: detail, the caller's list, a series' occurrences, and link look-ups. */
export class ScheduleQueries {
  constructor(
    private readonly store: SchedulingStore,
    private readonly people: PeopleLookup,
    private readonly clock: Clock,
  ) {}

  async get(caller: Caller, reservationId: string): Promise<MeetingView> {
    const user = signedIn(caller);
    const reservation = (await this.store.reservations.findById(reservationId)) ?? fail('notFound', `reservation_id: no meeting ${reservationId}`);
    const series = reservation.seriesId ? await this.store.series.findById(reservation.seriesId) : undefined;
    await this.requireRead(user, reservation, series);
    return this.view(reservation, series);
  }

  /** The view of a meeting the caller may see (used after create and update, which already checked permission). */
  async view(reservation: Reservation, series?: Series): Promise<MeetingView> {
    const people = await this.people.byIds([reservation.ownerId, ...reservation.invitees]);
    const resolvedSeries = series ?? (reservation.seriesId ? await this.store.series.findById(reservation.seriesId) : undefined);
    return {
      reservation,
      ...(resolvedSeries ? { series: resolvedSeries } : {}),
      ...(people.has(reservation.ownerId) ? { owner: people.get(reservation.ownerId)! } : {}),
      invitees: reservation.invitees.flatMap((id) => people.get(id) ?? []),
    };
  }

  /** One page of the caller's list, paged and filtered in the database: the work is bounded by the page, not the data. */
  async list(caller: Caller, paging: ListPaging): Promise<{ entries: ListEntry[]; total: number; pageSize: number }> {
    const user = signedIn(caller);
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const { entries, total } = await this.store.reservations.listEntries(user.id, this.clock.now(), {
      filter: paging.filter,
      offset: (paging.pageNum - 1) * pageSize,
      limit: pageSize,
      later: LIST_LATER_OCCURRENCES,
    });
    const page: ListEntry[] = entries.map((e) => ({ next: e.next, later: e.later }));
    await this.decorate(page);
    return { entries: page, total, pageSize };
  }

  /** A series (by recurrence_gid or any occurrence's reservation_id) and one page of its occurrences that have not ended. */
  async occurrences(caller: Caller, id: string, paging: ListPaging) {
    const user = signedIn(caller);
    const series = (await this.store.series.findById(id)) ?? (await this.seriesOfOccurrence(id));
    const now = this.clock.now();
    const first = await this.store.reservations.firstOf(series.id, { endAfter: now });
    await this.requireRead(user, first ?? { id: '', seriesId: series.id, ownerId: series.ownerId, infoKey: '' }, series);
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const { occurrences, total } = await this.store.reservations.pageBySeries(series.id, now, (paging.pageNum - 1) * pageSize, pageSize);
    const owner = (await this.people.byIds([series.ownerId])).get(series.ownerId);
    return { series, occurrences, total, pageSize, ...(owner ? { owner } : {}) };
  }

  /**
   * What a link key opens: a meeting's own key gives that meeting; a series' group key gives its next occurrence (or
   * the last one when all have ended). No permission check: the key itself is the invitation.
   */
  async byKey(key: string): Promise<MeetingView | undefined> {
    const reservation = await this.store.reservations.findByInfoKey(key);
    if (reservation) return this.view(reservation);
    const series = await this.store.series.findByGroupKey(key);
    if (!series) return undefined;
    const next = (await this.store.reservations.firstOf(series.id, { endAfter: this.clock.now() })) ?? (await this.store.reservations.lastOf(series.id));
    return next && this.view(next, series);
  }

  private async seriesOfOccurrence(id: string): Promise<Series> {
    const occurrence = (await this.store.reservations.findById(id)) ?? fail('notFound', `id: no series ${id}`);
    if (!occurrence.seriesId) return fail('notFound', `id: meeting ${id} does not repeat`);
    return (await this.store.series.findById(occurrence.seriesId)) ?? fail('notFound', `id: no series ${occurrence.seriesId}`);
  }

  /** Owner, administrators and operators, invited people, and people who added the meeting by link may read it. */
  private async requireRead(user: User, r: Pick<Reservation, 'id' | 'seriesId' | 'ownerId' | 'infoKey'>, series?: Series): Promise<void> {
    if (r.ownerId === user.id || isMeetingManager(user)) return;
    if (await this.store.reservations.isInvited(user.id, r)) return;
    const keys = [r.infoKey, series?.groupKey].filter((k): k is string => !!k);
    if (await this.store.lists.has(user.id, keys)) return;
    fail('permission.denied', 'reservation_id: this meeting belongs to someone else; open its link to add it to your list');
  }

  private async decorate(entries: ListEntry[]): Promise<void> {
    const seriesIds = entries.flatMap((e) => (e.next.seriesId ? [e.next.seriesId] : []));
    const series = new Map((await this.store.series.findMany(seriesIds)).map((s) => [s.id, s]));
    const owners = await this.people.byIds(entries.map((e) => e.next.ownerId));
    for (const e of entries) {
      const s = e.next.seriesId ? series.get(e.next.seriesId) : undefined;
      if (s) e.series = s;
      const owner = owners.get(e.next.ownerId);
      if (owner) e.owner = owner;
    }
  }
}
