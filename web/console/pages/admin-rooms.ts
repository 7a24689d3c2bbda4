/**
 * Meeting rooms, for SystemAdmin (#/admin/rooms, #/admin/rooms/new, #/admin/rooms/<meeting_room_id>): every room,
 * search and paging; create one for an owner; rename, give to another owner, change or remove the password; delete
 * (refused by the API while meetings that have not ended use the room).
 */
import type { Static } from 'typebox';
import { createMeetingRoom, deleteMeetingRoom, getMeetingRoom, listMeetingRooms, type MeetingRoomView, updateMeetingRoom } from '../../../contract/rest/meeting-room.ts';
import { h } from '../../shared/dom.ts';
import { lang, t } from '../i18n.ts';
import { go, type PageContext } from '../page.ts';
import { formatInstant } from '../time.ts';
import { act, button, confirmDialog, facts, field, heading, linkButton, loadFailed, note, pager, placeError, submitForm } from '../ui.ts';
import { UserPicker } from '../user-picker.ts';

type Room = Static<typeof MeetingRoomView>;
const PAGE_SIZE = 25;

export async function adminRoomsPage(ctx: PageContext): Promise<void> {
  const q = ctx.query.get('q') ?? '';
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  ctx.title(t('adminRooms.title'));
  const search = h('input', { type: 'search', name: 'filter', value: q, maxlength: 128 });
  const searchForm = h('form', { class: 'row search', role: 'search' }, field(t('adminRooms.search'), search), h('button', { type: 'submit' }, t('common.search')));
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    go('/admin/rooms', { q: search.value.trim() });
  });
  const list = h('ul', { class: 'cards', 'aria-label': t('adminRooms.title') });
  const paging = h('div');
  ctx.main.replaceChildren(heading(t('adminRooms.title')), h('div', { class: 'row toolbar' }, linkButton(t('adminRooms.new'), '#/admin/rooms/new', { class: 'button primary' })), searchForm, list, paging);
  try {
    const r = await ctx.session.rest.call(listMeetingRooms, { query: { page_num: page, page_size: PAGE_SIZE, ...(q ? { filter: q } : {}) } });
    if (ctx.signal.aborted) return;
    list.replaceChildren(
      ...r.meeting_rooms.map((room) =>
        h(
          'li',
          { class: 'card-item', 'data-room-id': room.meeting_room_id, 'data-name': room.meetingroom_name },
          h('h2', {}, h('a', { href: `#/admin/rooms/${encodeURIComponent(room.meeting_room_id)}` }, room.meetingroom_name)),
          h('p', { class: 'note' }, t('meetings.number', { number: room.meeting_number }), ' · ', t('adminRooms.ownedBy', { name: room.owner_name })),
        ),
      ),
    );
    if (r.meeting_rooms.length === 0) list.append(h('li', { class: 'empty' }, note(t('adminRooms.none'))));
    paging.replaceChildren(pager(page, r.total_page_num, (p) => go('/admin/rooms', { q, page: p })) ?? '');
  } catch (e) {
    loadFailed(list, e);
  }
}

/** Name, owner and password fields; for an existing room the password may be kept. */
function roomFields(ctx: PageContext, room?: Room) {
  const name = h('input', { name: 'meetingroom_name', required: true, maxlength: 128, value: room?.meetingroom_name ?? '', autocomplete: 'off' });
  const owner = new UserPicker(ctx.session, {
    label: t('adminRooms.owner'),
    apiField: 'owner_id',
    single: true,
    initial: room ? [{ user_id: room.owner_id, username: room.owner_name, real_name: '' }] : [],
  });
  const mode = h(
    'select',
    { name: 'password_mode' },
    ...(room ? [['keep', room.meeting_password ? t('form.password.keep', { password: room.meeting_password }) : t('form.password.keepNone')]] : [['generate', t('form.password.generate')]])
      .concat([
        ['set', t('form.password.set')],
        ['none', t('form.password.none')],
      ])
      .map(([v, label]) => h('option', { value: v! }, label!)),
  );
  const password = h('input', { name: 'meeting_password', inputmode: 'numeric', pattern: '[0-9]*', maxlength: 16, autocomplete: 'off' });
  const passwordField = field(t('form.password'), password, { hint: t('form.password.hint') });
  const draw = () => (passwordField.hidden = mode.value !== 'set');
  mode.addEventListener('change', draw);
  draw();
  const elements = h('div', {}, field(t('adminRooms.name'), name), owner.element, h('div', { class: 'grid2' }, field(t('form.passwordChoice'), mode), passwordField));
  /** The body, or undefined after showing what is missing. */
  const values = (form: HTMLFormElement): Record<string, string> | undefined => {
    const body: Record<string, string> = { meetingroom_name: name.value.trim() };
    if (body.meetingroom_name === '') return void placeError(form, 'meetingroom_name', t('form.required'));
    const ownerId = owner.ids[0];
    if (!ownerId) return void placeError(form, 'owner_id', t('adminRooms.chooseOwner'));
    body.owner_id = ownerId;
    if (mode.value === 'none') body.meeting_password = '';
    if (mode.value === 'set') {
      if (!/^[0-9]+$/.test(password.value)) return void placeError(form, 'meeting_password', t('form.passwordDigits'));
      body.meeting_password = password.value;
    }
    return body;
  };
  return { elements, values };
}

export function newRoomPage(ctx: PageContext): void {
  ctx.title(t('adminRooms.new'));
  const fields = roomFields(ctx);
  const form = h(
    'form',
    { class: 'panel', novalidate: true },
    fields.elements,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('adminRooms.create')), h('a', { class: 'button', href: '#/admin/rooms' }, t('common.cancel'))),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const body = fields.values(form);
    if (!body) return;
    void submitForm(form, async () => {
      const room = await ctx.session.rest.call(createMeetingRoom, { body: body as never });
      go(`/admin/rooms/${encodeURIComponent(room.meeting_room_id)}`, { created: 1 });
    });
  });
  ctx.main.replaceChildren(heading(t('adminRooms.new')), form);
}

export async function editRoomPage(ctx: PageContext): Promise<void> {
  const id = ctx.params.id!;
  let room: Room;
  try {
    room = await ctx.session.rest.call(getMeetingRoom, { params: { meeting_room_id: id } });
  } catch (e) {
    ctx.title(t('adminRooms.title'));
    ctx.main.replaceChildren(heading(t('adminRooms.title')));
    loadFailed(ctx.main, e);
    return;
  }
  if (ctx.signal.aborted) return;
  ctx.title(room.meetingroom_name);
  const fields = roomFields(ctx, room);
  const saved = note('', { role: 'status' });
  const form = h(
    'form',
    { class: 'panel', novalidate: true },
    fields.elements,
    h('div', { class: 'row actions' }, h('button', { type: 'submit', class: 'primary' }, t('form.save'))),
    saved,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    saved.textContent = '';
    const body = fields.values(form);
    if (!body) return;
    void submitForm(form, async () => {
      await ctx.session.rest.call(updateMeetingRoom, { params: { meeting_room_id: id }, body: body as never });
      saved.textContent = t('adminRooms.saved');
    });
  });
  const del = button(t('adminRooms.delete'), async () => {
    if (!(await confirmDialog(t('adminRooms.confirmDelete', { name: room.meetingroom_name }), t('common.delete')))) return;
    if (await act(del, () => ctx.session.rest.call(deleteMeetingRoom, { params: { meeting_room_id: id } }))) go('/admin/rooms');
  }, { class: 'danger', 'data-action': 'delete' });
  ctx.main.replaceChildren(
    heading(room.meetingroom_name),
    ctx.query.has('created') ? note(t('adminRooms.createdNote'), { role: 'status', class: 'note success' }) : '',
    h('p', {}, h('a', { href: '#/admin/rooms' }, t('adminRooms.back'))),
    facts([
      [t('meeting.number'), room.meeting_number],
      [t('meeting.password'), room.meeting_password || t('meeting.noPassword')],
      [t('adminRooms.owner'), room.owner_name],
      [t('adminRooms.createdBy'), room.creator_name || undefined],
      [t('users.created'), formatInstant(room.created_time, lang())],
    ]),
    form,
    h('section', { class: 'panel', 'aria-labelledby': 'room-delete' }, h('h2', { id: 'room-delete' }, t('adminRooms.delete')), note(t('adminRooms.deleteHint')), h('div', { class: 'row actions' }, del)),
  );
}
