/**
 * My recordings (#/recordings?page=2): the recordings the caller may see (GET /api/v1/recordings: the meetings they own;
 * MeetingOperator and SystemAdmin all), newest first, a page at a time. A finished one plays in the page (a <video>
 * on the download URL, which answers range requests, so the player seeks), downloads, and is deleted after a
 * confirmation; one still recording or being finished says so and offers nothing yet.
 */
import type { Static } from 'typebox';
import { deleteRecording, listRecordings, type RecordingView } from '../../../contract/rest/recordings.ts';
import { h } from '../../shared/dom.ts';
import { lang, type MessageKey, t } from '../i18n.ts';
import { go, type PageContext } from '../page.ts';
import { formatInstant } from '../time.ts';
import { act, button, confirmDialog, heading, linkButton, loadFailed, note, pager } from '../ui.ts';

type Recording = Static<typeof RecordingView>;

const PAGE_SIZE = 20;

/** 65 000 ms → "1:05", 3 725 000 → "1:02:05". */
export function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const two = (n: number) => String(n).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}` : `${Math.floor(s / 60)}:${two(s % 60)}`;
}

const megabytes = (bytes: number): string =>
  t('recordings.size', { size: new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 }).format(bytes / 1_000_000) });

export async function recordingsPage(ctx: PageContext): Promise<void> {
  const { session } = ctx;
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  ctx.title(t('recordings.title'));
  const player = h('section', { class: 'panel player', hidden: true, 'aria-label': t('recordings.player') });
  const list = h('ul', { class: 'cards', 'aria-label': t('recordings.title') });
  const paging = h('div');
  ctx.main.replaceChildren(heading(t('recordings.title')), note(session.isOperator ? t('recordings.introOperator') : t('recordings.intro')), player, list, paging);

  /** The download URL: like every call, it carries client_id and token (the server redacts them in its logs). */
  const fileUrl = (r: Recording): string => {
    const url = new URL(r.file_url, location.origin);
    url.searchParams.set('client_id', session.rest.clientId);
    if (session.rest.token) url.searchParams.set('token', session.rest.token);
    return url.pathname + url.search;
  };

  const play = (r: Recording) => {
    const video = h('video', { controls: true, autoplay: true, preload: 'metadata', src: fileUrl(r), 'aria-label': t('recordings.playing', { name: r.meeting_name }) });
    player.replaceChildren(
      h('h2', {}, t('recordings.playing', { name: r.meeting_name })),
      video,
      h('div', { class: 'row actions' }, button(t('recordings.close'), () => close())),
    );
    player.dataset.recordingId = r.recording_id;
    player.hidden = false;
    player.scrollIntoView({ block: 'nearest' });
  };
  const close = () => {
    player.querySelector('video')?.removeAttribute('src');
    player.replaceChildren();
    delete player.dataset.recordingId;
    player.hidden = true;
  };

  const item = (r: Recording): HTMLLIElement => {
    const finished = r.status === 'FINISHED';
    const actions = h('div', { class: 'row actions' });
    if (finished) {
      actions.append(
        button(t('recordings.play'), () => play(r), { class: 'primary', 'aria-label': t('recordings.playNamed', { name: r.meeting_name, time: formatInstant(r.start_time, lang()) }) }),
        linkButton(t('recordings.download'), fileUrl(r), { download: `${r.meeting_name || r.meeting_number}-${r.recording_id}.webm` }),
      );
    }
    if (r.status === 'FINISHED' || r.status === 'FAILED') {
      const remove = button(t('common.delete'), async () => {
        if (!(await confirmDialog(t('recordings.confirmDelete', { name: r.meeting_name, time: formatInstant(r.start_time, lang()) }), t('common.delete')))) return;
        const done = await act(remove, () => session.rest.call(deleteRecording, { params: { recording_id: r.recording_id } }), actions);
        if (done === undefined) return;
        if (player.dataset.recordingId === r.recording_id) close();
        await render();
      }, { class: 'danger' });
      actions.append(remove);
    }
    const status = t(`recordings.status.${r.status}` as MessageKey);
    return h(
      'li',
      { class: 'card-item', 'data-recording-id': r.recording_id, 'data-status': r.status },
      h('h2', {}, `${r.meeting_name} — ${formatInstant(r.start_time, lang())}`),
      h(
        'p',
        { class: 'note' },
        [
          t('meetings.number', { number: r.meeting_number }),
          finished ? clock(r.duration) : status,
          finished ? megabytes(r.size) : '',
          t(`recordings.layout.${r.layout}` as MessageKey),
          t('recordings.startedBy', { name: r.started_by_name }),
        ].filter(Boolean).join(' · '),
      ),
      r.notes ? h('p', { class: 'note' }, r.notes) : '',
      actions.childElementCount > 0 ? actions : '',
    );
  };

  const render = async (): Promise<void> => {
    try {
      const r = await session.rest.call(listRecordings, { method: 'GET', query: { page_num: page, page_size: PAGE_SIZE } });
      if (ctx.signal.aborted) return;
      // A page emptied by deletions: the one before it.
      if (r.recordings.length === 0 && page > 1) return go('/recordings', { page: Math.max(1, Math.min(page - 1, r.total_page_num)) });
      list.replaceChildren(...r.recordings.map(item));
      if (r.recordings.length === 0) list.append(h('li', { class: 'empty' }, note(t('recordings.none'))));
      paging.replaceChildren(pager(page, r.total_page_num, (p) => go('/recordings', { page: p })) ?? '');
    } catch (e) {
      loadFailed(list, e);
    }
  };
  await render();
}
