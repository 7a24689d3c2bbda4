import type { FastifyInstance } from 'fastify';
import * as ops from '../../contract/rest/meeting-schedule.ts';
import { DOCUMENTED_ITEM_FIELDS } from '../../contract/rest/meeting-schedule.ts';
import { type Authenticate, JsonText, registerOperation } from '../http/route.ts';
import type { LinkBase } from './links.ts';
import { listItem, meetingDetail, meetingFields, meetingInput, seriesFields } from './meeting-wire.ts';
import type { ListPage, ScheduleQueries } from './schedule-queries.ts';
import type { SchedulingService } from './scheduling.service.ts';

/**
 * A page of meetings under both names: `meeting_schedules` with every field, which every app reads, and
 * `scheduled_meetings`, the API document's name, with only the fields the document shows (client contract §2.3 S1;
 * third-party callers follow the document). Sending the whole items twice doubled every list answer; the document's
 * twelve fields are about a third of an item and carry no recurrenceReservationList. Serialised here with
 * JSON.stringify (meeting-wire.ts builds exactly the schema's fields and JSON types), into one text.
 */
function meetingPage(items: readonly Record<string, unknown>[], rest: Record<string, unknown>): JsonText {
  const documented = items.map((item) => Object.fromEntries(DOCUMENTED_ITEM_FIELDS.map((k) => [k, item[k]])));
  const tail = JSON.stringify(rest);
  return new JsonText(
    `{"meeting_schedules":${JSON.stringify(items)},"scheduled_meetings":${JSON.stringify(documented)}${tail === '{}' ? '}' : `,${tail.slice(1)}`}`,
  );
}

const paging = (q: { page_num?: number; page_size?: number; filter?: string }) => ({
  pageNum: q.page_num ?? 1,
  pageSize: q.page_size ?? 500,
  filter: q.filter?.trim() ?? '',
});

export function schedulingRoutes(
  app: FastifyInstance,
  service: SchedulingService,
  queries: ScheduleQueries,
  links: LinkBase,
  authenticate: Authenticate,
  /** Told the meeting number of every edited meeting, so a live session can follow its new name and times. */
  onChanged: (meetingNumber: string) => void = () => {},
): void {
  const changed = <T extends { meetingNumber: string }>(r: T): T => {
    onChanged(r.meetingNumber);
    return r;
  };
  registerOperation(app, ops.createMeeting, authenticate, async ({ caller, body }) =>
    meetingDetail(await queries.view(await service.create(caller, meetingInput(body))), links),
  );
  registerOperation(app, ops.createSeries, authenticate, async ({ caller, body }) =>
    meetingDetail(await queries.view(await service.create(caller, meetingInput(body), true)), links),
  );
  registerOperation(app, ops.getMeeting, authenticate, async ({ caller, params }) =>
    meetingDetail(await queries.get(caller, params.reservation_id), links),
  );
  registerOperation(app, ops.updateMeeting, authenticate, async ({ caller, params, body }) =>
    meetingDetail(await queries.view(changed(await service.update(caller, params.reservation_id, meetingInput(body)))), links),
  );
  registerOperation(app, ops.updateSeries, authenticate, async ({ caller, params, body }) =>
    meetingDetail(await queries.view(changed(await service.updateSeries(caller, params.id, meetingInput(body)))), links),
  );
  registerOperation(app, ops.deleteMeeting, authenticate, async ({ caller, params, query, body }) => {
    await service.delete(caller, params.reservation_id, query.deleteGroup === true || body?.deleteGroup === true);
    return {};
  });
  // A page served again from ScheduleQueries' cache is the same object: its text is made once.
  const listTexts = new WeakMap<ListPage, JsonText>();
  registerOperation(app, ops.listMeetings, authenticate, async ({ caller, query }) => {
    const page = await queries.list(caller, paging(query));
    let text = listTexts.get(page);
    if (!text) {
      text = meetingPage(page.entries.map((e) => listItem(e, links)), { total_page_num: Math.ceil(page.total / page.pageSize), total_size: page.total });
      listTexts.set(page, text);
    }
    return text;
  });
  registerOperation(app, ops.listOccurrences, authenticate, async ({ caller, params, query }) => {
    const { series, occurrences, total, pageSize, owner } = await queries.occurrences(caller, params.id, paging(query));
    const s = seriesFields(series, links);
    return meetingPage(occurrences.map((r) => meetingFields(r, series, owner, links)), {
      total_page_num: Math.ceil(total / pageSize),
      total_size: total,
      recurrenceType: s.recurrence_type,
      recurrenceInterval: s.recurrenceInterval,
      recurrenceStartTime: s.recurrenceStartTime,
      recurrenceEndTime: s.recurrenceEndTime,
      recurrenceStartDay: s.recurrenceStartDay,
      recurrenceEndDay: s.recurrenceEndDay,
      recurrenceDaysOfWeek: s.recurrenceDaysOfWeek,
      recurrenceDaysOfMonth: s.recurrenceDaysOfMonth,
      groupMeetingUrl: s.groupMeetingUrl,
      groupInfoKey: s.groupInfoKey,
      recurrence_gid: s.recurrence_gid,
      time_zone: s.time_zone,
    });
  });
}
