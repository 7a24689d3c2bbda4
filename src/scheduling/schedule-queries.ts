import type { Caller } from '../accounts/caller.ts';
import type { PeopleLookup, Person } from '../accounts/people.ts';
import { may } from '../accounts/permissions.ts';
import type { User } from '../accounts/user.ts';
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

/** One page of someone's list as ScheduleQueries.list answers it; the same object while it is cached (do not change it). */
export interface ListPage {
  entries: ListEntry[];
  total: number;
  pageSize: number;
}

/**
 * The pages of the list are cached: apps fetch the whole list again after every change and on every return to the
 * home screen. A page is served from the cache until this process writes any scheduling data (the store's ChangeLog),
 * until the first of its entries ends (the list then changes by itself), and at most this long — what another
 * process's write (the CLI's room commands, a second server on the same PostgreSQL) or a renamed or deleted account
 * may take to show.
 */
export const LIST_CACHE_MS = 10_000;
const LIST_CACHE_PAGES = 1000;

interface CachedPage {
  version: number;
  until: number;
  page: ListPage;
}

/** The read side of scheduling: detail, the caller's list, a series' occurrences, and link look-ups. */
export class ScheduleQueries {
  private readonly cached = new Map<string, CachedPage>();

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
  async list(caller: Caller, paging: ListPaging): Promise<ListPage> {
    const user = signedIn(caller);
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const now = this.clock.now();
    const key = `${user.id}\u0000${paging.pageNum}\u0000${pageSize}\u0000${paging.filter}`;
    // Read before the query: a write during it moves the version, and what the query read is not served again.
    const version = this.store.changes.version;
    const hit = this.cached.get(key);
    if (hit && hit.version === version && now < hit.until) return hit.page;
    const { entries, total, validUntil } = await this.store.reservations.listEntries(user.id, now, {
      filter: paging.filter,
      offset: (paging.pageNum - 1) * pageSize,
      limit: pageSize,
      later: LIST_LATER_OCCURRENCES,
    });
    const page: ListPage = { entries: entries.map((e) => ({ next: e.next, later: e.later })), total, pageSize };
    await this.decorate(page.entries);
    this.cached.delete(key);
    if (this.cached.size >= LIST_CACHE_PAGES) this.cached.delete(this.cached.keys().next().value!);
    this.cached.set(key, { version, until: Math.min(validUntil, now + LIST_CACHE_MS), page });
    return page;
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
    if (may(user, 'meeting.read', r)) return;
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
