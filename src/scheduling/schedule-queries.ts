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

/** One entry of the meeting list: a single meeting, or a series as its next occurrence plus the later ones (§4.2). */
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

export const MAX_PAGE_SIZE = 500;

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

  async list(caller: Caller, paging: ListPaging): Promise<{ entries: ListEntry[]; total: number; pageSize: number }> {
    const user = signedIn(caller);
    const rows = await this.store.reservations.listVisibleTo(user.id, this.clock.now());
    const filter = paging.filter.toLowerCase();
    const matching = filter === '' ? rows : rows.filter((r) => r.name.toLowerCase().includes(filter) || r.meetingNumber.includes(filter));
    const entries: ListEntry[] = [];
    const bySeries = new Map<string, ListEntry>();
    for (const r of matching) {
      const entry = r.seriesId ? bySeries.get(r.seriesId) : undefined;
      if (entry) {
        entry.later.push(r);
        continue;
      }
      const fresh: ListEntry = { next: r, later: [] };
      entries.push(fresh);
      if (r.seriesId) bySeries.set(r.seriesId, fresh);
    }
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = entries.slice((paging.pageNum - 1) * pageSize, paging.pageNum * pageSize);
    await this.decorate(page);
    return { entries: page, total: entries.length, pageSize };
  }

  /** A series (by recurrence_gid or any occurrence's reservation_id) and its occurrences that have not ended. */
  async occurrences(caller: Caller, id: string, paging: ListPaging) {
    const user = signedIn(caller);
    const series = (await this.store.series.findById(id)) ?? (await this.seriesOfOccurrence(id));
    const all = await this.store.reservations.listBySeries(series.id, { notEndedAt: this.clock.now() });
    const anyOccurrence = all[0] ?? { id: '', seriesId: series.id, ownerId: series.ownerId, infoKey: '' };
    await this.requireRead(user, anyOccurrence, series);
    const pageSize = Math.min(paging.pageSize, MAX_PAGE_SIZE);
    const page = all.slice((paging.pageNum - 1) * pageSize, paging.pageNum * pageSize);
    const owner = (await this.people.byIds([series.ownerId])).get(series.ownerId);
    return { series, occurrences: page, total: all.length, pageSize, ...(owner ? { owner } : {}) };
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
    const all = await this.store.reservations.listBySeries(series.id);
    const now = this.clock.now();
    const next = all.find((r) => r.end > now) ?? all[all.length - 1];
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
