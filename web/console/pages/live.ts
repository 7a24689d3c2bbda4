/**
 * Live meetings (#/live) and one live meeting (#/live/<meeting_number>) with its participants and every control call.
 *
 * Updates come from polling the REST API (GET /api/v1/meeting every 5 s, GET /api/v1/meeting/{n} every 2 s, and at
 * once after each control call), not from the signalling socket: the socket is a participant's connection — an
 * operator would have to join the meeting and would appear in everyone's roster — while the REST reads are
 * authorised by role for operators who are not in the meeting, and need nothing the console does not already hold.
 * Polling pauses while the tab is hidden and stops when the page is left.
 */
import type { Static } from 'typebox';
import { type liveMeetingDetail, listLiveMeetings } from '../../../contract/rest/meeting-control.ts';
import { RestError } from '../../../sdk/rest-client.ts';
import { h } from '../../shared/dom.ts';
import { lang, type MessageKey, t } from '../i18n.ts';
import { href, type PageContext, poll } from '../page.ts';
import type { Session } from '../session.ts';
import { formatInstant } from '../time.ts';
import { act, button, checkbox, confirmDialog, facts, field, heading, loadFailed, note, promptDialog } from '../ui.ts';

type Detail = Static<(typeof liveMeetingDetail)['response']>;
type Participant = Detail['participants'][number];

const LIST_EVERY_MS = 5000;
const DETAIL_EVERY_MS = 2000;
/** Rows drawn at most; a filter finds anyone beyond (the detail itself is bounded by the meeting's size). */
const MAX_ROWS = 300;

export function liveListPage(ctx: PageContext): void {
  ctx.title(t('live.title'));
  const list = h('ul', { class: 'cards', 'aria-label': t('live.title'), 'aria-busy': 'true' });
  const updated = note('', { 'aria-live': 'off', class: 'note updated' });
  ctx.main.replaceChildren(heading(t('live.title')), note(ctx.session.isOperator ? t('live.introOperator') : t('live.introOwner')), updated, list);
  const rows = new Map<string, HTMLLIElement>();
  poll(ctx.signal, LIST_EVERY_MS, async () => {
    try {
      const r = await ctx.session.rest.call(listLiveMeetings, { method: 'GET' });
      if (ctx.signal.aborted) return;
      list.querySelector('.empty, .error')?.remove();
      const seen = new Set<string>();
      for (const m of r.meetings) {
        seen.add(m.meeting_number);
        const item = h(
          'li',
          { class: 'card-item', 'data-meeting-number': m.meeting_number },
          h('h2', {}, h('a', { href: href(`/live/${m.meeting_number}`) }, m.meeting_name)),
          h(
            'p',
            { class: 'note' },
            t('meetings.number', { number: m.meeting_number }),
            ` · ${t('meetings.organiser', { name: m.owner_name })}`,
            ` · ${t('live.since', { time: formatInstant(m.start_time, lang()) })}`,
          ),
          h('p', {}, h('span', { class: 'badge', 'data-count': String(m.participant_count) }, t('live.participants', { count: m.participant_count })), m.locked ? h('span', { class: 'badge warn' }, t('live.locked')) : ''),
        );
        // Replaced whole: the entries hold a link only, which keeps its place in the tab order by position.
        const old = rows.get(m.meeting_number);
        if (old) old.replaceWith(item);
        else list.append(item);
        rows.set(m.meeting_number, item);
      }
      for (const [n, row] of rows) if (!seen.has(n)) (row.remove(), rows.delete(n));
      if (r.meetings.length === 0) list.append(h('li', { class: 'empty' }, note(t('live.none'))));
      updated.textContent = t('live.updated', { time: new Date().toLocaleTimeString(lang()) });
    } catch (e) {
      loadFailed(list, e);
      rows.clear();
    } finally {
      list.removeAttribute('aria-busy');
    }
  });
}

export function liveMeetingPage(ctx: PageContext): void {
  const { session } = ctx;
  const number = ctx.params.number!;
  const rest = session.rest;
  ctx.title(t('live.meeting', { number }));
  const title = heading(t('live.meeting', { number }));
  const summary = h('div');
  const state = { detail: undefined as Detail | undefined, ended: false };
  const refresh = async () => {
    try {
      const d = await rest.liveMeeting(number);
      if (ctx.signal.aborted) return;
      state.detail = d;
      draw(d);
    } catch (e) {
      if (ctx.signal.aborted) return;
      // Not live any more (409) or gone (404): say so and stop polling.
      if (e instanceof RestError && (e.status === 404 || e.status === 409)) {
        state.ended = true;
        ctx.main.replaceChildren(title, h('p', { role: 'status', 'data-ended': 'true' }, t('live.ended')), h('p', {}, h('a', { href: '#/live' }, t('live.back'))));
        return;
      }
      loadFailed(summary, e);
    }
  };
  /** Runs a control call from `b`, shows its error next to it, and refreshes at once. */
  const control = (b: HTMLButtonElement, call: () => Promise<unknown>, anchor?: HTMLElement) => act(b, call, anchor).then(() => refresh());

  // ---- meeting-wide controls --------------------------------------------------------------------------------
  const allowSelfUnmute = checkbox(t('live.allowSelfUnmute'), 'allow_self_unmute', true);
  const selfUnmute = () => allowSelfUnmute.querySelector('input')!.checked;
  const lockButton = button(t('live.lock'), () => void control(lockButton, () => (state.detail?.locked ? rest.unlock(number) : rest.lock(number))), { 'data-action': 'lock' });
  const sharePolicy = h(
    'select',
    { name: 'share_policy' },
    h('option', { value: 'everyone' }, t('live.shareEveryone')),
    h('option', { value: 'hosts' }, t('live.shareHosts')),
  );
  const shareApply = button(t('live.apply'), () => void control(shareApply, () => rest.setSharePolicy(number, sharePolicy.value as 'everyone' | 'hosts')));
  const extend = (minutes: number) => {
    const b = button(t('live.extend', { minutes }), () =>
      void control(b, () => {
        const d = state.detail!;
        return rest.setEndTime(number, Math.max(d.end_time, Date.now()) + minutes * 60_000);
      }),
      { 'data-action': `extend-${minutes}` },
    );
    return b;
  };
  const extendRow = h('div', { class: 'row' }, extend(15), extend(30), extend(60));
  const overlayText = h('input', { name: 'content', maxlength: 4096, required: true });
  const overlayPosition = h(
    'select',
    { name: 'position' },
    h('option', { value: '0' }, t('live.top')),
    h('option', { value: '50' }, t('live.middle')),
    h('option', { value: '100' }, t('live.bottom')),
  );
  const overlayScroll = checkbox(t('live.scroll'), 'enable_scroll', true);
  const overlayRepeat = h('input', { type: 'number', name: 'repeat', min: 1, max: 999, value: '3' });
  const overlayShow = h('button', { type: 'submit' }, t('live.showOverlay'));
  const overlayStop = button(t('live.removeOverlay'), () => void control(overlayStop, () => rest.stopOverlay(number), overlayForm));
  const overlayForm = h(
    'form',
    { class: 'overlay-form', novalidate: true },
    field(t('live.overlayText'), overlayText),
    h('div', { class: 'grid3' }, field(t('live.position'), overlayPosition), field(t('live.repeat'), overlayRepeat), h('div', { class: 'row' }, overlayScroll)),
    h('div', { class: 'row actions' }, overlayShow, overlayStop),
  );
  overlayForm.addEventListener('submit', (e) => {
    e.preventDefault();
    void control(overlayShow, () =>
      rest.startOverlay(number, {
        content: overlayText.value,
        position: Number(overlayPosition.value) as 0 | 50 | 100,
        enable_scroll: overlayScroll.querySelector('input')!.checked,
        repeat: Number(overlayRepeat.value),
      }),
      overlayForm,
    );
  });
  const rejoin = checkbox(t('live.allowRejoin'), 'rejoin', true);
  const stopButton = button(t('live.stop'), async () => {
    if (!(await confirmDialog(t('live.confirmStop'), t('live.stop')))) return;
    await control(stopButton, () => rest.stop(number, rejoin.querySelector('input')!.checked));
  }, { class: 'danger', 'data-action': 'stop' });
  const removeAll = button(t('live.removeAll'), async () => {
    if (!(await confirmDialog(t('live.confirmRemoveAll'), t('live.removeAll')))) return;
    await control(removeAll, () => rest.disconnectAll(number));
  }, { class: 'danger' });
  const recording = (start: boolean) => {
    const b = button(start ? t('live.recordStart') : t('live.recordStop'), () => void control(b, () => rest.recording(number, start)), { 'data-action': start ? 'record' : 'record-stop' });
    return b;
  };
  const streaming = (start: boolean) => {
    const b = button(start ? t('live.streamStart') : t('live.streamStop'), () => void control(b, () => rest.liveStreaming(number, start)), { 'data-action': start ? 'stream' : 'stream-stop' });
    return b;
  };
  const muteAll = button(t('live.muteAll'), () => void control(muteAll, () => rest.muteAll(number, { allow_self_unmute: selfUnmute() })), { 'data-action': 'mute-all' });
  const unmuteAll = button(t('live.unmuteAll'), () => void control(unmuteAll, () => rest.unmuteAll(number)), { 'data-action': 'unmute-all' });
  const allowAll = button(t('live.allowAll'), () => void control(allowAll, () => rest.allowUnmuteAll(number)));
  const endLecture = button(t('live.endLecture'), () => void control(endLecture, () => rest.unsetLecturer(number)));
  const unpin = button(t('live.unpin'), () => void control(unpin, () => rest.unpin(number)));
  const controls = h(
    'section',
    { class: 'panel', 'aria-labelledby': 'controls-title' },
    h('h2', { id: 'controls-title' }, t('live.controls')),
    h('h3', {}, t('live.audio')),
    h('div', { class: 'row' }, muteAll, unmuteAll, allowAll),
    h('div', { class: 'row' }, allowSelfUnmute),
    h('h3', {}, t('live.meetingGroup')),
    h('div', { class: 'row' }, lockButton, endLecture, unpin),
    h('div', { class: 'row field-and-button' }, field(t('live.sharePolicy'), sharePolicy), shareApply),
    extendRow,
    h('h3', {}, t('live.overlay')),
    overlayForm,
    h('h3', {}, t('live.recordingGroup')),
    h('div', { class: 'row' }, recording(true), recording(false), streaming(true), streaming(false)),
    h('h3', {}, t('live.endGroup')),
    h('div', { class: 'row' }, removeAll, stopButton),
    h('div', { class: 'row' }, rejoin),
  );

  // ---- participants -----------------------------------------------------------------------------------------
  const filter = h('input', { type: 'search', name: 'participant-filter' });
  const list = h('ul', { class: 'participants', 'aria-label': t('live.participantsTitle') });
  const more = note('');
  const rows = new Map<string, ParticipantRow>();
  filter.addEventListener('input', () => state.detail && draw(state.detail));
  const people = h('section', { class: 'panel', 'aria-labelledby': 'people-title' }, h('h2', { id: 'people-title' }, t('live.participantsTitle')), field(t('live.filter'), filter), list, more);

  ctx.main.replaceChildren(title, h('p', {}, h('a', { href: '#/live' }, t('live.back'))), summary, h('div', { class: 'live-grid' }, people, controls));

  function draw(d: Detail): void {
    if (state.ended) return;
    ctx.title(d.meeting_name);
    title.textContent = d.meeting_name;
    summary.replaceChildren(
      facts([
        [t('meeting.number'), d.meeting_number],
        [t('meeting.organiser'), d.owner_name],
        [t('live.started'), formatInstant(d.start_time, lang())],
        [t('live.ends'), d.end_time > 0 ? formatInstant(d.end_time, lang()) : t('live.openEnded')],
        [t('meeting.password'), d.meeting_password || t('meeting.noPassword')],
        [t('live.participantsTitle'), String(d.participants.length)],
        [t('live.state'), [d.locked ? t('live.locked') : t('live.open'), d.passcode_lockout_until > Date.now() ? t('live.passcodeLockout', { time: formatInstant(d.passcode_lockout_until, lang()) }) : ''].filter(Boolean).join(' · ')],
      ]),
    );
    summary.dataset.count = String(d.participants.length);
    lockButton.textContent = d.locked ? t('live.unlock') : t('live.lock');
    lockButton.dataset.locked = String(d.locked);
    if (document.activeElement !== sharePolicy) sharePolicy.value = d.share_policy;
    extendRow.hidden = d.end_time === 0;

    const q = filter.value.trim().toLowerCase();
    const shown = d.participants.filter((p) => q === '' || p.name.toLowerCase().includes(q)).slice(0, MAX_ROWS);
    const keep = new Set(shown.map((p) => p.client_uuid));
    for (const [uuid, row] of rows) if (!keep.has(uuid)) (row.element.remove(), rows.delete(uuid));
    let previous: HTMLElement | undefined;
    for (const p of shown) {
      let row = rows.get(p.client_uuid);
      if (!row) {
        row = new ParticipantRow(session, number, p.client_uuid, selfUnmute, refresh);
        rows.set(p.client_uuid, row);
      }
      row.update(p);
      // Keep order without moving rows that are already in place (moving would drop the focus inside them).
      const expected = previous ? previous.nextElementSibling : list.firstElementChild;
      if (expected !== row.element) (previous ? previous.after(row.element) : list.prepend(row.element));
      previous = row.element;
    }
    const hidden = d.participants.length - shown.length;
    more.textContent = hidden > 0 ? t('live.more', { count: hidden }) : d.participants.length === 0 ? t('live.nobody') : '';
  }

  poll(ctx.signal, DETAIL_EVERY_MS, refresh);
}

/** One participant: name and state, and the calls on them. Updated in place so that focus stays on its buttons. */
class ParticipantRow {
  readonly element: HTMLLIElement;
  private readonly name = h('span', { class: 'name' });
  private readonly badges = h('span', { class: 'badges' });
  private readonly muteButton: HTMLButtonElement;
  private readonly allowButton: HTMLButtonElement;
  private readonly lecturerButton: HTMLButtonElement;
  private readonly removeButton: HTMLButtonElement;
  private p: Participant | undefined;

  constructor(session: Session, number: string, uuid: string, selfUnmute: () => boolean, refresh: () => Promise<void>) {
    const rest = session.rest;
    const control = (b: HTMLButtonElement, call: () => Promise<unknown>) => act(b, call, this.element.querySelector<HTMLElement>('.row') ?? undefined).then(() => refresh());
    const label = (action: MessageKey) => t(action, { name: this.p?.name ?? '' });
    this.muteButton = button('', () => void control(this.muteButton, () => (this.p?.mute_audio ? rest.unmute(number, [uuid]) : rest.mute(number, [uuid], selfUnmute()))), { 'data-action': 'mute' });
    this.allowButton = button(t('live.allow'), () => void control(this.allowButton, () => rest.allowUnmute(number, [uuid])), { 'data-action': 'allow' });
    this.lecturerButton = button('', () => void control(this.lecturerButton, () => (this.p?.lecture ? rest.unsetLecturer(number) : rest.setLecturer(number, uuid))), { 'data-action': 'lecturer', class: 'small' });
    const pin = button(t('live.pin'), () => void control(pin, () => rest.pin(number, uuid)), { 'data-action': 'pin', class: 'small' });
    const layout = (views: 1 | 9) => {
      const b = button(t('live.layout', { views }), () => void control(b, () => rest.layoutChange(number, uuid, views)), { 'data-action': `layout-${views}`, class: 'small' });
      return b;
    };
    const rename = button(t('live.rename'), async () => {
      const name = await promptDialog(label('live.renameWho'), this.p?.name ?? '', t('live.rename'), { maxlength: 128 });
      if (name !== undefined && name.trim() !== '') await control(rename, () => rest.rename(number, uuid, name.trim()));
    }, { 'data-action': 'rename', class: 'small' });
    const remove = button(t('live.remove'), async () => {
      if (!(await confirmDialog(label('live.confirmRemove'), t('live.remove')))) return;
      await control(remove, () => rest.disconnect(number, [uuid]));
    }, { 'data-action': 'remove', class: 'danger' });
    this.removeButton = remove;
    this.element = h(
      'li',
      { 'data-uuid': uuid },
      h('div', { class: 'who' }, this.name, this.badges),
      h(
        'div',
        { class: 'row' },
        this.muteButton,
        this.allowButton,
        remove,
        h('details', { class: 'more' }, h('summary', {}, t('live.moreActions')), h('div', { class: 'row' }, this.lecturerButton, pin, layout(1), layout(9), rename)),
      ),
    );
  }

  update(p: Participant): void {
    this.p = p;
    const e = this.element;
    e.dataset.audioMuted = String(p.mute_audio);
    e.dataset.hand = String(p.hand_raised);
    e.dataset.type = p.type;
    this.name.textContent = p.name;
    this.badges.replaceChildren(
      ...[
        p.type === 'GUEST' ? t('live.guest') : '',
        p.mute_audio ? t('live.micOff') : t('live.micOn'),
        p.mute_video ? t('live.cameraOff') : '',
        p.hand_raised ? t('live.handRaised') : '',
        p.lecture ? t('live.lecturer') : '',
      ]
        .filter(Boolean)
        .map((text) => h('span', { class: 'badge' }, text)),
    );
    this.muteButton.textContent = p.mute_audio ? t('live.unmute') : t('live.mute');
    this.muteButton.setAttribute('aria-label', t(p.mute_audio ? 'live.unmuteWho' : 'live.muteWho', { name: p.name }));
    this.removeButton.setAttribute('aria-label', t('live.removeWho', { name: p.name }));
    this.allowButton.hidden = !p.hand_raised;
    this.lecturerButton.textContent = p.lecture ? t('live.unsetLecturer') : t('live.setLecturer');
  }
}
