/** My rooms (#/rooms): the meeting rooms one owns; schedule a meeting in one, or start its meeting in the browser. */
import { listOwnMeetingRooms } from '../../../contract/rest/meeting-room.ts';
import { h } from '../../shared/dom.ts';
import { t } from '../i18n.ts';
import { href, type PageContext } from '../page.ts';
import { copyButton, heading, linkButton, loadFailed, note } from '../ui.ts';

/** The meeting app opened on a meeting number (rooms have no link key; the owner signs in there to host). */
export const startInBrowser = (meetingNumber: string): string => `/app/#number=${encodeURIComponent(meetingNumber)}`;

export async function roomsPage(ctx: PageContext): Promise<void> {
  ctx.title(t('rooms.title'));
  const list = h('ul', { class: 'cards', 'aria-label': t('rooms.title') });
  ctx.main.replaceChildren(heading(t('rooms.title')), note(t('rooms.intro')), list);
  try {
    const r = await ctx.session.rest.call(listOwnMeetingRooms, { method: 'GET', query: { page_size: 500 } });
    if (ctx.signal.aborted) return;
    list.replaceChildren(
      ...r.meeting_rooms.map((room) =>
        h(
          'li',
          { class: 'card-item', 'data-room-id': room.meeting_room_id },
          h('h2', {}, room.meetingroom_name),
          h('p', { class: 'note' }, t('meetings.number', { number: room.meeting_number }), ' · ', room.meeting_password ? t('rooms.password', { password: room.meeting_password }) : t('meeting.noPassword')),
          h(
            'div',
            { class: 'row actions' },
            linkButton(t('rooms.start'), startInBrowser(room.meeting_number), { class: 'button primary', target: '_blank', rel: 'noopener' }),
            linkButton(t('rooms.schedule'), href('/meetings/new', { type: 'reservation', room: room.meeting_room_id })),
            copyButton(t('rooms.copy'), () =>
              [room.meetingroom_name, `${t('invite.number')}: ${room.meeting_number}`, room.meeting_password ? `${t('invite.password')}: ${room.meeting_password}` : ''].filter(Boolean).join('\n'),
            ),
          ),
        ),
      ),
    );
    if (r.meeting_rooms.length === 0) list.append(h('li', { class: 'empty' }, note(t('rooms.none'))));
  } catch (e) {
    loadFailed(list, e);
  }
}
