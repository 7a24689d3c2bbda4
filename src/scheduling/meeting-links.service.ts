import type { Caller } from '../accounts/caller.ts';
import { demand } from '../accounts/permissions.ts';
import type { Clock } from '../kernel/clock.ts';
import { fail } from '../kernel/domain-error.ts';
import { type CalendarContext, meetingCalendar, seriesCalendar } from './icalendar.ts';
import { type LinkBase, meetingUrl } from './links.ts';
import type { Reservation, Series } from './meeting.ts';
import type { SchedulingStore } from './ports.ts';
import type { MeetingView, ScheduleQueries } from './schedule-queries.ts';
import { signedIn } from './scheduling.service.ts';

/**
 * Where a meeting stands by its schedule: before its start, between start and end, after its end. Live state (is
 * anyone in it, was it ended early) comes with the media capability; until then this is all the server knows.
 */
export type MeetingStatus = 'NOT_STARTED' | 'STARTED' | 'ENDED';

export const meetingStatus = (r: Pick<Reservation, 'start' | 'end'>, now: number): MeetingStatus =>
  now < r.start ? 'NOT_STARTED' : now < r.end ? 'STARTED' : 'ENDED';

/** A resolved link: the meeting it opens and whether it was a series' group key (the times are the next occurrence's). */
export interface OpenedLink {
  view: MeetingView;
  viaGroupKey: boolean;
  status: MeetingStatus;
}

/** What a link key names: one meeting (or occurrence) by its own key, or a series by its group key. */
type Target = { reservation: Reservation; series?: undefined } | { reservation?: undefined; series: Series };

export interface LinkPolicy {
  maxOccurrences: number;
}

/**
 * Everything done with a meeting link key (client contract S10–S12): resolve it, add it to or remove it from one's
 * list, download the calendar. The key is the capability: resolving and the calendar need no sign-in.
 */
export class MeetingLinks {
  constructor(
    private readonly store: SchedulingStore,
    private readonly queries: ScheduleQueries,
    private readonly clock: Clock,
    private readonly policy: LinkPolicy,
  ) {}

  async open(key: string): Promise<OpenedLink> {
    const view = (await this.queries.byKey(key)) ?? unknownKey();
    return { view, viaGroupKey: view.series?.groupKey === key, status: meetingStatus(view.reservation, this.clock.now()) };
  }

  /** Adds the meeting or series to the caller's list, under the key as given (the list query matches both kinds). */
  async addToList(caller: Caller, key: string): Promise<void> {
    const user = signedIn(caller);
    (await this.target(key)) ?? unknownKey();
    await this.store.lists.add(user.id, key, this.clock.now());
  }

  /**
   * Undoes every addition that makes the meeting visible to the caller: the key given, the meeting's own key and, for
   * a series, its group key and every occurrence's key (the list shows a series as one entry, and the apps remove it
   * with whichever key the entry carries). A key no longer leading to a meeting can still be removed from the list.
   */
  async removeFromList(caller: Caller, key: string): Promise<void> {
    const user = signedIn(caller);
    const target = await this.target(key);
    if (!target) {
      if (!(await this.store.lists.has(user.id, [key]))) unknownKey();
      await this.store.lists.remove(user.id, [key]);
      return;
    }
    const keys = new Set([key]);
    const seriesId = target.series?.id ?? target.reservation?.seriesId;
    if (target.reservation) keys.add(target.reservation.infoKey);
    if (seriesId) {
      const series = target.series ?? (await this.store.series.findById(seriesId));
      if (series) keys.add(series.groupKey);
      for (const r of await this.store.reservations.listBySeries(seriesId)) keys.add(r.infoKey);
    }
    await this.store.lists.remove(user.id, [...keys]);
  }

  /**
   * New links for a meeting (`id` = its reservation_id) or a whole series (`id` = any occurrence's reservation_id or the
   * recurrence_gid: all occurrences share one number and password, and participants were given both kinds of link).
   * The password stays; the old links stop working. Returns the meeting, or the series' next occurrence, with its links.
   */
  async renew(caller: Caller, id: string): Promise<MeetingView> {
    const user = signedIn(caller);
    const series = await this.store.series.findById(id);
    const meeting = series ? undefined : ((await this.store.reservations.findById(id)) ?? fail('notFound', `reservation_id: no meeting ${id}`));
    demand(user, 'meeting.manage', series ?? meeting!, "reservation_id: only the owner or an administrator may replace this meeting's link");
    const seriesId = series?.id ?? meeting!.seriesId;
    await this.store.transaction((tx) => tx.linkKeys.renew(seriesId ? { seriesId } : { reservationId: id }));
    const gone = () => fail('notFound', `reservation_id: no meeting ${id}`);
    if (meeting) {
      const renewed = await this.store.reservations.findById(meeting.id);
      return renewed ? this.queries.view(renewed) : gone();
    }
    const renewed = await this.store.series.findById(id);
    return (renewed && (await this.queries.byKey(renewed.groupKey))) ?? gone();
  }

  /** The iCalendar file of the meeting (meeting key) or of the whole series (group key). */
  async calendar(key: string, links: LinkBase): Promise<{ filename: string; text: string }> {
    const target = (await this.target(key)) ?? unknownKey();
    const ctx: CalendarContext = {
      now: this.clock.now(),
      meetingUrl: (k) => meetingUrl(links, k),
      serverAddress: new URL(links.baseUrl()).host,
      maxOccurrences: this.policy.maxOccurrences,
    };
    if (target.reservation) {
      return { filename: `meeting-${target.reservation.meetingNumber}.ics`, text: meetingCalendar(target.reservation, ctx) };
    }
    const occurrences = await this.store.reservations.listBySeries(target.series.id);
    return { filename: `meeting-${target.series.meetingNumber}.ics`, text: seriesCalendar(target.series, occurrences, ctx) };
  }

  private async target(key: string): Promise<Target | undefined> {
    const reservation = await this.store.reservations.findByInfoKey(key);
    if (reservation) return { reservation };
    const series = await this.store.series.findByGroupKey(key);
    return series ? { series } : undefined;
  }
}

/**
 * One answer for keys that never existed and keys that were replaced: a link stops working when the meeting is deleted,
 * its password changes or its owner asks for a new link, and only the organiser can hand out the current one.
 */
export const UNKNOWN_KEY_MESSAGE =
  'key: this meeting link does not work (any more): the meeting was deleted, or the organiser replaced its link, e.g. by ' +
  'changing the password; ask the organiser for the current link';

const unknownKey = (): never => fail('notFound', UNKNOWN_KEY_MESSAGE);
