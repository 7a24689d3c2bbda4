/**
 * One meeting or occurrence (#/meeting/<reservation_id>): when, number, password, who is invited, the invitation to
 * copy, the link, the calendar file, joining in the browser, editing and deleting.
 */
import { removeFromMeetingList, renewMeetingLink } from '../../../contract/rest/meeting-links.ts';
import { deleteMeeting, getMeeting } from '../../../contract/rest/meeting-schedule.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import { addedByLink, describeRule, invitationText, isSeries, joinInBrowser, linkKey, mayManage, type MeetingDetail, whenText } from '../meetings.ts';
import { go, type PageContext } from '../page.ts';
import { act, button, confirmDialog, copyButton, facts, heading, linkButton, loadFailed, note } from '../ui.ts';
import { personName } from '../user-picker.ts';

export async function meetingDetailPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  let m: MeetingDetail;
  try {
    m = await session.rest.call(getMeeting, { params: { reservation_id: ctx.params.id! } });
  } catch (e) {
    ctx.title(t('meeting.title'));
    ctx.main.replaceChildren(heading(t('meeting.title')));
    loadFailed(ctx.main, e);
    return;
  }
  if (ctx.signal.aborted) return;
  ctx.title(m.meeting_name);
  const series = isSeries(m);
  const rule = series
    ? describeRule({ recurrenceType: m.recurrence_type, recurrenceInterval: m.recurrenceInterval, recurrenceDaysOfWeek: m.recurrenceDaysOfWeek, recurrenceDaysOfMonth: m.recurrenceDaysOfMonth })
    : '';
  const key = m.meetingInfoKey || linkKey(m.meeting_url);
  const invitation = invitationText(m);
  const actions = h('div', { class: 'row actions' });
  if (key) actions.append(linkButton(t('meetings.join'), joinInBrowser(key), { class: 'button primary', target: '_blank', rel: 'noopener' }));
  actions.append(copyButton(t('meetings.copyInvitation'), () => invitation), copyButton(t('meeting.copyLink'), () => m.meeting_url));
  if (m.calendar_url) actions.append(h('a', { class: 'button', href: new URL(m.calendar_url, location.origin).pathname, download: `${m.meeting_number}.ics` }, t('meeting.calendar')));

  const manage = h('div', { class: 'row actions' });
  if (mayManage(session, m)) {
    if (m.meeting_type !== 'instant') manage.append(linkButton(series ? t('meeting.editOccurrence') : t('common.edit'), `#/meeting/${encodeURIComponent(m.reservation_id)}/edit`));
    const renew = button(t('meeting.newLink'), async () => {
      if (!(await confirmDialog(t('meeting.confirmNewLink'), t('meeting.newLink'), false))) return;
      const renewed = await act(renew, () => session.rest.call(renewMeetingLink, { params: { reservation_id: m.reservation_id } }));
      if (renewed) go(`/meeting/${encodeURIComponent(renewed.reservation_id)}`, { renewed: Date.now() });
    });
    const del = button(series ? t('meeting.deleteOccurrence') : t('common.delete'), async () => {
      if (!(await confirmDialog(t('meeting.confirmDelete', { name: m.meeting_name }), t('common.delete')))) return;
      if (await act(del, () => session.rest.call(deleteMeeting, { params: { reservation_id: m.reservation_id } }).then(() => true))) {
        go(series ? `/series/${encodeURIComponent(m.recurrence_gid)}` : '/meetings', { deleted: 1 });
      }
    }, { class: 'danger' });
    manage.append(renew, del);
  } else if (addedByLink(session, m)) {
    const remove = button(t('meetings.removeFromList'), async () => {
      if (await act(remove, () => session.rest.call(removeFromMeetingList, { params: { key } }).then(() => true))) go('/meetings');
    });
    manage.append(remove);
  }

  const status = ctx.query.has('created') ? t('meeting.created') : ctx.query.has('saved') ? t('meeting.saved') : ctx.query.has('renewed') ? t('meeting.renewed') : '';
  ctx.main.replaceChildren(
    heading(m.meeting_name),
    status ? note(status, { role: 'status', class: 'note success' }) : '',
    series ? h('p', {}, h('a', { href: `#/series/${encodeURIComponent(m.recurrence_gid)}` }, t('meeting.partOfSeries', { rule }))) : '',
    facts([
      [t('meeting.when'), whenText(m.schedule_start_time, m.schedule_end_time, m.time_zone)],
      [t('meeting.number'), m.meeting_number],
      [t('meeting.password'), m.meeting_password || t('meeting.noPassword')],
      [t('meeting.organiser'), m.owner_name],
      [t('meeting.description'), m.meeting_description],
      [t('meeting.invited'), m.invited_users_details.map(personName).join(t('list.separator'))],
      [t('meeting.link'), h('a', { href: m.meeting_url, 'data-meeting-url': '' }, m.meeting_url)],
    ]),
    actions,
    h('h2', {}, t('meeting.invitation')),
    h('pre', { class: 'invitation', tabindex: '0', 'aria-label': t('meeting.invitation') }, invitation),
    manage,
  );
}
