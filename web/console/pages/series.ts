/**
 * A recurring series (#/series/<id>?page=): its rule, number and group link, and its occurrences that have not ended,
 * page by page from GET /api/v1/meeting_schedule/recurrence/{id}; each occurrence can be edited or deleted on its own,
 * the series edited or deleted as a whole.
 */
import { deleteMeeting, listOccurrences } from '../../../contract/rest/meeting-schedule.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import { calendarHref, describeRule, invitationText, joinInBrowser, linkKey, mayManage, type Occurrence, type OccurrencePage, whenText } from '../meetings.ts';
import { go, href, type PageContext } from '../page.ts';
import type { Session } from '../session.ts';
import { act, button, confirmDialog, copyButton, facts, heading, linkButton, loadFailed, note, pager } from '../ui.ts';

const PAGE_SIZE = 10;

export async function seriesPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  const id = ctx.params.id!;
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  let r: OccurrencePage;
  try {
    r = await session.rest.call(listOccurrences, { params: { id }, query: { page_num: page, page_size: PAGE_SIZE } });
  } catch (e) {
    ctx.title(t('series.title'));
    ctx.main.replaceChildren(heading(t('series.title')));
    loadFailed(ctx.main, e);
    return;
  }
  if (ctx.signal.aborted) return;
  const first = r.meeting_schedules[0];
  const name = first?.meeting_name ?? t('series.title');
  ctx.title(name);
  const rule = describeRule(r);
  const groupKey = r.groupInfoKey || linkKey(r.groupMeetingUrl);

  const actions = h('div', { class: 'row actions' });
  if (groupKey) actions.append(linkButton(t('series.joinNext'), joinInBrowser(groupKey), { class: 'button primary', target: '_blank', rel: 'noopener' }));
  if (first) actions.append(copyButton(t('meetings.copyInvitation'), () => invitationText({ ...first, groupMeetingUrl: r.groupMeetingUrl, time_zone: r.time_zone }, rule)));
  actions.append(copyButton(t('series.copyLink'), () => r.groupMeetingUrl));
  if (groupKey) actions.append(h('a', { class: 'button', href: calendarHref(groupKey), download: 'series.ics' }, t('series.calendar')));
  const manage = h('div', { class: 'row actions' });
  if (first && mayManage(session, first)) {
    const del = button(t('series.deleteAll'), async () => {
      if (!(await confirmDialog(t('series.confirmDeleteAll', { name }), t('common.delete')))) return;
      const done = await act(del, () => session.rest.call(deleteMeeting, { params: { reservation_id: first.reservation_id }, query: { deleteGroup: true } }));
      if (done) go('/meetings', { deleted: 1 });
    }, { class: 'danger' });
    manage.append(linkButton(t('series.edit'), `#/series/${encodeURIComponent(r.recurrence_gid)}/edit`), del);
  }

  const list = h('ul', { class: 'cards occurrences', 'aria-label': t('series.occurrences') }, ...r.meeting_schedules.map((o) => occurrenceItem(session, o, name, r.time_zone, () => void seriesPage(ctx))));
  if (r.meeting_schedules.length === 0) list.append(h('li', { class: 'empty' }, note(t('series.noOccurrences'))));
  const status = ctx.query.has('created') ? t('series.created') : ctx.query.has('saved') ? t('meeting.saved') : '';
  ctx.main.replaceChildren(
    heading(name),
    status ? note(status, { role: 'status', class: 'note success' }) : '',
    facts([
      [t('series.rule'), rule],
      [t('series.zone'), r.time_zone],
      [t('meeting.number'), first?.meeting_number],
      [t('meeting.password'), first ? first.meeting_password || t('meeting.noPassword') : undefined],
      [t('meeting.organiser'), first?.owner_name],
      [t('series.link'), r.groupMeetingUrl ? h('a', { href: r.groupMeetingUrl }, r.groupMeetingUrl) : undefined],
    ]),
    actions,
    manage,
    h('h2', {}, t('series.occurrencesCount', { count: r.total_size })),
    list,
    pager(page, r.total_page_num, (p) => go(`/series/${encodeURIComponent(id)}`, { page: p })) ?? '',
  );
}

function occurrenceItem(session: Session, o: Occurrence, seriesName: string, zone: string, changed: () => void): HTMLLIElement {
  const actions = h(
    'div',
    { class: 'row actions' },
    linkButton(t('series.details'), href(`/meeting/${encodeURIComponent(o.reservation_id)}`), { 'aria-label': t('series.detailsOf', { when: whenText(o.schedule_start_time, o.schedule_end_time) }) }),
  );
  if (mayManage(session, o)) {
    actions.append(linkButton(t('common.edit'), `#/meeting/${encodeURIComponent(o.reservation_id)}/edit`, { 'aria-label': t('series.editOne', { when: whenText(o.schedule_start_time, o.schedule_end_time) }) }));
    const del = button(t('common.delete'), async () => {
      if (!(await confirmDialog(t('series.confirmDeleteOne', { when: whenText(o.schedule_start_time, o.schedule_end_time) }), t('common.delete')))) return;
      if (await act(del, () => session.rest.call(deleteMeeting, { params: { reservation_id: o.reservation_id } }))) changed();
    }, { class: 'danger', 'aria-label': t('series.deleteOne', { when: whenText(o.schedule_start_time, o.schedule_end_time) }) });
    actions.append(del);
  }
  return h(
    'li',
    { class: 'card-item', 'data-reservation-id': o.reservation_id, 'data-start': String(o.schedule_start_time) },
    h('p', { class: 'when' }, whenText(o.schedule_start_time, o.schedule_end_time, zone)),
    o.meeting_name !== seriesName ? h('p', { class: 'note' }, o.meeting_name) : '',
    actions,
  );
}
