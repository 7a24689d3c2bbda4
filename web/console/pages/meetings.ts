/**
 * My meetings (#/meetings?q=&page=): the meetings and series one owns, is invited to or added by link that have not
 * ended, one entry per series with its next occurrences (read page by page from GET /api/v1/meeting_schedule/
 * recurrence/{id}, not from the list entry); search, paging, new meetings, adding a meeting by its link.
 */
import { addToMeetingList, removeFromMeetingList } from '../../../contract/rest/meeting-links.ts';
import { deleteMeeting, listMeetings, listOccurrences } from '../../../contract/rest/meeting-schedule.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import {
  addedByLink,
  describeRule,
  invitationText,
  isSeries,
  joinInBrowser,
  linkKey,
  mayManage,
  type MeetingListItem,
  whenText,
} from '../meetings.ts';
import { go, href, type PageContext } from '../page.ts';
import type { Session } from '../session.ts';
import { act, button, clearErrors, confirmDialog, copyButton, field, heading, linkButton, loadFailed, note, pager, placeError, submitForm } from '../ui.ts';

const PAGE_SIZE = 20;
/** Occurrences shown when a series is opened in the list; the series page pages through all of them. */
const NEXT_OCCURRENCES = 5;

export async function meetingsPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  const q = ctx.query.get('q') ?? '';
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  ctx.title(t('meetings.title'));

  const search = h('input', { type: 'search', name: 'filter', value: q, maxlength: 128 });
  const searchForm = h('form', { class: 'row search', role: 'search' }, field(t('meetings.search'), search), h('button', { type: 'submit' }, t('common.search')));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    go('/meetings', { q: search.value.trim() });
  });

  const list = h('ul', { class: 'cards', 'aria-label': t('meetings.title'), 'aria-busy': 'true' });
  const paging = h('div');
  ctx.main.replaceChildren(
    heading(t('meetings.title')),
    ctx.query.has('deleted') ? note(t('meetings.deleted'), { role: 'status', class: 'note success' }) : '',
    h(
      'div',
      { class: 'row toolbar' },
      linkButton(t('meetings.newInstant'), href('/meetings/new', { type: 'instant' }), { class: 'button primary' }),
      linkButton(t('meetings.newReservation'), href('/meetings/new', { type: 'reservation' })),
      linkButton(t('meetings.newSeries'), href('/meetings/new', { type: 'recurrence' })),
    ),
    addByLinkForm(session, () => void load()),
    searchForm,
    list,
    paging,
  );

  const load = async () => {
    list.setAttribute('aria-busy', 'true');
    try {
      const r = await session.rest.call(listMeetings, { query: { page_num: page, page_size: PAGE_SIZE, ...(q ? { filter: q } : {}) } });
      if (ctx.signal.aborted) return;
      list.replaceChildren(...r.meeting_schedules.map((m) => meetingCard(session, m, () => void load())));
      if (r.meeting_schedules.length === 0) list.append(h('li', { class: 'empty' }, note(q ? t('meetings.noMatch') : t('meetings.none'))));
      paging.replaceChildren(pager(page, r.total_page_num, (p) => go('/meetings', { q, page: p })) ?? '');
    } catch (e) {
      loadFailed(list, e);
    } finally {
      list.removeAttribute('aria-busy');
    }
  };
  await load();
}

function addByLinkForm(session: Session, added: () => void): HTMLFormElement {
  const link = h('input', { name: 'key', required: true, maxlength: 512, autocomplete: 'off', placeholder: 'https://…/j/…' });
  const form = h(
    'form',
    { class: 'row add-link', novalidate: true },
    field(t('meetings.addByLink'), link, { hint: t('meetings.addByLinkHint') }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('meetings.add'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearErrors(form);
    const key = linkKey(link.value.trim()) || link.value.trim();
    if (!key) return placeError(form, 'key', t('form.required'));
    void submitForm(form, async () => {
      await session.rest.call(addToMeetingList, { params: { key } });
      link.value = '';
      added();
    });
  });
  return form;
}

function meetingCard(session: Session, m: MeetingListItem, changed: () => void): HTMLLIElement {
  const series = isSeries(m);
  const detailHref = series ? `#/series/${encodeURIComponent(m.recurrence_gid)}` : `#/meeting/${encodeURIComponent(m.reservation_id)}`;
  const rule = series
    ? describeRule({ recurrenceType: m.recurrence_type, recurrenceInterval: m.recurrenceInterval, recurrenceDaysOfWeek: m.recurrenceDaysOfWeek, recurrenceDaysOfMonth: m.recurrenceDaysOfMonth })
    : '';
  const me = session.profile?.user_id;
  const actions = h('div', { class: 'row actions' });
  const card = h(
    'li',
    { class: 'card-item', 'data-reservation-id': m.reservation_id, 'data-series': String(series), 'data-name': m.meeting_name },
    h('h2', {}, h('a', { href: detailHref }, m.meeting_name)),
    h('p', { class: 'when' }, series ? t('meetings.next', { when: whenText(m.schedule_start_time, m.schedule_end_time, m.time_zone) }) : whenText(m.schedule_start_time, m.schedule_end_time)),
    series ? h('p', { class: 'rule' }, rule) : null,
    h(
      'p',
      { class: 'note' },
      t('meetings.number', { number: m.meeting_number }),
      m.owner_id !== me ? ` · ${t('meetings.organiser', { name: m.owner_name })}` : '',
      m.meeting_type === 'instant' ? ` · ${t('meetings.instant')}` : '',
      m.meeting_room_id ? ` · ${t('meetings.inRoom')}` : '',
    ),
    actions,
  );
  const key = m.meetingInfoKey || linkKey(m.meeting_url);
  if (key) actions.append(linkButton(t('meetings.join'), joinInBrowser(key), { target: '_blank', rel: 'noopener' }));
  actions.append(copyButton(t('meetings.copyInvitation'), () => invitationText(m, rule || undefined)));
  if (series) {
    const occurrences = h('ul', { class: 'occurrences', hidden: true, 'aria-label': t('series.occurrences') });
    const toggle = button(t('meetings.showNext'), () => void showNext(), { 'aria-expanded': 'false' });
    const showNext = async () => {
      const open = toggle.getAttribute('aria-expanded') !== 'true';
      toggle.setAttribute('aria-expanded', String(open));
      occurrences.hidden = !open;
      if (!open || occurrences.childElementCount > 0) return;
      await act(toggle, async () => {
        const r = await session.rest.call(listOccurrences, { params: { id: m.recurrence_gid }, query: { page_num: 1, page_size: NEXT_OCCURRENCES } });
        occurrences.replaceChildren(
          ...r.meeting_schedules.map((o) => h('li', { 'data-reservation-id': o.reservation_id }, whenText(o.schedule_start_time, o.schedule_end_time, r.time_zone))),
          h('li', {}, h('a', { href: detailHref }, t('meetings.allOccurrences', { count: r.total_size }))),
        );
      });
    };
    actions.append(toggle);
    card.insertBefore(occurrences, actions.nextSibling);
  }
  if (mayManage(session, m)) {
    // Instant meetings cannot be changed (the API answers 0x10000007), only deleted.
    if (m.meeting_type !== 'instant') {
      actions.append(linkButton(t('common.edit'), series ? `#/series/${encodeURIComponent(m.recurrence_gid)}/edit` : `#/meeting/${encodeURIComponent(m.reservation_id)}/edit`));
    }
    const del = button(series ? t('series.deleteAll') : t('common.delete'), async () => {
      if (!(await confirmDialog(series ? t('series.confirmDeleteAll', { name: m.meeting_name }) : t('meeting.confirmDelete', { name: m.meeting_name }), t('common.delete')))) return;
      const ok = await act(del, () => session.rest.call(deleteMeeting, { params: { reservation_id: m.reservation_id }, ...(series ? { query: { deleteGroup: true } } : {}) }));
      if (ok) changed();
    }, { class: 'danger' });
    actions.append(del);
  } else if (addedByLink(session, m)) {
    const remove = button(t('meetings.removeFromList'), async () => {
      const ok = await act(remove, () => session.rest.call(removeFromMeetingList, { params: { key: series && m.groupInfoKey ? m.groupInfoKey : key } }));
      if (ok) changed();
    });
    actions.append(remove);
  }
  return card;
}
