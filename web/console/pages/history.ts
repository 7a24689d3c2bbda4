/**
 * History (#/history, #/history/<meeting_number>): the sessions of a meeting number, newest first, with who joined and
 * left when and why (GET /api/v1/meeting/{n}/history: the owner, operators and administrators). The API has no list
 * of every session, so the page asks for a number and offers the caller's rooms and the meetings live now.
 */
import { listLiveMeetings, meetingHistory } from '../../../contract/rest/meeting-control.ts';
import { listOwnMeetingRooms } from '../../../contract/rest/meeting-room.ts';
import { h } from '../../shared/dom.ts';
import { lang, t } from '../i18n.ts';
import { go, href, type PageContext } from '../page.ts';
import { formatInstant } from '../time.ts';
import { field, heading, loadFailed, note } from '../ui.ts';

export async function historyPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  const number = ctx.params.number ?? '';
  ctx.title(number ? t('history.of', { number }) : t('history.title'));
  const input = h('input', { name: 'meeting_number', inputmode: 'numeric', pattern: '[0-9]+', maxlength: 32, required: true, value: number });
  const form = h('form', { class: 'row search', role: 'search' }, field(t('history.number'), input), h('button', { type: 'submit' }, t('history.show')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = input.value.replace(/\s+/g, '');
    if (/^[0-9]+$/.test(n)) go(`/history/${n}`);
  });
  const picks = h('ul', { class: 'picks', 'aria-label': t('history.suggestions') });
  const sessions = h('div', { class: 'sessions' });
  ctx.main.replaceChildren(heading(number ? t('history.of', { number }) : t('history.title')), form, picks, sessions);

  // Numbers to pick from: meetings live now and the caller's rooms.
  void Promise.all([
    session.rest.call(listLiveMeetings, { method: 'GET' }).catch(() => ({ meetings: [] })),
    session.rest.call(listOwnMeetingRooms, { method: 'GET' }).catch(() => ({ meeting_rooms: [] })),
  ]).then(([live, rooms]) => {
    if (ctx.signal.aborted) return;
    const seen = new Set<string>();
    const pick = (n: string, label: string) => {
      if (seen.has(n) || n === number) return;
      seen.add(n);
      picks.append(h('li', {}, h('a', { href: href(`/history/${n}`) }, `${label} (${n})`)));
    };
    for (const m of live.meetings) pick(m.meeting_number, m.meeting_name);
    for (const r of rooms.meeting_rooms) pick(r.meeting_number, r.meetingroom_name);
  });

  if (!number) return;
  try {
    const r = await session.rest.call(meetingHistory, { params: { meeting_number: number } });
    if (ctx.signal.aborted) return;
    if (r.sessions.length === 0) return void sessions.append(note(t('history.none')));
    for (const s of r.sessions) {
      sessions.append(
        h(
          'section',
          { class: 'panel session', 'data-session-id': s.session_id },
          h('h2', {}, `${s.meeting_name} — ${formatInstant(s.start_time, lang())}`),
          h('p', { class: 'note' }, s.end_time ? t('history.ended', { time: formatInstant(s.end_time, lang()), reason: s.end_reason }) : t('history.stillLive')),
          h(
            'div',
            { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('history.attendance') },
            h(
              'table',
              {},
              h('caption', { class: 'visually-hidden' }, t('history.attendance')),
              h('thead', {}, h('tr', {}, ...[t('history.name'), t('history.joined'), t('history.left'), t('history.reason')].map((c) => h('th', { scope: 'col' }, c)))),
              h(
                'tbody',
                {},
                ...s.attendance.map((a) =>
                  h('tr', {}, h('td', {}, a.name), h('td', {}, formatInstant(a.joined_time, lang())), h('td', {}, a.left_time ? formatInstant(a.left_time, lang()) : t('history.present')), h('td', {}, a.left_reason)),
                ),
              ),
            ),
          ),
        ),
      );
    }
  } catch (e) {
    loadFailed(sessions, e);
  }
}
